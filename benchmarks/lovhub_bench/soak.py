"""``lovhub bench --soak MINUTES``: one hub worker fed at a steady rate for many minutes.

Does the worker stay healthy when it runs for a long time? A ``lovhub run`` subprocess (as
in the latency benchmark) joins its group on the run's own topics; then fresh synthetic
jobseekers' events go to its agency topic at ``rate`` events/s for ``minutes``
(:mod:`lovhub_bench.soak_stream`), while :mod:`lovhub_bench.soak_loop` samples the worker's
RSS and CPU, its group's lag and the end-to-end latency every ``interval`` seconds. After the
last event the soak waits for the worker to commit everything. The verdicts
(:mod:`lovhub_bench.soak_verdicts`: memory flat, lag bounded, latency stable, rate kept,
drained), every sample and the machine go to ``<name>.json``, the curves to ``<name>.png``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lovhub.settings import KafkaSettings
from lovhub.synthetic import build_world
from lovhub_bench.kafkaops import RunTopics, TopicBook, new_run_id
from lovhub_bench.procs import running_workers
from lovhub_bench.report import write_json
from lovhub_bench.results import describe_machine
from lovhub_bench.soak_chart import draw_soak_chart
from lovhub_bench.soak_loop import SoakOutcome, SoakPlan, run_soak_loop
from lovhub_bench.soak_probes import ProcessProbe
from lovhub_bench.soak_stats import PHASES, LatencyHistogram, SoakSample
from lovhub_bench.soak_stream import SoakStream
from lovhub_bench.soak_verdicts import judge
from lovhub_bench.steps import event_references
from lovhub_bench.suite import default_results_dir

__all__ = ["SoakConfig", "SoakRun", "run_soak"]


@dataclass(frozen=True)
class SoakConfig:
    minutes: float
    rate: int = 500  # events/s: well below one worker's capacity (about 3,500/s end to end)
    interval: float = 5.0  # seconds between samples
    partitions: int = 6
    extra_providers: int = 6  # 14 recipients, as in the full suite
    extra_third_parties: int = 2
    jobseekers_per_chunk: int = 1000
    #: Deliveries later than this after their event count as unmatched (harness memory).
    horizon_seconds: float = 30.0
    drain_timeout_seconds: float = 120.0
    seed: int = 20260301

    @property
    def seconds(self) -> float:
        return self.minutes * 60


@dataclass
class SoakRun:
    document: dict[str, Any]
    json_path: Path
    chart_path: Path

    @property
    def error(self) -> str | None:
        error: str | None = self.document.get("error")
        if error is None and not self.document["samples"]:
            return "no samples were taken"
        return error


def run_soak(
    config: SoakConfig,
    settings: KafkaSettings,
    *,
    out_dir: Path | None = None,
    name: str | None = None,
    keep_topics: bool = False,
    say: Callable[[str], None] = print,
    progress: Callable[[SoakSample], None] = lambda _: None,
) -> SoakRun:
    """Run the soak and write its JSON and PNG; a failure is recorded, never raised."""
    run_id, started, started_at = new_run_id(), time.perf_counter(), datetime.now(UTC)
    load_at_start = list(os.getloadavg())
    world = build_world(
        extra_providers=config.extra_providers, extra_third_parties=config.extra_third_parties
    )
    stream = SoakStream(world, seed=config.seed, chunk=config.jobseekers_per_chunk)
    topics = RunTopics(run_id, "soak", f"bench.{run_id}.soak.agency")
    book = TopicBook(settings)
    outcome = SoakOutcome()
    error: dict[str, str] = {}
    worker_peak_rss: float | None = None
    say(f"soak {run_id}: {config.minutes:g} min at {config.rate:,} events/s, one hub worker")
    with tempfile.TemporaryDirectory(prefix="lovhub-soak-") as scratch:
        try:
            book.create([topics.source], config.partitions)
            book.create_outputs(topics, world, config.partitions)
            directory = Path(scratch)
            with running_workers(
                settings,
                world,
                topics,
                book,
                count=1,
                partitions=config.partitions,
                directory=directory,
            ) as workers:
                say("the worker has joined its group: producing")
                plan = SoakPlan(
                    source=topics.source,
                    recipient_topics=topics.recipient_topics(world),
                    partitions=config.partitions,
                    group=topics.group(),
                    rate=config.rate,
                    seconds=config.seconds,
                    interval=config.interval,
                    horizon=config.horizon_seconds,
                    drain_timeout=config.drain_timeout_seconds,
                )
                try:
                    asyncio.run(
                        run_soak_loop(
                            settings,
                            plan,
                            stream,
                            outcome,
                            references_of=event_references(world),
                            worker=workers[0],
                            worker_dir=directory / "worker-0",
                            progress=progress,
                        )
                    )
                finally:
                    if workers[0].poll() is None:
                        worker_peak_rss = ProcessProbe(workers[0].pid).peak_rss_mb()
        except Exception as failure:  # the samples so far are still written
            error["error"] = f"{type(failure).__name__}: {failure}"[:500]
            error["traceback"] = traceback.format_exc(limit=6)[-2000:]
            log = Path(scratch) / "worker-0.log"  # the worker logs codes and offsets, no content
            if log.exists():
                error["worker_log_tail"] = log.read_text(encoding="utf-8", errors="replace")[-1500:]
            say(f"the soak failed: {error['error']}")
        finally:
            deleted = [] if keep_topics else book.clean_up()
            if deleted:
                say(f"deleted {len(deleted)} topics of run {run_id}")
    verdicts = judge(
        outcome.samples,
        rate=config.rate,
        steady_seconds=config.seconds,
        produced=outcome.produced,
        drained_after_s=outcome.drained_after_s,
    )
    machine = describe_machine(settings.bootstrap_servers)
    machine["load_average_at_start"] = load_at_start
    document: dict[str, Any] = {
        "kind": "soak",
        "run_id": run_id,
        "started_at": started_at.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine,
        "config": dataclasses.asdict(config),
        "workload": {
            "recipients": len(world.recipients),
            "providers": len(world.recipients.providers()),
            "third_parties": len(world.recipients.third_parties()),
            **stream.describe(),
        },
        "summary": _summary(config, outcome, worker_peak_rss),
        "verdicts": verdicts,
        "latency": _latency(outcome.latency),
        "samples": [dataclasses.asdict(s) for s in outcome.samples],
        **error,
    }
    name = name or f"{started_at:%Y%m%dT%H%M%SZ}-soak-{config.minutes:g}min"
    directory = out_dir or default_results_dir()
    json_path, chart_path = directory / f"{name}.json", directory / f"{name}.png"
    write_json(json_path, document)
    draw_soak_chart(
        chart_path,
        outcome.samples,
        verdicts,
        steady_seconds=config.seconds,
        title=f"lovhub bench --soak {config.minutes:g} (minutes) at {config.rate:,} events/s, "
        f"{started_at:%Y-%m-%d %H:%M} UTC\n{machine['cpu_model']}, {machine['cores']} cores, "
        f"Python {machine['python']}, Kafka {machine['kafka_version']}, "
        f"hot path {machine['hot_path']}",
    )
    return SoakRun(document, json_path, chart_path)


def _summary(
    config: SoakConfig, outcome: SoakOutcome, worker_peak_rss: float | None
) -> dict[str, Any]:
    steady = [s for s in outcome.samples if s.phase != "drain"]
    return {
        "target_rate": config.rate,
        "achieved_rate": round(outcome.produced / config.seconds, 1) if config.seconds else 0.0,
        "events": outcome.produced,
        "send_errors": outcome.send_errors,
        "samples": len(outcome.samples),
        "timed_deliveries": sum(s.deliveries for s in outcome.samples),
        "handovers_not_timed": sum(s.handovers for s in outcome.samples),
        "unmatched_deliveries": sum(s.unmatched for s in outcome.samples),
        "worker_rss_first_mb": steady[0].worker_rss_mb if steady else None,
        "worker_rss_last_mb": steady[-1].worker_rss_mb if steady else None,
        # VmHWM, start-up included
        "worker_peak_rss_mb": None if worker_peak_rss is None else round(worker_peak_rss, 1),
        "worker_cpu_mean": round(sum(s.worker_cpu for s in steady) / len(steady), 3)
        if steady
        else None,
        "max_lag": max((s.lag for s in steady if s.lag is not None), default=None),
        "state_disk_last_mb": outcome.samples[-1].state_disk_mb if outcome.samples else None,
        "harness_peak_rss_mb": max((s.harness_rss_mb for s in outcome.samples), default=None),
        "drained_after_s": outcome.drained_after_s,
    }


def _latency(histograms: dict[str, LatencyHistogram]) -> dict[str, Any]:
    """Percentiles over each phase and over the whole steady phase (within 2%)."""
    steady = LatencyHistogram()
    steady.merge(histograms["first_half"])
    steady.merge(histograms["second_half"])
    return {"steady": steady.summary(), **{p: histograms[p].summary() for p in PHASES}}
