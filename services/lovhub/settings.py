"""Settings for every lovhub process, read from the environment.

Variables are prefixed ``LOVHUB_``; the Kafka ones also accept the conventional unprefixed
names (``KAFKA_BOOTSTRAP_SERVERS``, ``KAFKA_SASL_USERNAME`` ...), so the same code runs against
the local broker, a broker in Docker or a production cluster. When no bootstrap address is
set at all, the connection file written by ``lovhub dev up`` is used, so a developer can
start the local broker and use every other command without exporting anything.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from lovhub.errors import ConfigurationError

__all__ = [
    "HubSettings",
    "KafkaSettings",
    "SecurityProtocol",
    "cache_dir",
    "credentials_from_environment",
    "load_kafka_settings",
    "state_dir",
]


def state_dir() -> Path:
    """Where lovhub keeps mutable local state (broker data, generated credentials)."""
    explicit = os.environ.get("LOVHUB_STATE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "lovhub"


def cache_dir() -> Path:
    """Where lovhub caches downloads that can be fetched again (the broker's jars)."""
    explicit = os.environ.get("LOVHUB_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lovhub"


class SecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"
    SSL = "SSL"


def _env(name: str) -> AliasChoices:
    return AliasChoices(f"LOVHUB_{name}", name)


class KafkaSettings(BaseSettings):
    """How to reach and authenticate to the Kafka cluster."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    bootstrap_servers: str = Field(validation_alias=_env("KAFKA_BOOTSTRAP_SERVERS"))
    security_protocol: SecurityProtocol = Field(
        default=SecurityProtocol.SASL_PLAINTEXT,
        validation_alias=_env("KAFKA_SECURITY_PROTOCOL"),
    )
    sasl_mechanism: str = Field(
        default="SCRAM-SHA-512", validation_alias=_env("KAFKA_SASL_MECHANISM")
    )
    sasl_username: str | None = Field(default=None, validation_alias=_env("KAFKA_SASL_USERNAME"))
    sasl_password: SecretStr | None = Field(
        default=None, validation_alias=_env("KAFKA_SASL_PASSWORD")
    )
    ssl_cafile: Path | None = Field(default=None, validation_alias=_env("KAFKA_SSL_CAFILE"))

    def uses_sasl(self) -> bool:
        return self.security_protocol in (
            SecurityProtocol.SASL_PLAINTEXT,
            SecurityProtocol.SASL_SSL,
        )

    def with_credentials(self, username: str, password: str) -> KafkaSettings:
        """The same cluster, another principal (e.g. a recipient's, or the hub worker's)."""
        return self.model_copy(
            update={"sasl_username": username, "sasl_password": SecretStr(password)}
        )

    def check(self) -> None:
        if self.uses_sasl() and not (self.sasl_username and self.sasl_password):
            raise ConfigurationError(
                f"security protocol {self.security_protocol} needs LOVHUB_KAFKA_SASL_USERNAME "
                "and LOVHUB_KAFKA_SASL_PASSWORD (or KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD)"
            )


def _from_connection_file(path: Path) -> KafkaSettings:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ConfigurationError(f"cannot read connection file {path}: {e}") from e
    return KafkaSettings.model_validate(
        {
            "LOVHUB_KAFKA_BOOTSTRAP_SERVERS": data["bootstrap_servers"],
            "LOVHUB_KAFKA_SECURITY_PROTOCOL": data.get("security_protocol", "SASL_PLAINTEXT"),
            "LOVHUB_KAFKA_SASL_MECHANISM": data.get("sasl_mechanism", "SCRAM-SHA-512"),
            "LOVHUB_KAFKA_SASL_USERNAME": data.get("username"),
            "LOVHUB_KAFKA_SASL_PASSWORD": data.get("password"),
        }
    )


def local_connection_file() -> Path:
    """``$LOVHUB_CONNECTION_FILE`` (e.g. the local cluster's), else the local broker's."""
    explicit = os.environ.get("LOVHUB_CONNECTION_FILE")
    if explicit:
        return Path(explicit).expanduser()
    return state_dir() / "broker" / "connection.json"


def _environment_credentials() -> tuple[str | None, str | None]:
    def first(*names: str) -> str | None:
        return next((os.environ[n] for n in names if os.environ.get(n)), None)

    return (
        first("LOVHUB_KAFKA_SASL_USERNAME", "KAFKA_SASL_USERNAME"),
        first("LOVHUB_KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD"),
    )


def credentials_from_environment() -> bool:
    """Whether the environment names a principal (then nothing may replace it)."""
    return any(_environment_credentials())


def cluster_settings() -> KafkaSettings:
    """The cluster from the usual settings, its credentials possibly missing: for commands
    that then log in with a credentials file of their own (``consume``, ``emit``)."""
    env_has_bootstrap = any(
        os.environ.get(name)
        for name in ("LOVHUB_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS")
    )
    # Straight from the environment: the usual check wants a user name still to be set.
    return KafkaSettings() if env_has_bootstrap else load_kafka_settings()  # type: ignore[call-arg]


def load_kafka_settings() -> KafkaSettings:
    """Settings from the environment, else from the local broker's connection file.

    Credentials given in the environment always win: with the connection file, only the
    broker's address and protocol come from it, never its (super user's) credentials in
    place of the ones given (issue 10, finding 4: a wrong hub password made ``lovhub run``
    take the file's admin login and run as the super user)."""
    env_has_bootstrap = any(
        os.environ.get(name)
        for name in ("LOVHUB_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS")
    )
    if env_has_bootstrap:
        settings = KafkaSettings()  # type: ignore[call-arg]  # filled from the environment
    else:
        connection_file = local_connection_file()
        if not connection_file.exists():
            raise ConfigurationError(
                "no Kafka broker configured: set KAFKA_BOOTSTRAP_SERVERS (and SASL settings), "
                f"or start the local broker with `lovhub dev up` (expected {connection_file})"
            )
        settings = _from_connection_file(connection_file)
        username, password = _environment_credentials()
        if username or password:
            if not (username and password):
                raise ConfigurationError(
                    "LOVHUB_KAFKA_SASL_USERNAME and LOVHUB_KAFKA_SASL_PASSWORD go together: "
                    "one is set, the other is not (the local connection file's credentials "
                    "are never used in place of the ones you give)"
                )
            settings = settings.with_credentials(username, password)
    settings.check()
    return settings


class HubSettings(BaseSettings):
    """Settings of the hub itself, independent of how Kafka is reached."""

    model_config = SettingsConfigDict(env_prefix="LOVHUB_", frozen=True, extra="ignore")

    replication_factor: int = Field(default=1, ge=1)
    partitions: int = Field(default=6, ge=1)
    hub_principal: str = "lovhub-hub"
    # The report processor's own principal: it never reads agency events nor writes a
    # recipient's topic (issue 10, finding 11).
    reports_principal: str = "lovhub-reports"
    # The agency's producing system (more: `lovhub admin agency add NAME`): WRITE on the
    # agency topic only.
    agency_principal: str = "lovhub-agency"
    admin_principal: str = "lovhub-admin"
    schema_registry_url: str | None = None
    # A signed checkpoint per audit partition after this many records or seconds.
    checkpoint_every_records: int = Field(default=1000, ge=1)
    checkpoint_every_seconds: float = Field(default=10.0, gt=0)
