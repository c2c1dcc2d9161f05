"""Benchmark 4, latency: events produced at fixed rates through the hub and its floors.

At each rate the same harness (one producer, one reader, one clock, this process) measures
several *paths* an event can take from its producer back to its reader, one after the other
on the same records (:mod:`lovhub_bench.latency_services` builds them):

- ``harness``: produced to a topic and read straight back from it, no service at all: what
  the harness itself and the broker's round trip cost;
- ``passthrough`` and ``passthrough_txn``: through a raw pass-through service in its own
  process (:mod:`lovhub_bench.passthrough_service`), plain and transactional;
- ``hub``: through a ``lovhub run`` worker to the recipient topics.

Latency of a record = the moment this process reads it minus the moment this process handed
its source event to the producer. A hub delivery is matched to its event by the
``trace_id`` header, which carries the recipient's own event reference (docs/envelope.md:
``references_of`` gives every recipient's reference of an event id); a forwarded record by
its value, which the pass-through leaves unchanged. Every path carries the same records
(about 3% of them invalid, which the hub dead-letters and the others forward). Every
output is read committed, as recipients read (the worker and the transactional
pass-through write in transactions). Handovers are counted, not timed
(:mod:`lovhub_bench.handovers`): their ``trace_id`` is that of an older event, so timed from
it they would measure the stream's pace. The producer's send-to-acknowledgement time is
recorded too (``ack_*``). Every rate gets fresh jobseekers' events (the hub keeps state).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from lovhub.kafka.aio import aio_client_config
from lovhub.settings import KafkaSettings
from lovhub_bench.handovers import is_handover
from lovhub_bench.workload import EventStream

__all__ = ["Arrivals", "LatencyPath", "RatePhase", "measure_latency", "percentile"]

_TICK = 0.005


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values), max(1, math.ceil(share * len(sorted_values))))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class LatencyPath:
    """Where the harness produces (``source``) and reads back (``outputs``) one path's
    records; ``by_trace``: matched by the deliveries' ``trace_id`` (the hub), else by the
    record's value (forwarded unchanged)."""

    name: str
    source: str
    outputs: tuple[str, ...]
    by_trace: bool = False


@dataclass
class RatePhase:
    """One path at one rate: what was sent, and the latencies of what came back."""

    path: str
    rate: int
    seconds: float
    sent: int = 0
    achieved_rate: float = 0.0
    samples: list[float] = field(default_factory=list)  # milliseconds
    acks: list[float] = field(default_factory=list)  # milliseconds, send to acknowledgement
    handovers: int = 0  # counted, not timed (lovhub_bench.handovers)

    def summary(self) -> dict[str, Any]:
        ordered, acks = sorted(self.samples), sorted(self.acks)
        return {
            "path": self.path,
            "target_rate": self.rate,
            "achieved_rate": round(self.achieved_rate, 1),
            "events": self.sent,
            "deliveries": len(ordered),
            "p50_ms": round(percentile(ordered, 0.50), 2),
            "p95_ms": round(percentile(ordered, 0.95), 2),
            "p99_ms": round(percentile(ordered, 0.99), 2),
            "max_ms": round(ordered[-1], 2) if ordered else 0.0,
            "ack_p50_ms": round(percentile(acks, 0.50), 2),
            "ack_p99_ms": round(percentile(acks, 0.99), 2),
            "handovers_not_timed": self.handovers,
        }


class Arrivals:
    """When each timed record was handed to the producer, per path and under each tag it
    can come back by; every record read back becomes a sample of its phase."""

    def __init__(self, paths: Sequence[LatencyPath]) -> None:
        self._path_of = {topic: path for path in paths for topic in path.outputs}
        self._sent_at: dict[str, dict[bytes, tuple[RatePhase, float]]] = {
            path.name: {} for path in paths
        }
        self._current: dict[str, RatePhase] = {}
        self.unmatched = {path.name: 0 for path in paths}

    def begin(self, phase: RatePhase) -> None:
        self._current[phase.path] = phase

    def expect(self, phase: RatePhase, tags: Sequence[bytes], handed_over: float) -> None:
        sent_at = self._sent_at[phase.path]
        for tag in tags:
            sent_at[tag] = (phase, handed_over)

    def arrived(
        self, topic: str, headers: Sequence[tuple[str, bytes]], value: bytes, now: float
    ) -> None:
        path = self._path_of.get(topic)
        if path is None:
            return
        if path.by_trace and is_handover(value):
            current = self._current.get(path.name)
            if current is not None:
                current.handovers += 1
            return
        # Not popped: one event can reach a recipient twice (a consent: the live record and
        # the registration-status answer), under the same reference.
        tag = dict(headers).get("trace_id") if path.by_trace else value
        sent = self._sent_at[path.name].get(tag) if tag is not None else None
        if sent is None:
            self.unmatched[path.name] += 1
            return
        phase, handed_over = sent
        phase.samples.append((now - handed_over) * 1000)


