"""On the real broker: the registry's vetting facts decide deliveries (issue 15, parts 3, 6
and 7).

Records on the registry topic from before undertakings, residency and agreements were
required stay readable; a hub worker following the topic withholds from them with the
reason in the audit topic: a provider without an undertaking (``NO_UNDERTAKING``), one with
a sub-processor outside the allowed countries (``RESIDENCY``), a third party without an
agreement (``NO_AGREEMENT``). ``recipient import`` refuses such records as new ones.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from lovhub.codec import default_store
from lovhub.kafka.aio import aio_client_config
from lovhub.kafka.reading import end_offsets
from lovhub.registry import RecipientDirectory
from lovhub.registry.operations import RegistryTopics, publish_changes
from lovhub.registry.seeding import plan_registration
from lovhub.runtime import write_world
from lovhub.synthetic import World
from tests.integration.test_recipient_lifecycle import CODEC, Registry, _outcomes, _phase
from tests.support.broker import TestBroker
from tests.support.hubrun import HubTopics
from tests.support.vetting import ABROAD, NO_AGREEMENT, UNSIGNED, VETTED, unvetted_world

pytestmark = pytest.mark.kafka


@pytest.fixture
def registry(kafka_broker: TestBroker, new_topic: Callable[..., str], tmp_path: Path) -> Registry:
    """A private registry + change topic pair and a CLI bound to them."""
    return Registry(kafka_broker.admin_settings, new_topic, tmp_path)


def _register(registry: Registry, world: World) -> None:
    """The records as an older hub version wrote them: through the audited lifecycle, with
    no vetting of the new fields (the pure lifecycle never asks for them)."""
    changes = plan_registration(
        RecipientDirectory(), world.recipients.recipients, actor="test", at=dt.datetime.now(dt.UTC)
    )
    asyncio.run(
        publish_changes(
            aio_client_config(registry.settings),
            changes,
            codec=CODEC,
            store=default_store(),
            topics=RegistryTopics(registry.topic, registry.changes),
        )
    )


def test_unvetted_records_are_read_and_withheld_with_their_reasons(
    registry: Registry, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    world = unvetted_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)

    write_world(world, tmp_path / "world")
    refused = registry.cli("recipient", "import", str(tmp_path / "world" / "recipients.yaml"),
                           ok=False)  # fmt: skip
    assert refused.returncode != 0
    assert "vetting needs undertaking" in refused.stderr
    assert end_offsets(registry.settings, registry.topic) == {0: 0}  # nothing written

    _register(registry, world)
    decisions = _phase(registry, world, topics, tmp_path, 1)

    assert _outcomes(decisions, UNSIGNED) == {("WITHHELD", "NO_UNDERTAKING")}
    assert _outcomes(decisions, ABROAD) == {("WITHHELD", "RESIDENCY")}
    assert _outcomes(decisions, NO_AGREEMENT) <= {("WITHHELD", "NO_AGREEMENT")}
    assert ("DELIVERED", None) in _outcomes(decisions, VETTED)
    for withheld in (UNSIGNED, ABROAD):
        topic = topics.recipient(world.recipients.get(withheld))  # type: ignore[arg-type]
        assert sum(end_offsets(registry.settings, topic).values()) == 0
    assert all(d["policy_version"] == world.policy.version for d in decisions)

    shown = registry.cli("recipient", "show", ABROAD).stdout
    assert "Exempelbackup Inc" in shown
    assert "US" in shown
    listed = registry.cli("recipient", "list").stdout
    assert "FI, SE" in listed  # jobbcoach-syd's data: its own country and its sub-processor's
