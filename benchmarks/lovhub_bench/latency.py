"""Benchmark 4, latency: events produced at fixed rates while a hub worker runs.

Latency of a delivery = the moment this process reads it from a recipient topic minus the
moment this process handed its source event to the producer (one clock, one process). Each
delivered record is a sample; it is matched to its event by the ``trace_id`` header, which
carries the recipient's own event reference (docs/envelope.md): ``references_of`` gives the
references every recipient would get for an event id. The worker is a ``lovhub run``
subprocess that has already joined its group; every rate gets fresh jobseekers' events.
Recipient topics are read committed, as recipients read them (the worker writes each batch
in a transaction). Handovers are counted, not timed (:mod:`lovhub_bench.handovers`): their
``trace_id`` is that of an older event, so timed from it they would measure the stream.
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

__all__ = ["RatePhase", "measure_latency", "percentile"]

_TICK = 0.005


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values), max(1, math.ceil(share * len(sorted_values))))
    return sorted_values[rank - 1]


@dataclass
class RatePhase:
    rate: int
    seconds: float
    sent: int = 0
    achieved_rate: float = 0.0
    samples: list[float] = field(default_factory=list)  # milliseconds
    handovers: int = 0  # counted, not timed (lovhub_bench.handovers)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.samples)
        return {
            "target_rate": self.rate,
            "achieved_rate": round(self.achieved_rate, 1),
            "events": self.sent,
            "deliveries": len(ordered),
            "p50_ms": round(percentile(ordered, 0.50), 2),
            "p95_ms": round(percentile(ordered, 0.95), 2),
            "p99_ms": round(percentile(ordered, 0.99), 2),
            "max_ms": round(ordered[-1], 2) if ordered else 0.0,
            "handovers_not_timed": self.handovers,
        }


SentAt = dict[str, tuple[RatePhase, float]]


async def _collect(consumer: AIOKafkaConsumer, sent_at: SentAt) -> None:
    """Each delivery's latency, filed under the rate its event was produced at."""
    while True:
        batch = await consumer.getmany(timeout_ms=100, max_records=5000)
        now = time.perf_counter()
        for records in batch.values():
            for record in records:
                trace = dict(record.headers).get("trace_id")
                sent = sent_at.get(trace.decode()) if trace else None
                if sent is None:
                    continue
                phase, started = sent
                if is_handover(record.value):
                    phase.handovers += 1
                else:
                    phase.samples.append((now - started) * 1000)


async def measure_latency(
    settings: KafkaSettings,
    stream: EventStream,
    source: str,
    recipient_topics: Sequence[str],
    partition_count: int,
    rates: Sequence[int],
    seconds: float,
    *,
    references_of: Callable[[str], Sequence[str]],
    progress: Callable[[str], None] = lambda _: None,
    quiet_after: float = 1.5,
    max_drain: float = 60.0,
) -> list[RatePhase]:
    """Produce at each rate for ``seconds``, then wait for the deliveries to stop coming."""
    config = aio_client_config(settings)
    # Read committed, as recipients read: the worker writes each batch in a transaction.
    consumer = AIOKafkaConsumer(
        **config, enable_auto_commit=False, fetch_max_wait_ms=50, isolation_level="read_committed"
    )
    producer = AIOKafkaProducer(**config, acks="all", enable_idempotence=True, linger_ms=1)
    await consumer.start()
    await producer.start()
    sent_at: SentAt = {}
    phases: list[RatePhase] = []
    collector: asyncio.Task[Any] | None = None
    try:
        partitions = [
            TopicPartition(topic, p) for topic in recipient_topics for p in range(partition_count)
        ]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        collector = asyncio.create_task(_collect(consumer, sent_at))
        cursor = 0
        for rate in rates:
            phase = RatePhase(rate, seconds)
            progress(f"latency: {rate:,} events/s for {seconds:g}s")
            cursor = await _produce_at_rate(
                producer, stream, cursor, phase, sent_at, source, references_of
            )
            await _wait_quiet(phase, quiet_after, max_drain)
            phases.append(phase)
    finally:
        if collector is not None:
            collector.cancel()
        await producer.stop()
        await consumer.stop()
    return phases


async def _produce_at_rate(
    producer: AIOKafkaProducer,
    stream: EventStream,
    cursor: int,
    phase: RatePhase,
    sent_at: SentAt,
    source: str,
    references_of: Callable[[str], Sequence[str]],
) -> int:
    records, event_ids = stream.records, stream.event_ids
    # Computed before the clock starts for each record: HMACs must not count as latency.
    references = [
        references_of(event_id) if event_id is not None else ()
        for event_id in event_ids[cursor : cursor + round(phase.rate * phase.seconds)]
    ]
    first = cursor
    total = min(len(records) - cursor, round(phase.rate * phase.seconds))
    if total <= 0:
        raise RuntimeError("the latency stream is too short for the configured rates")
    futures = []
    start = time.perf_counter()
    sent = 0
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * phase.rate) + 1)
        while sent < due:
            key, value = records[cursor]
            handed_over = time.perf_counter()
            for reference in references[cursor - first]:
                sent_at[reference] = (phase, handed_over)
            futures.append(await producer.send(source, value, key=key))
            cursor += 1
            sent += 1
        await asyncio.sleep(_TICK)
    phase.sent = sent
    phase.achieved_rate = sent / max(1e-9, time.perf_counter() - start)
    await asyncio.gather(*futures)
    return cursor


async def _wait_quiet(phase: RatePhase, quiet_after: float, max_drain: float) -> None:
    deadline = time.monotonic() + max_drain
    seen, since = len(phase.samples), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if len(phase.samples) != seen:
            seen, since = len(phase.samples), time.monotonic()
        elif time.monotonic() - since > quiet_after:
            return
