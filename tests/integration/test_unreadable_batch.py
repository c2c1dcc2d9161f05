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
    TEST_STATE_KEYS,
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
        store=StateStore(tmp_path / "state", TEST_STATE_KEYS),
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


def test_report_processor_holds_on_an_undecodable_report_batch_and_resumes(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A provider's report batch the processor cannot decode holds it (why, retrying), never
    crashes it nor skips the batch: once the codec is back every report is decided."""
    from lovhub.codec.store import default_store
    from lovhub.reports.core import ReportCore
    from lovhub.reports.processor import ReportProcessor, ReportTopics

    settings = kafka_broker.admin_settings
    world = build_world()
    run = HubTopics.fresh().run
    prefix = f"test.{run}"
    reports = f"{prefix}.provider.reports"
    topics = ReportTopics(
        reports_pattern=f"^{prefix}\\.provider\\.reports$",
        changelog=f"{prefix}.changelog",
        agency=f"{prefix}.agency-reports",
        dead_letter=f"{prefix}.dlq",
        audit=f"{prefix}.rep",
        checkpoints=f"{prefix}.checkpoints",
    )
    kafka_admin.create_topics(
        {
            name: {"num_partitions": 1, "replication_factor": 1}
            for name in (
                reports,
                topics.changelog,
                topics.agency,
                topics.dead_letter,
                topics.audit,
                topics.checkpoints,
            )
        },
        wait_for_metadata=True,
    )
    count = 5
    # Not reports at all: what matters is that the processor decides (dead-letters) them
    # once it can read their batch, and neither crashes nor skips them before.
    produce_compressed(
        settings,
        reports,
        [(b"k", f"synthetic garbage {n}".encode()) for n in range(count)],
        "snappy",
    )
    monkeypatch.setattr(aiokafka.codec, "cramjam", None)  # aiokafka: no snappy, lz4, zstd
    codec = codec_for(None)
    core = ReportCore(
        policy=world.policy,
        recipients=world.recipients.as_mapping(),
        pseudonymiser=world.pseudonymiser(),
        operator_key=world.operator_key.public_key(),
        codec=codec,
        agency_topic=topics.agency,
        dead_letter_topic=topics.dead_letter,
    )
    processor = ReportProcessor(
        core,
        client_config=aio_client_config(settings),
        codec=codec,
        store=default_store(),
        topics=topics,
        group_id=f"lovhub-reports-{run}",
        signing_key=TEST_SIGNING_KEY,
    )

    async def scenario_run() -> None:
        task = asyncio.create_task(processor.run())
        try:
            held = await _until(lambda: processor.unreadable is not None, 90)
            assert held, task.done() and task.exception()
            await asyncio.sleep(2)  # retried a few times meanwhile
            assert not task.done(), task.exception()
            assert processor.unreadable is not None
            assert processor.unreadable.startswith("fail closed: cannot read")
            assert "UnsupportedCodecError" in processor.unreadable
            assert processor.counts.reports == 0  # nothing decided past the unreadable batch

            monkeypatch.undo()  # the codec is back: the batch is read, nothing skipped
            done = await _until(lambda: processor.counts.reports >= count, 60)
            assert done, processor.counts
            assert processor.unreadable is None
        finally:
            processor.stop()
            await task

    asyncio.run(scenario_run())
    assert processor.counts.reports == count
    assert processor.counts.rejected == count
    assert len(read_all(settings, topics.audit)) == count


def test_audit_verify_stops_with_one_line_on_an_undecodable_batch(
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
    # What the batch holds does not matter: the verifier cannot decompress it.
    produce_compressed(
        settings, topics.audit, [(b"k", f"synthetic {n}".encode()) for n in range(5)], "snappy"
    )
    for name, value in lovhub_env(settings, world, tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(kafka.codec, "snappy", None)  # kafka-python: no snappy here
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "lovhub",
            "audit",
            "verify",
            "--topic",
            topics.audit,
            "--checkpoint-topic",
            topics.checkpoints,
        ],
    )
    with pytest.raises(SystemExit) as stopped:
        run()
    assert stopped.value.code == 1
    said = capsys.readouterr().err
    assert "Traceback" not in said
    assert f"cannot read {topics.audit} partition" in said
    assert "UnsupportedCodecError" in said
    assert "nothing skipped" in said
