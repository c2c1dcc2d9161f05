"""A record the hub cannot decode *yet* is held, never lost (issue 10, finding 2).

A consent withdrawal written in the Confluent wire format reaches a worker while its Schema
Registry is down. The worker must hold the partition (nothing decided, delivered or committed
there, the reason in its health), and once the registry answers again decide the withdrawal,
so the person's later event is withheld from the third party. Before the fix the withdrawal
was dead-lettered as a permanent rejection and the later event was delivered.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.codec import ConfluentCodec, SchemaRegistryClient, default_store
from lovhub.kafka.aio import aio_client_config
from lovhub.synthetic import build_world
from lovhub.worker import HubWorker
from lovhub.worker.runner import Checkpointing, WorkerTopics
from lovhub.worker.store import StateStore
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    TEST_SIGNING_KEY,
    TEST_STATE_KEYS,
    HubTopics,
    audit_outcomes,
    make_pipeline,
    produce_all,
    read_all,
)
from tests.support.stories import THIRD_PARTY, consent_withdrawal_story
from tests.unit.codec.fake_registry import FakeSchemaRegistry


def test_withdrawal_survives_a_registry_outage(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    story = consent_withdrawal_story()
    with FakeSchemaRegistry() as registry:
        producer_codec = ConfluentCodec(default_store(), SchemaRegistryClient(registry.url))
        produce_all(settings, topics.source, story.records(producer_codec))
        registry.unavailable = True  # the outage starts before the hub reads anything

        pipeline = make_pipeline(world, topics)
        pipeline.codec = ConfluentCodec(default_store(), SchemaRegistryClient(registry.url))
        worker = HubWorker(
            pipeline,
            client_config=aio_client_config(settings),
            topics=WorkerTopics(topics.source, topics.audit, topics.changelog),
            group_id=f"test-{topics.run}",
            store=StateStore(tmp_path / "state", TEST_STATE_KEYS),
            checkpoints=Checkpointing(TEST_SIGNING_KEY, topics.checkpoints),
        )
        seen_during_outage: dict[str, object] = {}

        async def scenario() -> None:
            running = asyncio.create_task(worker.run())
            for _ in range(150):
                await asyncio.sleep(0.2)
                if worker.held:
                    break
            await asyncio.sleep(2.0)  # a few retries, all refused by the registry
            seen_during_outage.update(
                healthy=worker.health.healthy,
                reason=worker.health.reason,
                events=worker.health.events,
                dead_letters=worker.health.dead_letters,
            )
            registry.unavailable = False
            for _ in range(300):
                await asyncio.sleep(0.2)
                if not worker.held and worker.health.events == len(story.events):
                    break
            worker.stop()
            await running

        asyncio.run(scenario())

    assert seen_during_outage["healthy"] is False
    assert "SCHEMA_REGISTRY_UNAVAILABLE" in str(seen_during_outage["reason"])
    assert seen_during_outage["events"] == 0, "nothing is decided while the registry is down"
    assert seen_during_outage["dead_letters"] == 0
    assert worker.health.healthy, worker.health.reason
    assert worker.health.events == len(story.events)
    assert read_all(settings, topics.dead_letter) == [], "no permanent rejection"

    _, decisions = audit_outcomes(settings, topics)
    last_registration = [e for e in story.events if e["jobseeker_id"] == story.withdrawn][-1]
    assert last_registration["event_type"] == "REGISTRATION"
    towards_third_party = [
        d
        for d in decisions
        if d["event_id"] == last_registration["event_id"] and d["recipient_id"] == THIRD_PARTY
    ]
    assert [(d["outcome"], d["reason_code"]) for d in towards_third_party] == [
        ("WITHHELD", "CONSENT_WITHDRAWN")
    ]
