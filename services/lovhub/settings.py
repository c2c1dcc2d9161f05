"""Every setting and path a lovhub process reads from its environment, declared here and
nowhere else (issue 13): each with its variable's exact name, its type, its default and what
it means. Other modules take these objects (as a collaborator, the environment's when none
is given) instead of reading ``os.environ`` themselves (a structure test keeps it so:
tests/unit/test_settings_single_source.py), and the README's configuration table is this
list (tests/unit/test_settings_table.py checks that they agree).

The Kafka variables are prefixed ``LOVHUB_`` and also accept the conventional unprefixed
names (``KAFKA_BOOTSTRAP_SERVERS``, ``KAFKA_SASL_USERNAME`` ...), so the same code runs
against the local broker, a broker in Docker or a production cluster. When no bootstrap
address is set at all, the connection file written by ``lovhub dev up`` is used, so a
developer can start the local broker and use every other command without exporting
anything.

The settings are read when asked for, never cached at import: a test (or a command that
sets a variable for itself) sees the environment as it is at the call.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final, Self

from pydantic import AfterValidator, AliasChoices, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from lovhub.errors import ConfigurationError

__all__ = [
    "ACTOR_VARIABLE",
    "ALLOW_ADMIN_VARIABLE",
    "DEFAULT_DEV_BROKER_PORT",
    "DEFAULT_DEV_CLUSTER_PORT",
    "HTTP_HOST_VARIABLE",
    "HTTP_PORT_VARIABLE",
    "INSTANCE_ID_VARIABLE",
    "LOOKUP_TOPIC_VARIABLE",
    "OPTION_VARIABLES",
    "REGISTRY_TOPIC_VARIABLE",
    "SETTINGS_CLASSES",
    "DeclaredVariable",
    "DevBrokerSettings",
    "HubPrincipals",
    "HubSettings",
    "KafkaSettings",
    "LocalDirectories",
    "OptionVariable",
    "PasswordSettings",
    "SecurityProtocol",
    "ServiceSettings",
    "StartupFiles",
    "cache_dir",
    "cluster_settings",
    "credentials_from_environment",
    "declared_variables",
    "kafka_bootstrap_in_environment",
    "load_kafka_settings",
    "local_connection_file",
    "state_dir",
]


def _expanded(path: Path) -> Path:
    return path.expanduser()


#: A path an operator types: ``~`` is their home directory.
UserPath = Annotated[Path, AfterValidator(_expanded)]


def _setting(variable: str, meaning: str, *, default: Any = None, shown_default: str = "") -> Any:
    """A field read from exactly ``variable``; ``shown_default`` is the default in words,
    for the documentation, when the field's own default (mostly None) does not say it."""
    extra: dict[str, Any] | None = {"shown_default": shown_default} if shown_default else None
    return Field(
        default=default, validation_alias=variable, description=meaning, json_schema_extra=extra
    )


