"""What the long-running services (`lovhub run`, `lovhub run-reports`) share: their start-up
materials with the recipients from the registry topic, and running until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import typer
from aiokafka.errors import KafkaConnectionError
from prometheus_client import CollectorRegistry

from lovhub.audit.roles import WriterRole
from lovhub.cli.console import say
from lovhub.codec import codec_for
from lovhub.errors import BrokerUnreachableError, ConfigurationError
from lovhub.kafka.aio import aio_client_config
from lovhub.policy import Policy
from lovhub.provisioning.topology import RECIPIENT_CHANGES
from lovhub.registry import RecipientDirectory
from lovhub.registry.follower import RegistryFollower, read_registry
from lovhub.runtime import (
    DecidingMaterials,
    HubMaterials,
    load_deciding_materials,
    load_materials,
    recipients_source,
)
from lovhub.service import Probe, ServiceEndpoints, configure_logging
from lovhub.settings import (
    ALLOW_ADMIN_VARIABLE,
    HTTP_HOST_VARIABLE,
    HTTP_PORT_VARIABLE,
    HubSettings,
    KafkaSettings,
    ServiceSettings,
    credentials_from_environment,
    load_kafka_settings,
    state_dir,
)

__all__ = [
    "HTTP_HOST_OPTION",
    "HTTP_PORT_OPTION",
    "Service",
    "load_replay_materials",
    "load_service_materials",
    "run_until_stopped",
    "service_kafka_settings",
    "serving_endpoints",
]

HTTP_PORT_OPTION: Any = typer.Option(
    0,
    envvar=HTTP_PORT_VARIABLE.name,
    min=0,
    max=65535,
    help="Serve /metrics, /healthz and /readyz on this port (0: not at all).",
)
HTTP_HOST_OPTION: Any = typer.Option(
    "0.0.0.0",  # noqa: S104 - probes and scrapes come from outside the pod
    envvar=HTTP_HOST_VARIABLE.name,
    help="Address the HTTP endpoints listen on.",
)


@contextlib.contextmanager
def serving_endpoints(
    registry: CollectorRegistry,
    *,
    live: Callable[[], Probe],
    ready: Callable[[], Probe],
    port: int,
    host: str,
) -> Iterator[None]:
    """The service's /metrics, /healthz and /readyz while the block runs (none if port 0)."""
    if not port:
        yield
        return
    endpoints = ServiceEndpoints(registry, live=live, ready=ready, port=port, host=host)
    endpoints.start()
    say(f"metrics and probes on http://{host}:{endpoints.port}: /metrics, /healthz, /readyz")
    try:
        yield
    finally:
        endpoints.stop()


class Service(Protocol):
    def stop(self) -> None: ...

    async def run(self, *, idle_exit_after: float | None = None) -> None: ...


def service_kafka_settings(role_principal: str, *, allow_admin: bool) -> KafkaSettings:
    """How a service logs in: as the principal the environment names; else, on the local
    broker, as its own role principal (``role_principal``) from the credentials file that
    ``lovhub admin init`` wrote. Never as the admin principal unless ``allow_admin``: the
    super user bypasses every ACL the hub relies on (issue 10, finding 4)."""
    settings = load_kafka_settings()
    stored = state_dir() / "credentials" / f"{role_principal}.credentials.json"
    if not credentials_from_environment() and stored.exists():
        login = json.loads(stored.read_text(encoding="utf-8"))
        settings = settings.with_credentials(login["username"], login["password"])
        say(f"logging in as {login['username']} (credentials from {stored})")
    admin = HubSettings().admin_principal
    if settings.sasl_username == admin:
        if not allow_admin:
            raise ConfigurationError(
                f"refusing to run as the admin principal {admin}, which bypasses the hub's "
                f"ACLs: set LOVHUB_KAFKA_SASL_USERNAME={role_principal} and its password "
                f"(`lovhub admin init` creates it), or pass --allow-admin "
                f"({ALLOW_ADMIN_VARIABLE.name}=1) if you mean it"
            )
        say(f"WARNING: running as the admin principal {admin} (--allow-admin): no ACL limits it")
    return settings


