"""Services as subprocesses: hub workers (``lovhub run``, for latency and scale-out) and the
raw pass-through services the latency benchmark measures its floor with."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from lovhub.settings import KafkaSettings
from lovhub.synthetic import World
from lovhub_bench.kafkaops import RunTopics, TopicBook, kafka_env, worker_env

__all__ = ["LOVHUB", "running_passthrough", "running_workers"]

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
    with _running(
        [_worker_command(topics, group, engine, directory / f"worker-{n}") for n in range(count)],
        env,
        [directory / f"worker-{number}.log" for number in range(count)],
        ready=lambda: book.group_members(group) >= count,
        what=f"{count} hub worker(s)",
        timeout=join_timeout,
    ) as workers:
        yield workers


def _worker_command(topics: RunTopics, group: str, engine: str, directory: Path) -> list[str]:
    command = [
        LOVHUB, "run", "--engine", engine, "--group", group,
        "--source-topic", topics.source, "--audit-topic", topics.audit,
        "--dead-letter-topic", topics.dead_letter, "--changelog-topic", topics.changelog,
        "--recipient-topic-template", topics.recipient_template,
        "--checkpoint-topic", topics.checkpoints,
        "--worker-dir", str(directory),
    ]  # fmt: skip
    return command


@contextlib.contextmanager
def running_passthrough(
    settings: KafkaSettings,
    book: TopicBook,
    *,
    source: str,
    sink: str,
    group: str,
    transactional: bool,
    directory: Path,
    join_timeout: float = 90.0,
) -> Iterator[subprocess.Popen[str]]:
    """A pass-through service (:mod:`lovhub_bench.passthrough_service`) forwarding ``source``
    to ``sink``, yielded once it owns its partitions and its producers are open."""
    book.groups.append(group)
    directory.mkdir(parents=True, exist_ok=True)
    ready_file = directory / f"{group}.ready"
    command = [
        sys.executable, "-m", "lovhub_bench.passthrough_service",
        "--source", source, "--sink", sink, "--group", group,
        "--ready-file", str(ready_file),
        *(["--transactional"] if transactional else []),
    ]  # fmt: skip
    with _running(
        [command],
        kafka_env(settings),
        [directory / f"{group}.log"],
        ready=ready_file.exists,
        what="the pass-through service",
        timeout=join_timeout,
    ) as processes:
        yield processes[0]


@contextlib.contextmanager
def _running(
    commands: Sequence[Sequence[str]],
    env: dict[str, str],
    logs: Sequence[Path],
    *,
    ready: Callable[[], bool],
    what: str,
    timeout: float,
) -> Iterator[list[subprocess.Popen[str]]]:
    """Start every command (stderr to its log), yield once ``ready()``; SIGTERM at the end."""
    processes = []
    for command, log_path in zip(commands, logs, strict=True):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w", encoding="utf-8") as log:  # the child keeps its own copy
            processes.append(
                subprocess.Popen(
                    list(command), env=env, stdout=subprocess.DEVNULL, stderr=log, text=True
                )
            )
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            for process, log_path in zip(processes, logs, strict=True):
                if process.poll() is not None:
                    tail = log_path.read_text(encoding="utf-8", errors="replace")[-500:]
                    raise RuntimeError(f"{what} exited early: {tail}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not join its group in time")
            time.sleep(0.2)
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
