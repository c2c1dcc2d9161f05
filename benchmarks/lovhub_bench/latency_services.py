"""The latency benchmark's paths: their topics and the services behind them, all running for
the whole benchmark (each one idle while another path is measured).

- ``harness``: ``bench.<run>.latency-harness.echo``, produced to and read back, no service;
- ``passthrough``: ``bench.<run>.latency-passthrough.agency`` -> ``….sink`` through the plain
  pass-through service (:mod:`lovhub_bench.passthrough_service`), in its own process;
- ``passthrough_txn``: the same through the transactional pass-through, the hub's floor;
- ``hub``: ``bench.<run>.latency.agency`` through one ``lovhub run`` worker to every
  recipient topic.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from lovhub.settings import KafkaSettings
from lovhub.synthetic import World
from lovhub_bench.kafkaops import RunTopics, TopicBook
from lovhub_bench.latency import LatencyPath
from lovhub_bench.latency_floor import FLOOR, HARNESS, HUB, PASSTHROUGH
from lovhub_bench.procs import running_passthrough, running_workers

__all__ = ["running_latency_paths"]


@contextlib.contextmanager
def running_latency_paths(
    settings: KafkaSettings,
    world: World,
    book: TopicBook,
    run_id: str,
    *,
    partitions: int,
    directory: Path,
) -> Iterator[list[LatencyPath]]:
    """Create every path's topics, start the hub worker and both pass-through services, and
    yield the paths once all have joined their groups; the services stop on leaving."""
    hub = RunTopics(run_id, "latency", f"bench.{run_id}.latency.agency")
    book.create([hub.source], partitions)
    book.create_outputs(hub, world, partitions)
    echo = f"bench.{run_id}.latency-harness.echo"
    book.create([echo], partitions)
    paths = [LatencyPath(HARNESS, echo, (echo,))]
    processes: list[tuple[str, subprocess.Popen[str], Path]] = []
    with contextlib.ExitStack() as services:
        for name, variant, transactional in (
            (PASSTHROUGH, "latency-passthrough", False),
            (FLOOR, "latency-passthrough-txn", True),
        ):
            topics = RunTopics(run_id, variant, f"bench.{run_id}.{variant}.agency")
            sink = f"{topics.prefix}.sink"
            book.create([topics.source, sink], partitions)
            process = services.enter_context(
                running_passthrough(
                    settings,
                    book,
                    source=topics.source,
                    sink=sink,
                    group=topics.group(),
                    transactional=transactional,
                    directory=directory,
                )
            )
            processes.append((name, process, directory / f"{topics.group()}.log"))
            paths.append(LatencyPath(name, topics.source, (sink,)))
        workers = services.enter_context(
            running_workers(
                settings,
                world,
                hub,
                book,
                count=1,
                partitions=partitions,
                directory=directory / "hub",
            )
        )
        processes.append((HUB, workers[0], directory / "hub" / "worker-0.log"))
        paths.append(LatencyPath(HUB, hub.source, tuple(hub.recipient_topics(world)), True))
        yield paths
        for name, process, log in processes:
            if process.poll() is not None:
                tail = log.read_text(encoding="utf-8", errors="replace")[-500:]
                raise RuntimeError(f"the {name} service exited during the benchmark: {tail}")