class _Environment(BaseSettings):
    """Settings read from their variables' exact names (case-sensitive, like the
    ``os.environ.get`` calls they replace), an empty variable counting as unset."""

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", case_sensitive=True, env_ignore_empty=True
    )

    @classmethod
    def from_environment(cls) -> Self:
        """The settings as the environment has them now; a value of the wrong type is a
        :class:`ConfigurationError` naming the variable (never its value: it may be secret)."""
        try:
            return cls()
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}"
                for problem in error.errors()
            )
            # Not chained: pydantic's error would show the value, which may be a secret.
            raise ConfigurationError(f"invalid setting: {problems}") from None

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable of ``field`` (for messages and command options)."""
        return _variable_names(cls, field, cls.model_fields[field])[0]


# -- where files are --------------------------------------------------------------------------


class LocalDirectories(_Environment):
    """Where lovhub keeps and finds its files on this machine."""

    state_dir: UserPath | None = _setting(
        "LOVHUB_STATE_DIR",
        "local state: the local broker's data and connection file, generated credentials, "
        "the demo's files",
        shown_default="`$XDG_STATE_HOME/lovhub`",
    )
    cache_dir: UserPath | None = _setting(
        "LOVHUB_CACHE_DIR",
        "downloads that can be fetched again (the local broker's jars)",
        shown_default="`$XDG_CACHE_HOME/lovhub`",
    )
    # Not expanded: the XDG base directories are absolute paths by their specification.
    xdg_state_home: Path | None = _setting(
        "XDG_STATE_HOME", "the base of the state directory", shown_default="`~/.local/state`"
    )
    xdg_cache_home: Path | None = _setting(
        "XDG_CACHE_HOME", "the base of the cache directory", shown_default="`~/.cache`"
    )
    connection_file: UserPath | None = _setting(
        "LOVHUB_CONNECTION_FILE",
        "the broker connection used when no bootstrap address is set (`lovhub dev up "
        "--brokers 3` prints its cluster's)",
        shown_default="the local broker's `connection.json` in the state directory",
    )
    schema_dir: UserPath | None = _setting(
        "LOVHUB_SCHEMA_DIR",
        "the Avro schemas",
        shown_default="the nearest `schemas/` above the package or the working directory",
    )
    policy_dir: UserPath | None = _setting(
        "LOVHUB_POLICY_DIR",
        "the directory of `policy.yaml` and `recipients.yaml`",
        shown_default="the nearest `deploy/policy/` above the package or the working "
        "directory (the image's `/app/deploy/policy`)",
    )


def state_dir(directories: LocalDirectories | None = None) -> Path:
    """Where lovhub keeps mutable local state (broker data, generated credentials)."""
    directories = directories or LocalDirectories.from_environment()
    if directories.state_dir is not None:
        return directories.state_dir
    base = directories.xdg_state_home or Path.home() / ".local" / "state"
    return base / "lovhub"


def cache_dir(directories: LocalDirectories | None = None) -> Path:
    """Where lovhub caches downloads that can be fetched again (the broker's jars)."""
    directories = directories or LocalDirectories.from_environment()
    if directories.cache_dir is not None:
        return directories.cache_dir
    base = directories.xdg_cache_home or Path.home() / ".cache"
    return base / "lovhub"


class StartupFiles(_Environment):
    """The files a hub process is given by variable: policy, recipients, keys, secrets.
    Each writer role's signing key has its own variable (issue 10, finding 6; which role
    reads which: :mod:`lovhub.audit.roles`)."""

    policy_file: UserPath | None = _setting(
        "LOVHUB_POLICY_FILE",
        "purposes, categories, field rules",
        shown_default="`policy.yaml` in the policy directory",
    )
    recipients_file: UserPath | None = _setting(
        "LOVHUB_RECIPIENTS_FILE",
        "recipients, contracts, public keys (with `LOVHUB_RECIPIENTS_SOURCE=file`; otherwise "
        "the seed for `lovhub recipient import`)",
        shown_default="`recipients.yaml` in the policy directory",
    )
    operator_public_key_file: UserPath | None = _setting(
        "LOVHUB_OPERATOR_PUBLIC_KEY_FILE",
        "the operators' public key (dead letters are sealed to it)",
        shown_default="required by `run`",
    )
    hub_secret_file: UserPath | None = _setting(
        "LOVHUB_HUB_SECRET_FILE",
        "hex secret (32+ bytes) for pseudonyms",
        shown_default="required by `run` and the audit commands",
    )
    state_key_file: UserPath | None = _setting(
        "LOVHUB_STATE_KEY_FILE",
        "the hub state key: seals the held facts in the hub worker's store and changelog",
        shown_default="required by `run`",
    )
    audit_public_key_file: UserPath | None = _setting(
        "LOVHUB_AUDIT_PUBLIC_KEY_FILE",
        "the published audit signing keys `audit verify` checks checkpoints with",
        shown_default="the demo's `audit-signing.pub` in the state directory",
    )
    audit_signing_key_file: UserPath | None = _setting(
        "LOVHUB_AUDIT_SIGNING_KEY_FILE",
        "the hub worker's Ed25519 key for audit checkpoints; the other roles' key when "
        "their own variable is unset (a single-key deployment), except the lookups'",
        shown_default="required by `run`",
    )
    reports_signing_key_file: UserPath | None = _setting(
        "LOVHUB_REPORTS_SIGNING_KEY_FILE",
        "the report processor's checkpoint key",
        shown_default="`LOVHUB_AUDIT_SIGNING_KEY_FILE`",
    )
    redelivery_signing_key_file: UserPath | None = _setting(
        "LOVHUB_REDELIVERY_SIGNING_KEY_FILE",
        "`redeliver`'s checkpoint key",
        shown_default="`LOVHUB_AUDIT_SIGNING_KEY_FILE`",
    )
    lifecycle_signing_key_file: UserPath | None = _setting(
        "LOVHUB_LIFECYCLE_SIGNING_KEY_FILE",
        "the recipient commands' checkpoint key",
        shown_default="`LOVHUB_AUDIT_SIGNING_KEY_FILE`",
    )
    lookup_signing_key_file: UserPath | None = _setting(
        "LOVHUB_LOOKUP_SIGNING_KEY_FILE",
        "the operators' lookup chain's checkpoint key (never the hub worker's)",
        shown_default="unset: lookups chained, not checkpointed",
    )

    def named(self, variable: str) -> Path | None:
        """The file ``variable`` names, None when unset. A variable not declared here is a
        ``KeyError``: every file setting is declared in this class."""
        for name, field in type(self).model_fields.items():
            if field.validation_alias == variable:
                value: Path | None = getattr(self, name)
                return value
        raise KeyError(f"{variable} is not a declared file setting")


# -- how commands and services run ------------------------------------------------------------


class ServiceSettings(_Environment):
    """How a command or service runs, besides Kafka and its files. Plain text values:
    the modules that use them check them, with their own messages."""

    recipients_source: str = _setting(
        "LOVHUB_RECIPIENTS_SOURCE",
        "`registry`: read the registry topic at start and follow it; `file`: "
        "`LOVHUB_RECIPIENTS_FILE`, static (tests, offline)",
        default="registry",
    )
    recipient_changes_topic: str | None = _setting(
        "LOVHUB_RECIPIENT_CHANGES_TOPIC",
        "the recipients' signed change chain (also the recipient commands' `--changes-topic`)",
        shown_default="`lov.hub.audit.recipient-changes.v1`",
    )
    checkpoint_topic: str | None = _setting(
        "LOVHUB_CHECKPOINT_TOPIC",
        "where the operators' command-line chain writers (the recipient commands, `audit "
        "report`/`replay`) put their checkpoints",
        shown_default="`lov.hub.audit-checkpoints.v1`",
    )
    log_format: str = _setting(
        "LOVHUB_LOG_FORMAT",
        "`text`, or `json` for one JSON object per line",
        default="text",
    )


class PasswordSettings(_Environment):
    """Passwords given by variable. An empty variable is kept as given (not unset): what
    ``admin init`` did with it before these were declared here."""

    model_config = SettingsConfigDict(env_ignore_empty=False)

    hub_password: SecretStr | None = _setting(
        "LOVHUB_HUB_PASSWORD",
        "the hub worker principal's password for `admin init`",
        shown_default="generated, stored 0600",
    )
    reports_password: SecretStr | None = _setting(
        "LOVHUB_REPORTS_PASSWORD",
        "the report processor principal's password for `admin init`",
        shown_default="generated, stored 0600",
    )
    agency_password: SecretStr | None = _setting(
        "LOVHUB_AGENCY_PASSWORD",
        "the agency producer principal's password for `admin init`",
        shown_default="generated, stored 0600",
    )
    key_passphrase: SecretStr | None = _setting(
        "LOVHUB_KEY_PASSPHRASE",
        "the passphrase of `consume`'s private key files (or `--passphrase-file`)",
        shown_default="unencrypted key files",
    )


DEFAULT_DEV_BROKER_PORT: Final = 19092
DEFAULT_DEV_CLUSTER_PORT: Final = 19192


class DevBrokerSettings(_Environment):
    """The local development broker (``lovhub dev``). An empty port is an error, as it was."""

    model_config = SettingsConfigDict(env_ignore_empty=False)

    dev_broker_port: int = _setting(
        "LOVHUB_DEV_BROKER_PORT",
        "the local broker's client port (the controller uses the next one, TLS the one after)",
        default=DEFAULT_DEV_BROKER_PORT,
    )
    dev_cluster_port: int = _setting(
        "LOVHUB_DEV_CLUSTER_PORT",
        "the first port of `lovhub dev up --brokers N` (ten apart)",
        default=DEFAULT_DEV_CLUSTER_PORT,
    )
    # Text, not a path: an empty JAVA_HOME is unset, as a shell user expects.
    java_home: str | None = _setting(
        "JAVA_HOME", "the Java runtime the local broker runs on", shown_default="`java` on PATH"
    )


# -- Kafka ------------------------------------------------------------------------------------


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

    bootstrap_servers: str = Field(
        validation_alias=_env("KAFKA_BOOTSTRAP_SERVERS"),
        description="bootstrap address",
        json_schema_extra={"shown_default": "the local broker's `connection.json`"},
    )
    security_protocol: SecurityProtocol = Field(
        default=SecurityProtocol.SASL_PLAINTEXT,
        validation_alias=_env("KAFKA_SECURITY_PROTOCOL"),
        description="`SASL_PLAINTEXT`, `SASL_SSL`, `SSL`, `PLAINTEXT`",
    )
    sasl_mechanism: str = Field(
        default="SCRAM-SHA-512",
        validation_alias=_env("KAFKA_SASL_MECHANISM"),
        description="SASL mechanism",
    )
    sasl_username: str | None = Field(
        default=None,
        validation_alias=_env("KAFKA_SASL_USERNAME"),
        description="the principal a process logs in as",
        json_schema_extra={
            "shown_default": "the local connection file's; a service's own credentials file"
        },
    )
    sasl_password: SecretStr | None = Field(
        default=None,
        validation_alias=_env("KAFKA_SASL_PASSWORD"),
        description="its password",
    )
    ssl_cafile: Path | None = Field(
        default=None,
        validation_alias=_env("KAFKA_SSL_CAFILE"),
        description="CA bundle for TLS",
        json_schema_extra={"shown_default": "the system's"},
    )

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


def local_connection_file(directories: LocalDirectories | None = None) -> Path:
    """``$LOVHUB_CONNECTION_FILE`` (e.g. the local cluster's), else the local broker's."""
    directories = directories or LocalDirectories.from_environment()
    if directories.connection_file is not None:
        return directories.connection_file
    return state_dir(directories) / "broker" / "connection.json"


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


def kafka_bootstrap_in_environment() -> bool:
    """Whether the environment names a broker (else the local connection file is used)."""
    return any(
        os.environ.get(name)
        for name in ("LOVHUB_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS")
    )


def cluster_settings() -> KafkaSettings:
    """The cluster from the usual settings, its credentials possibly missing: for commands
    that then log in with a credentials file of their own (``consume``, ``emit``)."""
    if kafka_bootstrap_in_environment():
        # Straight from the environment: the usual check wants a user name still to be set.
        return KafkaSettings()  # type: ignore[call-arg]  # filled from the environment
    return load_kafka_settings()


def load_kafka_settings() -> KafkaSettings:
    """Settings from the environment, else from the local broker's connection file.

    Credentials given in the environment always win: with the connection file, only the
    broker's address and protocol come from it, never its (super user's) credentials in
    place of the ones given (issue 10, finding 4: a wrong hub password made ``lovhub run``
    take the file's admin login and run as the super user)."""
    if kafka_bootstrap_in_environment():
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


# -- the hub ----------------------------------------------------------------------------------


class HubPrincipals(BaseSettings):
    """The principals' names. Apart from the rest of :class:`HubSettings` so that the local
    broker, which needs only the admin's, does not depend on the hub's numbers being valid."""

    model_config = SettingsConfigDict(env_prefix="LOVHUB_", frozen=True, extra="ignore")

    hub_principal: str = Field(default="lovhub-hub", description="the hub worker's principal")
    # The report processor's own principal: it never reads agency events nor writes a
    # recipient's topic (issue 10, finding 11).
    reports_principal: str = Field(
        default="lovhub-reports", description="the report processor's principal"
    )
    # The agency's producing system (more: `lovhub admin agency add NAME`): WRITE on the
    # agency topic only.
    agency_principal: str = Field(
        default="lovhub-agency", description="the agency's producing system's principal"
    )
    admin_principal: str = Field(
        default="lovhub-admin",
        description="the cluster's super user (the local broker creates it; services refuse "
        "to run as it)",
    )


class HubSettings(HubPrincipals):
    """Settings of the hub itself, independent of how Kafka is reached."""

    replication_factor: int = Field(default=1, ge=1, description="used by `admin init`")
    partitions: int = Field(default=6, ge=1, description="used by `admin init`")
    schema_registry_url: str | None = Field(
        default=None,
        description="use the Confluent wire format with this registry",
        json_schema_extra={"shown_default": "single-object encoding"},
    )
    checkpoint_every_records: int = Field(
        default=1000,
        ge=1,
        description="a signed checkpoint per audit partition after this many records ...",
    )
    checkpoint_every_seconds: float = Field(
        default=10.0, gt=0, description="... or after this many seconds"
    )


# -- variables click reads for command options ------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionVariable:
    """A variable click reads for a command option (``envvar=``): declared here so that this
    module stays the one list, read by click so that ``--help`` names it and the option,
    when given, wins."""

    name: str
    option: str
    shown_default: str
    meaning: str


REGISTRY_TOPIC_VARIABLE: Final = OptionVariable(
    "LOVHUB_REGISTRY_TOPIC", "--registry-topic", "`lov.hub.recipients.v1`", "the registry topic"
)
ACTOR_VARIABLE: Final = OptionVariable(
    "LOVHUB_ACTOR", "--actor", "the admin principal", "who acts, in the recipient commands"
)
ALLOW_ADMIN_VARIABLE: Final = OptionVariable(
    "LOVHUB_ALLOW_ADMIN_PRINCIPAL",
    "--allow-admin",
    "refused",
    "`1`: let `run`/`run-reports` run as the admin principal",
)
INSTANCE_ID_VARIABLE: Final = OptionVariable(
    "LOVHUB_INSTANCE_ID",
    "--instance-id",
    "one made once per worker directory",
    "the hub worker's static group membership id",
)
HTTP_PORT_VARIABLE: Final = OptionVariable(
    "LOVHUB_HTTP_PORT", "--http-port", "`0`: not served", "serve /metrics, /healthz and /readyz"
)
HTTP_HOST_VARIABLE: Final = OptionVariable(
    "LOVHUB_HTTP_HOST", "--http-host", "`0.0.0.0`", "the address those endpoints listen on"
)
LOOKUP_TOPIC_VARIABLE: Final = OptionVariable(
    "LOVHUB_LOOKUP_TOPIC",
    "--lookup-topic",
    "`lov.hub.audit.lookups.v1`",
    "the hash-chained topic the operators' lookups are recorded on",
)

OPTION_VARIABLES: Final = (
    REGISTRY_TOPIC_VARIABLE,
    ACTOR_VARIABLE,
    ALLOW_ADMIN_VARIABLE,
    INSTANCE_ID_VARIABLE,
    HTTP_PORT_VARIABLE,
    HTTP_HOST_VARIABLE,
    LOOKUP_TOPIC_VARIABLE,
)


# -- the list, for the documentation ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeclaredVariable:
    """One row of the configuration table: the variable's names (the first is the one to
    use), its default and what it means."""

    names: tuple[str, ...]
    default: str
    meaning: str


#: Every class above that reads the environment, in the order the table lists them.
SETTINGS_CLASSES: Final[tuple[type[BaseSettings], ...]] = (
    KafkaSettings,
    HubSettings,
    StartupFiles,
    ServiceSettings,
    PasswordSettings,
    LocalDirectories,
    DevBrokerSettings,
)


def _variable_names(
    model: type[BaseSettings], field_name: str, field: FieldInfo
) -> tuple[str, ...]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(str(choice) for choice in alias.choices)
    if isinstance(alias, str):
        return (alias,)
    prefix = model.model_config.get("env_prefix") or ""
    return ((prefix + field_name).upper(),)


def _shown_default(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict) and extra.get("shown_default"):
        return str(extra["shown_default"])
    if field.default is None:
        return "unset"
    return f"`{field.default}`"


def _settings_variables() -> Iterator[DeclaredVariable]:
    for model in SETTINGS_CLASSES:
        for name, field in model.model_fields.items():
            yield DeclaredVariable(
                _variable_names(model, name, field), _shown_default(field), field.description or ""
            )


def declared_variables() -> tuple[DeclaredVariable, ...]:
    """Every environment variable a lovhub process reads, with its default and meaning."""
    from_options = (
        DeclaredVariable((o.name,), o.shown_default, f"{o.meaning} (`{o.option}`)")
        for o in OPTION_VARIABLES
    )
    return (*_settings_variables(), *from_options)
