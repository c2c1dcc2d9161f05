"""What the long-running services (`lovhub run`, `lovhub run-reports`) share: their start-up
materials with the recipients from the registry topic, and running until a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Protocol

from lovhub.errors import ConfigurationError
from lovhub.kafka.aio import aio_client_config
from lovhub.policy import Policy
from lovhub.registry import RecipientDirectory
from lovhub.registry.follower import RegistryFollower, read_registry
from lovhub.runtime import HubMaterials, load_materials, recipients_source
from lovhub.settings import KafkaSettings

__all__ = ["Service", "load_service_materials", "run_until_stopped"]


class Service(Protocol):
    def stop(self) -> None: ...

    async def run(self, *, idle_exit_after: float | None = None) -> None: ...


def load_service_materials(
    settings: KafkaSettings, registry_topic: str
) -> tuple[HubMaterials, RegistryFollower | None]:
    """Policy, keys and secrets from files; recipients from the registry topic (followed
    between batches) unless ``LOVHUB_RECIPIENTS_SOURCE=file``. An empty registry is an error:
    a hub with no recipients would withhold everything and look healthy."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if recipients_source() != "registry":
        return load_materials(), None
    config = aio_client_config(settings)

    def from_registry(policy: Policy) -> RecipientDirectory:
        return asyncio.run(read_registry(config, registry_topic, policy=policy))

    materials = load_materials(registry=from_registry)
    if not len(materials.recipients):
        raise ConfigurationError(
            f"the registry {registry_topic} holds no recipients: seed it with "
            "`lovhub recipient import FILE` or add them with `lovhub recipient add`"
        )
    follower = RegistryFollower(
        config, registry_topic, policy=materials.policy, known=materials.recipients
    )
    return materials, follower


def run_until_stopped(
    service: Service, follower: RegistryFollower | None, idle_exit: float
) -> None:
    """Run until SIGTERM/SIGINT (or ``idle_exit`` idle seconds when non-zero)."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, service.stop)
        try:
            await service.run(idle_exit_after=idle_exit or None)
        finally:
            if follower is not None:
                await follower.stop()

    asyncio.run(main())
