"""The soak itself: produce at a steady rate, read every recipient topic, sample on a clock.

Three tasks share one event loop, as in the latency benchmark (:mod:`lovhub_bench.latency`):
the producer hands the agency topic one event at a time at the rate, noting when it handed
each over under every reference a recipient could get it by (the deliveries' ``trace_id``
header); the collector reads the recipient topics as a recipient does (read committed: the
worker writes in transactions) and turns each delivery into a latency; the sampler, every
``interval`` seconds, reads the worker's RSS and CPU from ``/proc`` and its group's lag from
the broker (in a thread, so the collector's clock never waits on it) and files a
:class:`~lovhub_bench.soak_stats.SoakSample`. After ``seconds`` the producer stops and the
sampler goes on until the group has committed everything (drained) or ``drain_timeout``.

A handover (the facts held about a jobseeker, sent to a provider when an assignment
begins) carries the reference of the event that brought each fact, sent long before the
assignment that caused the handover; timed from that event it would measure the stream's
pace, not the hub. Handovers are therefore counted and not timed (they are told apart by
their clear ``delivery_kind`` field). Every other delivery is timed from its own event.

References of events sent longer than ``horizon`` seconds ago are forgotten, so the harness
holds at most ``rate * horizon`` events' references however long it runs; a delivery that
comes later than that counts as unmatched (a latency above the horizon).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from lovhub.kafka.aio import aio_client_config
from lovhub.settings import KafkaSettings
from lovhub_bench.handovers import is_handover
from lovhub_bench.latency import percentile
from lovhub_bench.soak_probes import GroupLag, ProcessProbe, directory_mb
from lovhub_bench.soak_stats import PHASES, LatencyHistogram, SoakSample
from lovhub_bench.soak_stream import SoakStream

__all__ = ["SoakOutcome", "SoakPlan", "WorkerGone", "run_soak_loop"]

_TICK = 0.005


class WorkerGone(RuntimeError):
    """The hub worker process exited during the soak."""


@dataclass(frozen=True)
class SoakPlan:
    """Where the soak writes and reads, how fast and for how long."""

    source: str
    recipient_topics: Sequence[str]
    partitions: int
    group: str
    rate: int
    seconds: float
    interval: float
    horizon: float = 30.0
    drain_timeout: float = 120.0


@dataclass
class SoakOutcome:
    samples: list[SoakSample] = field(default_factory=list)
    produced: int = 0  # events handed to the producer while steady
    send_errors: int = 0
    drained_after_s: float | None = None
    #: Every delivery's latency, by the phase of the sample it fell in.
    latency: dict[str, LatencyHistogram] = field(
        default_factory=lambda: {phase: LatencyHistogram() for phase in PHASES}
    )


class _Deliveries:
    """When each recent event was handed over, under each of its references; the latencies
    of the window being sampled."""

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self.sent_at: dict[bytes, float] = {}
        self.by_age: deque[tuple[float, Sequence[bytes]]] = deque()
        self.window: list[float] = []
        self.unmatched = 0
        self.handovers = 0

    def expect(self, references: Sequence[bytes], handed_over: float) -> None:
        for reference in references:
            self.sent_at[reference] = handed_over
        self.by_age.append((handed_over, references))

    def arrived(self, trace: bytes, value: bytes, now: float) -> None:
        if is_handover(value):
            self.handovers += 1
            return
        # Not popped: one event can reach a recipient twice (a consent: the live record and
        # the registration-status answer), under the same reference.
        sent = self.sent_at.get(trace)
        if sent is None:
            self.unmatched += 1
        else:
            self.window.append((now - sent) * 1000)

    def forget_old(self, now: float) -> None:
        while self.by_age and self.by_age[0][0] < now - self.horizon:
            for reference in self.by_age.popleft()[1]:
                self.sent_at.pop(reference, None)

    def take_window(self) -> tuple[list[float], int, int]:
        """The window's latencies, unmatched deliveries and handovers; a new window begins."""
        taken = self.window, self.unmatched, self.handovers
        self.window, self.unmatched, self.handovers = [], 0, 0
        return taken


