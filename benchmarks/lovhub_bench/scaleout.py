"""Benchmark 6, scale-out: the same stream through 1 and through 2 hub worker processes.

Each measurement gets its own source topic (``partitions`` partitions) and output topics.
The workers (``lovhub run`` subprocesses in one consumer group) start first; once the group
is stable the stream is produced, and progress is read from the audit topic: the clock runs
from the first audit record to the last expected one.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from lovhub.settings import KafkaSettings
from lovhub.synthetic import World
from lovhub_bench.drain import DrainRun
from lovhub_bench.kafkaops import EndWatcher, RunTopics, TopicBook, produce_records
from lovhub_bench.procs import running_workers
from lovhub_bench.workload import EventStream

__all__ = ["measure_workers"]


def measure_workers(
    settings: KafkaSettings,
    world: World,
    book: TopicBook,
    run_id: str,
    stream: EventStream,
    *,
    count: int,
    partitions: int,
    expected_audits: int,
    directory: Path,
    stall_after: float = 30.0,
) -> DrainRun:
    """Throughput of ``count`` worker processes draining ``stream``."""
    variant = f"scale{count}"
    topics = RunTopics(run_id, variant, f"bench.{run_id}.{variant}.agency")
    book.create([topics.source], partitions)
    book.create_outputs(topics, world, partitions)
    with running_workers(
        settings,
        world,
        topics,
        book,
        count=count,
        partitions=partitions,
        directory=directory / variant,
    ):
        watcher = EndWatcher(settings, [topics.audit])
        try:
            asyncio.run(produce_records(settings, topics.source, stream.records))
            first: float | None = None
            audits, last_change = 0, time.monotonic()
            while audits < expected_audits:
                time.sleep(0.05)
                now_audits = watcher.total()
                if now_audits != audits:
                    audits, last_change = now_audits, time.monotonic()
                    if first is None:
                        first = time.perf_counter()
                elif time.monotonic() - last_change > stall_after:
                    break
            end = time.perf_counter()
        finally:
            watcher.close()
    done = len(stream.records) * min(1.0, audits / expected_audits) if expected_audits else 0
    return DrainRun(
        events=done,
        seconds=end - (first or end),
        produced=audits,
        complete=audits >= expected_audits,
    )