def load_service_materials(
    settings: KafkaSettings, registry_topic: str, role: WriterRole = WriterRole.HUB_WORKER
) -> tuple[HubMaterials, RegistryFollower | None]:
    """Policy, keys and secrets from files; recipients from the registry topic (followed
    between batches) unless ``LOVHUB_RECIPIENTS_SOURCE=file``. An empty registry is an error:
    a hub with no recipients would withhold everything and look healthy."""
    configure_logging(logging.WARNING)  # LOVHUB_LOG_FORMAT=json for one JSON object a line
    registry = _RegistrySource.configured(settings, registry_topic)
    if registry is None:
        return load_materials(role=role), None
    materials = load_materials(registry=registry.read, role=role)
    registry.check_not_empty(materials.recipients)
    follower = RegistryFollower(
        registry.config,
        registry_topic,
        policy=materials.policy,
        known=materials.recipients,
        changes_topic=registry.changes_topic,
        codec=registry.codec,
    )
    return materials, follower


def load_replay_materials(settings: KafkaSettings, registry_topic: str) -> DecidingMaterials:
    """What the hub worker decides with, from the same files and the same registry (read
    once, through its signed change chain), without any writer's private key: for a
    read-only replay of its decisions (``lovhub audit reconcile --replay``)."""
    registry = _RegistrySource.configured(settings, registry_topic)
    if registry is None:
        return load_deciding_materials()
    materials = load_deciding_materials(registry=registry.read)
    registry.check_not_empty(materials.recipients)
    return materials


class _RegistrySource:
    """The registry topic as the hub worker reads it: records count only when the signed
    change chain names them (issue 10, 16a)."""

    def __init__(self, settings: KafkaSettings, topic: str) -> None:
        self.topic = topic
        self.config = aio_client_config(settings)
        changes_topic = ServiceSettings.from_environment().recipient_changes_topic
        self.changes_topic = changes_topic or RECIPIENT_CHANGES
        self.codec = codec_for(HubSettings())

    @classmethod
    def configured(cls, settings: KafkaSettings, topic: str) -> _RegistrySource | None:
        """None when ``LOVHUB_RECIPIENTS_SOURCE=file``."""
        return cls(settings, topic) if recipients_source() == "registry" else None

    def read(self, policy: Policy) -> RecipientDirectory:
        return asyncio.run(
            read_registry(
                self.config,
                self.topic,
                policy=policy,
                changes_topic=self.changes_topic,
                codec=self.codec,
            )
        )

    def check_not_empty(self, recipients: RecipientDirectory) -> None:
        if not len(recipients):
            raise ConfigurationError(
                f"the registry {self.topic} holds no recipients: seed it with "
                "`lovhub recipient import FILE` or add them with `lovhub recipient add`"
            )


def run_until_stopped(
    service: Service,
    follower: RegistryFollower | None,
    idle_exit: float,
    login: KafkaSettings | None = None,
) -> None:
    """Run until SIGTERM/SIGINT (or ``idle_exit`` idle seconds when non-zero). A broker that
    cannot be reached or refuses the login at start ends the run with one line naming the
    address and principal (aiokafka reports a refused SASL login as a failed bootstrap)."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, service.stop)
        try:
            await service.run(idle_exit_after=idle_exit or None)
        finally:
            if follower is not None:
                await follower.stop()

    try:
        asyncio.run(main())
    except KafkaConnectionError as error:
        where = f"{login.bootstrap_servers} as {login.sasl_username}" if login else "Kafka"
        raise BrokerUnreachableError(
            f"cannot connect to {where}: the broker is unreachable or refused the login "
            f"(check the address, the principal and its password) [{type(error).__name__}]"
        ) from None
