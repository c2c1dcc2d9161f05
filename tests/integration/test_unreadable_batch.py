"""A batch the hub worker cannot decode holds it, unhealthy, in its group; never a crash.

The snappy codec is made unavailable to aiokafka (as on a host without its library) while
librdkafka writes snappy batches to the agency topic: the worker must report why it holds,
keep running, lose nothing, and carry on once the batches can be read."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiokafka.codec
import pytest
from kafka import KafkaAdminClient

from lovhub.codec import codec_for
from lovhub.kafka.aio import aio_client_config
from lovhub.synthetic import build_world, generate_scenario
from lovhub.worker import HubWorker
from lovhub.worker.runner import Checkpointing, WorkerTopics
from lovhub.worker.store import StateStore
from tests.integration.test_compression import produce_compressed
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    TEST_SIGNING_KEY,
    HubTopics,
    audit_outcomes,
    make_pipeline,
    oracle_outcomes,
    read_all,
)


async def _until(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.2)
    return False


def test_worker_holds_unhealthy_on_an_undecodable_batch_and_resumes_without_loss(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    scenario = generate_scenario(world, codec_for(None), jobseekers=30, seed=9, invalid_rate=0.0)
    half = len(scenario.records) // 2
    produce_compressed(settings, topics.source, scenario.records[:half], "gzip")
    produce_compressed(settings, topics.source, scenario.records[half:], "snappy")
    monkeypatch.setattr(aiokafka.codec, "cramjam", None)  # aiokafka: no snappy, lz4, zstd
    health_file = tmp_path / "health.json"
    worker = HubWorker(
        make_pipeline(world, topics),
        client_config=aio_client_config(settings),
        topics=WorkerTopics(topics.source, topics.audit, topics.changelog),
        group_id=f"test-{topics.run}",
        store=StateStore(tmp_path / "state"),
        health_file=health_file,
        checkpoints=Checkpointing(TEST_SIGNING_KEY, topics.checkpoints),
    )

    async def scenario_run() -> None:
        task = asyncio.create_task(worker.run())
        try:
            held = await _until(lambda: "cannot read" in worker.health.reason, 90)
            assert held, (worker.health, task.done() and task.exception())
            await asyncio.sleep(2)  # retried a few times meanwhile
            assert not task.done(), task.exception()
            assert not worker.health.healthy
            assert worker.health.reason.startswith(
                f"fail closed: cannot read {topics.source} (UnsupportedCodecError)"
            )
            reported = json.loads(health_file.read_text(encoding="utf-8"))
            assert reported["healthy"] is False
            assert "UnsupportedCodecError" in reported["reason"]
            assert worker.health.events < len(scenario.records)  # snappy ones not decided

            monkeypatch.undo()  # the codec is back: everything is read, nothing skipped
            done = await _until(lambda: worker.health.events >= len(scenario.records), 120)
            assert done, worker.health
            assert await _until(lambda: worker.health.healthy, 30), worker.health
        finally:
            worker.stop()
            await task

    asyncio.run(scenario_run())
    assert worker.health.events == len(scenario.records)
    counted, _ = audit_outcomes(settings, topics)
    assert counted == oracle_outcomes(world, topics, read_all(settings, topics.source))


def test_audit_reconcile_stops_with_one_line_on_an_undecodable_batch(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sys

    import kafka.codec

    from lovhub.cli.main import run
    from tests.support.hubrun import lovhub_env

    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    scenario = generate_scenario(world, codec_for(None), jobseekers=5, seed=9, invalid_rate=0.0)
    produce_compressed(settings, topics.source, scenario.records, "snappy")
    for name, value in lovhub_env(settings, world, tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(kafka.codec, "snappy", None)  # kafka-python: no snappy here
    monkeypatch.setattr(
        sys,
        "argv",
        ["lovhub", *topics.reconcile_args()],
    )
    with pytest.raises(SystemExit) as stopped:
        run()
    assert stopped.value.code == 1
    said = capsys.readouterr().err
    assert "Traceback" not in said
    assert f"cannot read {topics.source} partition" in said
    assert "UnsupportedCodecError" in said