class _Soak:
    def __init__(
        self,
        settings: KafkaSettings,
        plan: SoakPlan,
        stream: SoakStream,
        references_of: Callable[[str], Sequence[str]],
        worker: subprocess.Popen[str],
        worker_dir: Path,
        outcome: SoakOutcome,
        progress: Callable[[SoakSample], None],
    ) -> None:
        self.settings, self.plan, self.stream = settings, plan, stream
        self.references_of, self.worker, self.worker_dir = references_of, worker, worker_dir
        self.outcome, self.progress = outcome, progress
        self.deliveries = _Deliveries(plan.horizon)
        self.worker_probe = ProcessProbe(worker.pid)
        self.own_probe = ProcessProbe("self")
        self.started = 0.0

    async def produce(self, producer: AIOKafkaProducer) -> None:
        """Events at the rate until ``seconds`` have passed (what is due then, no more)."""
        plan, deliveries = self.plan, self.deliveries
        sent = 0
        while (elapsed := time.perf_counter() - self.started) < plan.seconds:
            due = int(elapsed * plan.rate) + 1
            while sent < due:
                record = next(self.stream)
                references = (
                    [r.encode() for r in self.references_of(record.event_id)]
                    if record.event_id is not None
                    else []
                )  # HMACs before the clock starts: they are the harness's work, not latency
                deliveries.expect(references, time.perf_counter())
                future = await producer.send(plan.source, record.value, key=record.key)
                future.add_done_callback(self._acknowledged)
                sent += 1
                self.outcome.produced = sent
            deliveries.forget_old(time.perf_counter())
            await asyncio.sleep(_TICK)
        await producer.flush()

    def _acknowledged(self, future: asyncio.Future[Any]) -> None:
        if future.cancelled() or future.exception() is not None:
            self.outcome.send_errors += 1

    async def collect(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=100, max_records=5000)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    trace = dict(record.headers).get("trace_id")
                    if trace is not None:
                        self.deliveries.arrived(trace, record.value, now)

    async def sample(self, lag: GroupLag) -> None:
        """A sample every ``interval`` seconds until drained (or the drain timeout)."""
        plan = self.plan
        last = _Reading(self.started, 0, 0, self.worker_probe.cpu_seconds(), time.process_time())
        for tick in itertools.count(1):
            scheduled = tick * plan.interval  # phases by the clock, never by scheduling delays
            await asyncio.sleep(max(0.0, self.started + scheduled - time.perf_counter()))
            if self.worker.poll() is not None:
                raise WorkerGone(f"the hub worker exited with code {self.worker.returncode}")
            try:
                lag_now, committed = await asyncio.to_thread(lag.lag)
            except Exception:  # a slow or busy broker: this sample has no lag
                lag_now, committed = None, last.committed
            now = _Reading(
                time.perf_counter(),
                self.outcome.produced,
                committed,
                self.worker_probe.cpu_seconds(),
                time.process_time(),
            )
            if scheduled > plan.seconds:
                phase = "drain"
            else:
                phase = "first_half" if scheduled <= plan.seconds / 2 else "second_half"
            latencies, unmatched, handovers = self.deliveries.take_window()
            self.outcome.latency[phase].add(latencies)
            sample = self._sample(
                last, now, lag_now, sorted(latencies), (unmatched, handovers), phase
            )
            self.outcome.samples.append(sample)
            self.progress(sample)
            last = now
            overtime = sample.t_s - plan.seconds
            if phase == "drain" and lag_now == 0:
                self.outcome.drained_after_s = round(overtime, 2)
                return
            if overtime > plan.drain_timeout:
                return

    def _sample(
        self,
        last: _Reading,
        now: _Reading,
        lag: int | None,
        latencies: list[float],
        untimed: tuple[int, int],
        phase: str,
    ) -> SoakSample:
        window = now.at - last.at

        def ms(share: float) -> float | None:
            return round(percentile(latencies, share), 2) if latencies else None

        return SoakSample(
            t_s=round(now.at - self.started, 2),
            phase=phase,
            window_s=round(window, 3),
            produced_per_s=round((now.produced - last.produced) / window, 1),
            committed_per_s=round((now.committed - last.committed) / window, 1),
            lag=lag,
            deliveries=len(latencies),
            p50_ms=ms(0.50),
            p95_ms=ms(0.95),
            p99_ms=ms(0.99),
            max_ms=ms(1.0),
            unmatched=untimed[0],
            handovers=untimed[1],
            worker_rss_mb=round(self.worker_probe.rss_mb(), 1),
            worker_cpu=round((now.worker_cpu - last.worker_cpu) / window, 3),
            harness_rss_mb=round(self.own_probe.rss_mb(), 1),
            harness_cpu=round((now.own_cpu - last.own_cpu) / window, 3),
            state_disk_mb=round(directory_mb(self.worker_dir), 1),
            load_1m=round(os.getloadavg()[0], 2),
        )


@dataclass(frozen=True)
class _Reading:
    """Counters read at one moment; a sample is the difference of two readings."""

    at: float
    produced: int
    committed: int
    worker_cpu: float
    own_cpu: float


async def run_soak_loop(
    settings: KafkaSettings,
    plan: SoakPlan,
    stream: SoakStream,
    outcome: SoakOutcome,
    *,
    references_of: Callable[[str], Sequence[str]],
    worker: subprocess.Popen[str],
    worker_dir: Path,
    progress: Callable[[SoakSample], None] = lambda _: None,
) -> None:
    """Run the soak against a worker that has joined ``plan.group``, filing what it sees in
    ``outcome`` as it goes (so a soak that fails keeps the samples it took)."""
    soak = _Soak(settings, plan, stream, references_of, worker, worker_dir, outcome, progress)
    config = aio_client_config(settings)
    consumer = AIOKafkaConsumer(
        **config, enable_auto_commit=False, fetch_max_wait_ms=50, isolation_level="read_committed"
    )
    producer = AIOKafkaProducer(**config, acks="all", enable_idempotence=True, linger_ms=1)
    lag = GroupLag(settings, plan.source, plan.partitions, plan.group)
    await consumer.start()
    await producer.start()
    tasks: list[asyncio.Task[Any]] = []
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in plan.recipient_topics
            for p in range(plan.partitions)
        ]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        soak.started = time.perf_counter()
        tasks = [
            asyncio.create_task(soak.collect(consumer)),
            asyncio.create_task(soak.sample(lag)),
        ]
        producing = asyncio.create_task(soak.produce(producer))
        tasks.append(producing)
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # raises what failed: the worker gone, the collector, the producer
        await producing
        await tasks[1]  # the sampler, until drained
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await producer.stop()
        await consumer.stop()
        lag.close()
