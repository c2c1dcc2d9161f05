"""A registry record written outside the audited lifecycle is not used (issue 10, 16a).

Someone with WRITE on the registry topic but not on the signed recipient-change chain writes
records straight to the registry: one re-activating a suspended provider, one adding a
recipient that was never onboarded. A follower that checks the change chain keeps the
audited state and leaves the unknown recipient out; one that does not is fooled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from lovhub.codec import AUDIT_DECISION
from lovhub.kafka import producer
from lovhub.kafka.aio import aio_client_config
from lovhub.registry import Recipient, RecipientDirectory, RecipientStatus
from lovhub.registry.follower import RegistryFollower, read_registry
from lovhub.registry.records import encode_registry_record
from lovhub.synthetic import build_world, generate_scenario
from tests.integration.test_recipient_lifecycle import (
    CODEC,
    PROVIDER,
    Registry,
    _delivered_to_others,
    _lovhub_run,
    _outcomes,
    _seed,
)
from tests.support.broker import TestBroker
from tests.support.hubrun import HubTopics, produce_all, read_all

pytestmark = pytest.mark.kafka

FORGED_ID = "forgedcoach"


@pytest.fixture
def chain(kafka_broker: TestBroker, new_topic: Callable[..., str], tmp_path: Path) -> Registry:
    """A private registry topic and recipient-change chain, driven by the CLI."""
    return Registry(kafka_broker.admin_settings, new_topic, tmp_path)


def _forge(registry: Registry, *recipients: Recipient) -> None:
    writer = producer(registry.settings)
    for recipient in recipients:
        key, value = encode_registry_record(recipient)
        writer.send(registry.topic, value, key=key, partition=0).get(30)
    writer.close()


def test_forged_registry_records_are_not_used_and_are_reported(
    chain: Registry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = build_world()
    _seed(chain, world, tmp_path)
    chain.cli("recipient", "suspend", PROVIDER, "--reason", "FAILED_VETTING")
    config = aio_client_config(chain.settings)

    def checked() -> RecipientDirectory:
        return asyncio.run(
            read_registry(config, chain.topic, policy=world.policy, changes_topic=chain.changes)
        )

    audited = checked()
    suspended = audited.get(PROVIDER)
    assert suspended is not None
    assert suspended.status is RecipientStatus.SUSPENDED

    async def follow_while_forging() -> None:
        follower = RegistryFollower(
            config, chain.topic, policy=world.policy, changes_topic=chain.changes
        )
        try:
            assert await follower.poll() is not None
            reactivated = suspended.model_copy(update={"status": RecipientStatus.ACTIVE})
            stranger = Recipient.model_validate(
                {**suspended.model_dump(mode="json"), "id": FORGED_ID, "status": "active"}
            )
            await asyncio.to_thread(_forge, chain, reactivated, stranger)
            for _ in range(15):  # the forged records arrive; the directory must not move
                assert await follower.poll() is None
                await asyncio.sleep(0.2)
            assert follower.table.applied >= len(world.recipients) + 3
        finally:
            await follower.stop()

    with caplog.at_level(logging.WARNING, logger="lovhub.registry"):
        asyncio.run(follow_while_forging())
        fresh = checked()  # a worker starting now reads the same
    assert fresh.get(PROVIDER).status is RecipientStatus.SUSPENDED  # type: ignore[union-attr]
    assert FORGED_ID not in fresh
    assert "NOT_ATTESTED" in caplog.text
    assert "NO_CHANGE_RECORD" in caplog.text
    assert suspended.name not in caplog.text  # offsets and codes only

    # Without the change chain (the old reading) the forgery is taken as it is.
    fooled = asyncio.run(read_registry(config, chain.topic, policy=world.policy))
    assert fooled.get(PROVIDER).status is RecipientStatus.ACTIVE  # type: ignore[union-attr]
    assert FORGED_ID in fooled
    # The audited lifecycle itself is still accepted end to end.
    chain.cli("recipient", "resume", PROVIDER)
    assert checked().get(PROVIDER).status is RecipientStatus.ACTIVE  # type: ignore[union-attr]


def test_lovhub_run_ignores_a_forged_registry_record(
    chain: Registry, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    """The hub worker itself: a suspended provider re-activated by a record written straight
    to the registry stays suspended, and the worker says why it did not use the record."""
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    _seed(chain, world, tmp_path)
    chain.cli("recipient", "suspend", PROVIDER, "--reason", "FAILED_VETTING")
    suspended = asyncio.run(
        read_registry(aio_client_config(chain.settings), chain.topic, changes_topic=chain.changes)
    ).get(PROVIDER)
    assert suspended is not None
    _forge(chain, suspended.model_copy(update={"status": RecipientStatus.ACTIVE}))
    scenario = generate_scenario(world, CODEC, jobseekers=40, seed=6, invalid_rate=0.0)
    produce_all(chain.settings, topics.source, scenario.records)

    stderr = _lovhub_run(chain, world, topics, tmp_path)
    assert "NOT_ATTESTED" in stderr
    decisions = [
        CODEC.decode(r.value, AUDIT_DECISION) for r in read_all(chain.settings, topics.audit)
    ]
    assert _outcomes(decisions, PROVIDER) == {("WITHHELD", "RECIPIENT_SUSPENDED")}
    assert _delivered_to_others(decisions)
