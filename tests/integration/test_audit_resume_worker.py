"""The hub worker does not resume an audit partition whose tail does not extend its last
signed checkpoint (real broker): it holds, delivers and appends nothing, and says why."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.audit import ChainHead, link
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.codec import AUDIT_DECISION, codec_for, default_store
from lovhub.codec.examples import audit_decision
from lovhub.kafka import producer
from lovhub.kafka.aio import aio_client_config
from lovhub.synthetic import generate_scenario
from lovhub.worker import HubWorker
from lovhub.worker.runner import Checkpointing, WorkerTopics
from lovhub.worker.store import StateStore
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    TEST_SIGNING_KEY,
    TEST_STATE_KEYS,
    make_pipeline,
    produce_all,
    read_all,
    run_worker_until_idle,
    start_run,
)

CODEC = codec_for(None)


def test_the_worker_refuses_a_forged_audit_tail(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, _ = start_run(kafka_admin, settings, jobseekers=12, seed=3)
    group = f"test-{topics.run}"
    run_worker_until_idle(settings, world, topics, tmp_path / "state", group)

    # A forger with WRITE on the audit topic rewrites partition 0's history after its first
    # record: the forged records link well among themselves and end in a plausible tail.
    own = sorted(
        (r for r in read_all(settings, topics.audit) if r.partition == 0), key=lambda r: r.offset
    )
    assert len(own) >= 3
    first = CODEC.decode(own[0].value, AUDIT_DECISION)
    head = ChainHead(bytes(first["hash"]), 1)
    rng = random.Random(5)
    writer = producer(settings)
    for _ in range(3):
        forged, head = link(audit_decision(rng), head, canonical_audit_encoder(default_store()))
        writer.send(topics.audit, CODEC.encode(AUDIT_DECISION, forged), partition=0).get(30)
    writer.close()
    audit_before = len(read_all(settings, topics.audit))

    # New agency events; a fresh worker must restore the chains before deciding them.
    more = generate_scenario(world, CODEC, jobseekers=12, seed=4, invalid_rate=0.0)
    produce_all(settings, topics.source, more.records)
    worker = HubWorker(
        make_pipeline(world, topics),
        client_config=aio_client_config(settings),
        topics=WorkerTopics(topics.source, topics.audit, topics.changelog),
        group_id=group,
        store=StateStore(tmp_path / "state-2", TEST_STATE_KEYS),
        checkpoints=Checkpointing(TEST_SIGNING_KEY, topics.checkpoints),
    )

    async def run_until_refused() -> None:
        task = asyncio.create_task(worker.run(idle_exit_after=20.0))
        for _ in range(400):
            await asyncio.sleep(0.1)
            if not worker.health.healthy or task.done():
                break
        worker.stop()
        await asyncio.wait_for(task, 60)

    asyncio.run(run_until_refused())
    assert not worker.health.healthy
    # Said as what it is, not as a failed write (issue 10, finding 6).
    assert worker.health.reason.startswith(
        "fail closed: audit tail does not extend the last checkpoint ("
    ), worker.health.reason
    assert len(read_all(settings, topics.audit)) == audit_before, "nothing appended"
