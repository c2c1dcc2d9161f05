"""Benchmarks 2 and 3: a pre-filled agency topic drained end to end, and its baselines.

- ``e2e``: one :class:`~lovhub.worker.HubWorker` (the production worker, in this process)
  drains the topic into recipient, dead-letter, audit and changelog topics;
- ``plaintext``: the same worker with encryption switched off (:mod:`lovhub_bench.plaintext`);
- ``passthrough``: the least a consume-and-produce service can do with the same client
  library, settings and records: every record forwarded as is, per batch acknowledged and
  committed like the worker does;
- ``faust``: the naive per-event Faust agent (``lovhub run --engine faust``) in a subprocess.

Each drain reads the same topic with its own consumer group and writes its own topics. The
clock starts when the first record is in hand (not at group join) and stops when the last
record's work is acknowledged.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from lovhub.audit import ChainHead
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, OutboundRecord, PendingAudit, SourcePosition
from lovhub.crypto.state_keys import StateKeyRing
from lovhub.kafka.aio import aio_client_config
from lovhub.settings import KafkaSettings
from lovhub.synthetic import World
from lovhub.worker import HubWorker
from lovhub.worker.runner import Pipeline, WorkerTopics
from lovhub.worker.store import StateStore
from lovhub_bench.kafkaops import EndWatcher, RunTopics, worker_env

__all__ = ["DrainRun", "drain_faust", "drain_hub", "drain_passthrough"]

LOVHUB = str(Path(sys.executable).parent / "lovhub")


@dataclass(frozen=True)
class DrainRun:
    events: float  # estimated for the Faust agent (see drain_faust)
    seconds: float
    produced: int = 0  # records written (deliveries, dead letters, audits, changelog)
    complete: bool = True

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


class _FirstCall:
    """The pipeline, noting when the worker first hands it a record."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self.codec = pipeline.codec
        self.first: float | None = None

    def process(
        self,
        value: bytes | None,
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
        *,
        seen_event: Callable[[str], bytes | None] | None = None,
    ) -> EventResult:
        if self.first is None:
            self.first = time.perf_counter()
        return self._pipeline.process(value, key, source, state, seen_event=seen_event)

    def finish_audit(
        self, pending: PendingAudit, delivery: tuple[str, int, int] | None, head: ChainHead
    ) -> tuple[OutboundRecord, ChainHead]:
        return self._pipeline.finish_audit(pending, delivery, head)

    def chain_head_of(self, last_audit: bytes | None) -> ChainHead:
        return self._pipeline.chain_head_of(last_audit)

    def recipient_of_topic(self, topic: str) -> str | None:
        return self._pipeline.recipient_of_topic(topic)

    def use_unavailable(self, recipients: frozenset[str]) -> None:
        self._pipeline.use_unavailable(recipients)


async def drain_hub(
    settings: KafkaSettings,
    pipeline: Pipeline,
    topics: RunTopics,
    events: int,
    state_dir: Path,
    *,
    timeout: float,
) -> DrainRun:
    """One hub worker drains ``events`` records from ``topics.source``."""
    timed = _FirstCall(pipeline)
    worker = HubWorker(
        timed,
        client_config=aio_client_config(settings),
        topics=WorkerTopics(topics.source, topics.audit, topics.changelog),
        group_id=topics.group(),
        # A fresh state key per run: the bench's states are its own and never reread.
        store=StateStore(state_dir, StateKeyRing.generate()),
    )
    done_at: float | None = None

    async def watch() -> None:
        nonlocal done_at
        deadline = time.monotonic() + timeout
        while worker.health.events < events and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        done_at = time.perf_counter()
        worker.stop()

    watcher = asyncio.create_task(watch())
    await worker.run()
    await watcher
    health = worker.health
    start = timed.first or time.perf_counter()
    return DrainRun(
        events=health.events,
        seconds=(done_at or time.perf_counter()) - start,
        produced=health.deliveries + health.dead_letters + health.audits,
        complete=health.events >= events,
    )


async def drain_passthrough(
    settings: KafkaSettings, source: str, sink: str, group: str, events: int, *, timeout: float
) -> DrainRun:
    """Forward every record of ``source`` to ``sink`` unchanged, batch by batch."""
    config = aio_client_config(settings)
    consumer = AIOKafkaConsumer(
        source,
        **config,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=2000,
    )
    producer = AIOKafkaProducer(**config, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    await consumer.start()
    seen = 0
    first: float | None = None
    deadline = time.monotonic() + timeout
    try:
        while seen < events and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=2000)
            if not batch:
                continue
            if first is None:
                first = time.perf_counter()
            futures: list[Any] = []
            for records in batch.values():
                for record in records:
                    futures.append(await producer.send(sink, record.value, key=record.key))
            await asyncio.gather(*futures)
            await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in batch.items() if rs})
            seen += sum(len(rs) for rs in batch.values())
        end = time.perf_counter()
    finally:
        await consumer.stop()
        await producer.stop()
    return DrainRun(
        events=seen, seconds=end - (first or end), produced=seen, complete=seen >= events
    )


def drain_faust(
    settings: KafkaSettings,
    world: World,
    topics: RunTopics,
    *,
    events: int,
    expected_audits: int,
    partitions: int,
    directory: Path,
    budget: float,
) -> DrainRun:
    """The Faust engine in a subprocess, watched through its audit topic.

    Faust commits offsets on its own schedule, so progress is read from the audit topic:
    the clock starts at the first audit record and stops when all ``expected_audits`` are
    there (or the budget runs out; then the events done are estimated from the audit
    records written, at the stream's own audits per event).
    """
    env = worker_env(settings, world, directory, partitions)
    command = [
        LOVHUB, "run", "--engine", "faust", "--group", topics.group(),
        "--source-topic", topics.source, "--audit-topic", topics.audit,
        "--dead-letter-topic", topics.dead_letter,
        "--recipient-topic-template", topics.recipient_template,
        "--worker-dir", str(directory / "worker"),
    ]  # fmt: skip
    watcher = EndWatcher(settings, [topics.audit])
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    first: float | None = None
    audits = 0
    try:
        started = time.monotonic()
        while audits < expected_audits:
            if process.poll() is not None:
                raise RuntimeError(
                    "the Faust engine exited early: "
                    + ((process.stderr.read() if process.stderr else "") or "")[-500:]
                )
            audits = watcher.total()
            now = time.perf_counter()
            if first is None and audits > 0:
                first, started = now, time.monotonic()
            if first is not None and time.monotonic() - started > budget:
                break
            if first is None and time.monotonic() - started > budget + 60:
                raise RuntimeError("the Faust engine wrote nothing in time")
            time.sleep(0.1)
        end = time.perf_counter()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        watcher.close()
    done = min(events, audits * events / expected_audits) if expected_audits else 0.0
    return DrainRun(
        events=done,
        seconds=end - (first or end),
        produced=audits,
        complete=audits >= expected_audits,
    )
