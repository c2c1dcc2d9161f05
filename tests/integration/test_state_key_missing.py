"""A worker whose state key cannot open the held facts holds the partition (fail closed, the
reason in its health) instead of deciding on a state without them; given the right key it
goes on (issue 11, part 1)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.crypto.state_keys import StateKeyRing
from lovhub.kafka.aio import aio_client_config
from lovhub.synthetic import build_world
from lovhub.worker import HubWorker
from lovhub.worker.runner import Checkpointing, WorkerTopics
from lovhub.worker.store import StateStore
from tests.support.broker import TestBroker
from tests.support.hubrun import TEST_SIGNING_KEY, HubTopics, make_pipeline, produce_all, read_all

CODEC = codec_for(None)


def _worker(settings: object, world: object, topics: HubTopics, store: StateStore) -> HubWorker:
    return HubWorker(
        make_pipeline(world, topics),  # type: ignore[arg-type]
        client_config=aio_client_config(settings),  # type: ignore[arg-type]
        topics=WorkerTopics(topics.source, topics.audit, topics.changelog),
        group_id=f"test-{topics.run}",
        store=store,
        checkpoints=Checkpointing(TEST_SIGNING_KEY, topics.checkpoints),
    )


def _event(kind: str, rng: random.Random) -> tuple[bytes, bytes]:
    event = jobseeker_event(kind, rng, jobseeker_id="AS-700000009")
    return b"AS-700000009", CODEC.encode(JOBSEEKER_EVENT, event)


def test_a_state_key_that_does_not_open_the_facts_holds_the_partition(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    rng = random.Random(5)
    right = StateKeyRing.generate()
    produce_all(settings, topics.source, [_event("REGISTRATION", rng)])
    first = _worker(settings, world, topics, StateStore(tmp_path / "state", right))
    asyncio.run(first.run(idle_exit_after=4.0))
    audited = len(read_all(settings, topics.audit))
    assert audited == 1

    produce_all(settings, topics.source, [_event("ASSESSMENT", rng)])
    wrong = _worker(
        settings, world, topics, StateStore(tmp_path / "state", StateKeyRing.generate())
    )
    seen: dict[str, object] = {}

    async def held_run() -> None:
        running = asyncio.create_task(wrong.run())
        for _ in range(150):
            await asyncio.sleep(0.2)
            if wrong.held:
                break
        seen.update(healthy=wrong.health.healthy, reason=wrong.health.reason)
        wrong.stop()
        await running

    asyncio.run(held_run())
    assert seen["healthy"] is False
    assert "STATE_KEY_MISSING" in str(seen["reason"]) or "STATE_SEAL_INVALID" in str(seen["reason"])
    assert len(read_all(settings, topics.audit)) == audited, "nothing decided without its facts"

    again = _worker(settings, world, topics, StateStore(tmp_path / "state", right))
    asyncio.run(again.run(idle_exit_after=4.0))
    assert len(read_all(settings, topics.audit)) == audited + 1
