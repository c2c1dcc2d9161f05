"""Hub workers as ``lovhub run`` subprocesses (latency and scale-out run them this way)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from lovhub.settings import KafkaSettings
from lovhub.synthetic import World
from lovhub_bench.kafkaops import RunTopics, TopicBook, worker_env

__all__ = ["LOVHUB", "running_workers"]

LOVHUB = str(Path(sys.executable).parent / "lovhub")


@contextlib.contextmanager
def running_workers(
    settings: KafkaSettings,
    world: World,
    topics: RunTopics,
    book: TopicBook,
    *,
    count: int,
    partitions: int,
    directory: Path,
    engine: str = "batch",
    join_timeout: float = 90.0,
) -> Iterator[list[subprocess.Popen[str]]]:
    """``count`` hub workers in one consumer group, yielded once the group is stable."""
    env = worker_env(settings, world, directory, partitions)
    group = topics.group()
    book.groups.append(group)
    workers = []
    for number in range(count):
        command = [
            LOVHUB, "run", "--engine", engine, "--group", group,
            "--source-topic", topics.source, "--audit-topic", topics.audit,
            "--dead-letter-topic", topics.dead_letter, "--changelog-topic", topics.changelog,
            "--recipient-topic-template", topics.recipient_template,
            "--checkpoint-topic", topics.checkpoints,
            "--worker-dir", str(directory / f"worker-{number}"),
        ]  # fmt: skip
        workers.append(
            subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
        )
    try:
        deadline = time.monotonic() + join_timeout
        while book.group_members(group) < count:
            for worker in workers:
                if worker.poll() is not None:
                    tail = (worker.stderr.read() if worker.stderr else "") or ""
                    raise RuntimeError(f"a hub worker exited early: {tail[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{count} hub workers did not join their group in time")
            time.sleep(0.2)
        yield workers
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
