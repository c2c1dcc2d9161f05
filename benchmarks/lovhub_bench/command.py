"""``lovhub bench``: the benchmark suite on the configured broker (see benchmarks/README.md)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import typer

from lovhub.cli.console import err, out, say
from lovhub.errors import ConfigurationError
from lovhub.settings import load_kafka_settings
from lovhub_bench.config import BENCHMARKS, FULL, QUICK, TINY
from lovhub_bench.report import print_report
from lovhub_bench.soak import SoakConfig, run_soak
from lovhub_bench.soak_report import print_soak_report, progress_printer
from lovhub_bench.suite import run_suite

__all__ = ["bench"]

_MODES = {"full": FULL, "quick": QUICK, "tiny": TINY}
_ONLY_HELP = f"Run only this benchmark (repeatable): {', '.join(BENCHMARKS)}."


def bench(
    quick: bool = typer.Option(False, "--quick", help="Small sizes: the whole suite in < 2 min."),
    only: list[str] = typer.Option([], "--only", help=_ONLY_HELP),
    out_dir: Path | None = typer.Option(
        None, "--out", help="Where the JSON and PNG go (default: benchmarks/results)."
    ),
    name: str | None = typer.Option(None, help="File name stem (default: <UTC time>-<mode>)."),
    mode: str = typer.Option("", help="full, quick or tiny (tiny: the smoke test's sizes)."),
    keep_topics: bool = typer.Option(False, help="Keep the run's bench.<run>.* topics."),
    jobseekers: int = typer.Option(
        0, min=0, help="Jobseekers in the throughput stream (0: the mode's size)."
    ),
    soak: float = typer.Option(
        0.0,
        "--soak",
        min=0,
        metavar="MINUTES",
        help="Instead of the suite: one hub worker fed at --soak-rate for MINUTES, sampling "
        "its RSS, lag and latency; verdicts (memory flat, lag bounded, ...) in JSON and PNG.",
    ),
    soak_rate: int = typer.Option(
        SoakConfig.rate, "--soak-rate", min=1, help="Events per second during the soak."
    ),
    soak_interval: float = typer.Option(
        SoakConfig.interval, "--soak-interval", min=0.5, help="Seconds between soak samples."
    ),
) -> None:
    """Benchmark the hub with baselines from the same run; print, write JSON and a chart."""
    if soak:
        if quick or only or mode or jobseekers:
            raise ConfigurationError(
                "--soak runs on its own: no --quick, --only, --mode, --jobseekers"
            )
        _soak(SoakConfig(soak, soak_rate, soak_interval), out_dir, name, keep_topics)
        return
    chosen = mode or ("quick" if quick else "full")
    if chosen not in _MODES:
        raise ConfigurationError(f"unknown mode {chosen!r}; use full, quick or tiny")
    unknown = sorted(set(only) - set(BENCHMARKS))
    if unknown:
        raise ConfigurationError(
            f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}"
        )
    config = _MODES[chosen]
    if jobseekers:
        config = dataclasses.replace(config, throughput_jobseekers=jobseekers)
    settings = load_kafka_settings()
    started = time.perf_counter()
    with err.status("lovhub bench: starting") as status:

        def progress(message: str) -> None:
            say(message)
            status.update(f"lovhub bench: {message}")  # a live spinner on the current step

        run = run_suite(
            config,
            settings,
            only=only,
            out_dir=out_dir,
            name=name,
            keep_topics=keep_topics,
            say=progress,
        )
    print_report(out, run.results, run.targets)
    say(f"wrote {run.json_path} and {run.chart_path} in {time.perf_counter() - started:.0f}s")
    if run.failed:
        out.print(f"[red]failed:[/red] {', '.join(run.failed)} (details in the JSON)")
        raise typer.Exit(1)


def _soak(config: SoakConfig, out_dir: Path | None, name: str | None, keep_topics: bool) -> None:
    settings = load_kafka_settings()
    run = run_soak(
        config,
        settings,
        out_dir=out_dir,
        name=name,
        keep_topics=keep_topics,
        say=say,
        progress=progress_printer(say, config.seconds),
    )
    print_soak_report(out, run.document)
    say(f"wrote {run.json_path} and {run.chart_path}")
    if run.error:
        out.print(f"[red]the soak failed:[/red] {run.error} (details in the JSON)")
        raise typer.Exit(1)
