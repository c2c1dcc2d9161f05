"""Run the selected benchmarks in order, then write the JSON results and the PNG chart."""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lovhub.settings import KafkaSettings
from lovhub_bench.chart import draw_chart
from lovhub_bench.config import BENCHMARKS, BenchConfig
from lovhub_bench.kafkaops import TopicBook, new_run_id
from lovhub_bench.report import write_json
from lovhub_bench.results import BenchResult, TargetCheck, check_targets, describe_machine
from lovhub_bench.steps import Context
from lovhub_bench.workload import build_workload

__all__ = ["SuiteRun", "default_results_dir", "run_suite"]

TITLES = {
    "core": "core pipeline in-process, one core",
    "e2e": "end to end: one hub worker drains a pre-filled topic",
    "passthrough": "baseline: raw aiokafka consume-and-produce, no logic",
    "plaintext": "baseline: the hub worker with encryption switched off",
    "faust": "baseline: naive per-event Faust agent",
    "latency": "latency at fixed rates, agency produce to recipient read",
    "state": "state: worker memory and restart with N jobseekers' state",
    "scaleout": "scale-out: 1 vs 2 worker processes",
}


@dataclass
class SuiteRun:
    run_id: str
    config: BenchConfig
    results: dict[str, BenchResult]
    targets: list[TargetCheck]
    document: dict[str, Any]
    json_path: Path
    chart_path: Path

    @property
    def failed(self) -> list[str]:
        return [name for name, r in self.results.items() if "error" in r.details]


def default_results_dir() -> Path:
    """``benchmarks/results`` of the source tree when there is one, else ./bench-results."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "benchmarks").is_dir() and (parent / "pyproject.toml").exists():
            return parent / "benchmarks" / "results"
    return Path.cwd() / "bench-results"


def run_suite(
    config: BenchConfig,
    settings: KafkaSettings,
    *,
    only: Sequence[str] = (),
    out_dir: Path | None = None,
    name: str | None = None,
    keep_topics: bool = False,
    say: Callable[[str], None] = print,
) -> SuiteRun:
    """Run ``only`` (default: every benchmark) and write ``<name>.json`` and ``<name>.png``."""
    unknown = sorted(set(only) - set(BENCHMARKS))
    if unknown:
        raise ValueError(f"unknown benchmark(s) {', '.join(unknown)}; known: {BENCHMARKS}")
    selected = [b for b in BENCHMARKS if not only or b in only]
    run_id = new_run_id()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    say(f"run {run_id} ({config.name}): {', '.join(selected)}")
    streams = {"throughput": config.throughput_jobseekers}
    if "latency" in selected:
        streams["latency"] = config.latency_jobseekers
    workload = build_workload(
        streams=streams,
        extra_providers=config.extra_providers,
        extra_third_parties=config.extra_third_parties,
        seed=config.seed,
    )
    say(
        f"workload ready in {time.perf_counter() - started:.1f}s: "
        f"{len(workload.world.recipients)} recipients, "
        + ", ".join(f"{n} {len(s.records):,} events" for n, s in workload.streams.items())
    )
    book = TopicBook(settings)
    with tempfile.TemporaryDirectory(prefix="lovhub-bench-") as scratch:
        context = Context(config, settings, workload, book, run_id, Path(scratch), say)
        try:
            for bench in selected:
                result = context.results[bench] = BenchResult(bench, TITLES[bench])
                say(f"[{time.perf_counter() - started:5.0f}s] {bench}: {TITLES[bench]}")
                begin = time.perf_counter()
                try:
                    getattr(context, bench)(result)
                except Exception as error:  # one failure must not lose the other results
                    result.details["error"] = f"{type(error).__name__}: {error}"[:500]
                    result.details["traceback"] = traceback.format_exc(limit=6)[-2000:]
                    say(f"{bench} failed: {type(error).__name__}")
                result.seconds = time.perf_counter() - begin
        finally:
            deleted = [] if keep_topics else book.clean_up()
            if deleted:
                say(f"deleted {len(deleted)} topics of run {run_id}")
    results = context.results
    targets = check_targets(results)
    name = name or f"{started_at:%Y%m%dT%H%M%SZ}-{config.name}"
    directory = out_dir or default_results_dir()
    machine = describe_machine(settings.bootstrap_servers)
    document: dict[str, Any] = {
        "run_id": run_id,
        "mode": config.name,
        "started_at": started_at.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine,
        "config": dict(vars(config)),
        "workload": workload.describe(),
        "benchmarks": {n: r.to_json() for n, r in results.items()},
        "targets": {c.name: c.to_json() for c in targets},
    }
    json_path, chart_path = directory / f"{name}.json", directory / f"{name}.png"
    write_json(json_path, document)
    draw_chart(
        chart_path,
        results,
        f"lovhub bench {config.name} {started_at:%Y-%m-%d %H:%M} UTC: {machine['cpu_model']}, "
        f"{machine['cores']} cores, Python {machine['python']}, Kafka {machine['kafka_version']}",
    )
    return SuiteRun(run_id, config, results, targets, document, json_path, chart_path)
