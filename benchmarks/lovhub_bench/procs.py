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
    """``count`` hub workers in one consumer group, yielded once the group is stable.

    Each worker's stderr goes to ``directory/worker-N.log``, not to a pipe: a pipe nobody
    reads fills up over a long run (the soak) and would stall the worker on its next log line.
    """
    env = worker_env(settings, world, directory, partitions)
    group = topics.group()
    book.groups.append(group)
    directory.mkdir(parents=True, exist_ok=True)
    logs = [directory / f"worker-{number}.log" for number in range(count)]
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
        with logs[number].open("w", encoding="utf-8") as log:  # the child keeps its own copy
            workers.append(
                subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
            )
    try:
        deadline = time.monotonic() + join_timeout
        while book.group_members(group) < count:
            for worker, log_file in zip(workers, logs, strict=True):
                if worker.poll() is not None:
                    tail = log_file.read_text(encoding="utf-8", errors="replace")[-500:]
                    raise RuntimeError(f"a hub worker exited early: {tail}")
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