async def _collect(consumer: AIOKafkaConsumer, arrivals: Arrivals) -> None:
    while True:
        batch = await consumer.getmany(timeout_ms=100, max_records=5000)
        now = time.perf_counter()
        for records in batch.values():
            for record in records:
                arrivals.arrived(record.topic, record.headers, record.value, now)


async def measure_latency(
    settings: KafkaSettings,
    stream: EventStream,
    paths: Sequence[LatencyPath],
    partition_count: int,
    rates: Sequence[int],
    seconds: float,
    *,
    references_of: Callable[[str], Sequence[str]],
    progress: Callable[[str], None] = lambda _: None,
    quiet_after: float = 1.5,
    max_drain: float = 60.0,
) -> tuple[list[RatePhase], dict[str, int]]:
    """At each rate, every path in turn on the same events: produce at the rate for
    ``seconds``, then wait for that path's records to stop coming. The phases, and per path
    the records read back that matched no event sent."""
    config = aio_client_config(settings)
    consumer = AIOKafkaConsumer(
        **config, enable_auto_commit=False, fetch_max_wait_ms=50, isolation_level="read_committed"
    )
    producer = AIOKafkaProducer(**config, acks="all", enable_idempotence=True, linger_ms=1)
    await consumer.start()
    await producer.start()
    arrivals = Arrivals(paths)
    phases: list[RatePhase] = []
    collector: asyncio.Task[Any] | None = None
    try:
        partitions = [
            TopicPartition(topic, p)
            for path in paths
            for topic in path.outputs
            for p in range(partition_count)
        ]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        collector = asyncio.create_task(_collect(consumer, arrivals))
        cursor = 0
        for rate in rates:
            count = min(len(stream.records) - cursor, round(rate * seconds))
            if count <= 0:
                raise RuntimeError("the latency stream is too short for the configured rates")
            records = stream.records[cursor : cursor + count]
            event_ids = stream.event_ids[cursor : cursor + count]
            for path in paths:
                progress(f"latency: {path.name} at {rate:,} events/s for {seconds:g}s")
                # Computed before the clock starts: HMACs must not count as latency.
                tags = _tags(path, records, event_ids, references_of)
                phase = RatePhase(path.name, rate, seconds)
                arrivals.begin(phase)
                await _produce_at_rate(producer, path.source, records, tags, phase, arrivals)
                await _wait_quiet(phase, quiet_after, max_drain)
                phases.append(phase)
            cursor += count
    finally:
        if collector is not None:
            collector.cancel()
        await producer.stop()
        await consumer.stop()
    return phases, dict(arrivals.unmatched)


def _tags(
    path: LatencyPath,
    records: Sequence[tuple[bytes | None, bytes]],
    event_ids: Sequence[str | None],
    references_of: Callable[[str], Sequence[str]],
) -> list[Sequence[bytes]]:
    """What each record can come back by on ``path``: on the hub's, its event's reference
    for every recipient (nothing for an invalid record, which the hub dead-letters); on
    the others, its value (every record is forwarded)."""
    if path.by_trace:
        return [
            [r.encode() for r in references_of(event_id)] if event_id is not None else ()
            for event_id in event_ids
        ]
    return [(value,) for _, value in records]


async def _produce_at_rate(
    producer: AIOKafkaProducer,
    topic: str,
    records: Sequence[tuple[bytes | None, bytes]],
    tags: Sequence[Sequence[bytes]],
    phase: RatePhase,
    arrivals: Arrivals,
) -> None:
    def acknowledged(handed_over: float) -> Callable[[asyncio.Future[Any]], None]:
        def note(future: asyncio.Future[Any]) -> None:
            if not future.cancelled() and future.exception() is None:
                phase.acks.append((time.perf_counter() - handed_over) * 1000)

        return note

    futures = []
    start = time.perf_counter()
    sent, total = 0, len(records)
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * phase.rate) + 1)
        while sent < due:
            key, value = records[sent]
            handed_over = time.perf_counter()
            arrivals.expect(phase, tags[sent], handed_over)
            future = await producer.send(topic, value, key=key)
            future.add_done_callback(acknowledged(handed_over))
            futures.append(future)
            sent += 1
        await asyncio.sleep(_TICK)
    phase.sent = sent
    phase.achieved_rate = sent / max(1e-9, time.perf_counter() - start)
    await asyncio.gather(*futures)


async def _wait_quiet(phase: RatePhase, quiet_after: float, max_drain: float) -> None:
    deadline = time.monotonic() + max_drain
    seen, since = len(phase.samples), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if len(phase.samples) != seen:
            seen, since = len(phase.samples), time.monotonic()
        elif time.monotonic() - since > quiet_after:
            return
