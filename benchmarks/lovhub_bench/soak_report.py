"""What ``lovhub bench --soak`` prints: a progress line now and then, the verdicts at the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from lovhub_bench.soak_stats import SoakSample

__all__ = ["print_soak_report", "progress_printer"]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def progress_line(sample: SoakSample, seconds: float) -> str:
    lag = "?" if sample.lag is None else f"{sample.lag:,}"
    return (
        f"[{sample.t_s:5.0f}s/{seconds:.0f}s {sample.phase}] {sample.produced_per_s:,.0f} ev/s "
        f"produced, {sample.committed_per_s:,.0f} committed, lag {lag}, "
        f"worker RSS {sample.worker_rss_mb:,.1f} MB, CPU {sample.worker_cpu:.2f}, "
        f"p99 {_ms(sample.p99_ms)}"
    )


def progress_printer(
    say: Callable[[str], None], seconds: float, every: float = 30.0
) -> Callable[[SoakSample], None]:
    """Prints the first sample, then one at least ``every`` seconds after the last printed,
    and every sample of the drain."""
    printed: list[float] = []

    def progress(sample: SoakSample) -> None:
        if not printed or sample.t_s - printed[-1] >= every - 0.5 or sample.phase == "drain":
            printed.append(sample.t_s)
            say(progress_line(sample, seconds))

    return progress


def _verdict_row(name: str, verdict: dict[str, Any]) -> tuple[str, str, str, str]:
    ok = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "unknown"}[verdict["ok"]]
    if name == "memory_flat":
        measured = _figure(verdict, "rise_mb", "MB rise, {slope_mb_per_min:+.2f} MB/min")
        limit = _figure(verdict, "limit_mb", "MB")
    elif name == "lag_bounded":
        measured = _figure(verdict, "rise_events", "records rise, max {max_lag}")
        limit = _figure(verdict, "limit_events", "records")
    elif name == "latency_stable":
        measured = _figure(verdict, "rise_ms", "ms rise of window p99")
        limit = _figure(verdict, "limit_ms", "ms")
    elif name == "rate_kept":
        measured = _figure(verdict, "achieved_rate", "events/s")
        limit = f">= {verdict['target_rate'] * 0.95:,.0f} events/s"
    else:
        measured = _figure(verdict, "seconds_after_last_event", "s after the last event")
        limit = "-"
    return name, ok, measured, limit


def _figure(verdict: dict[str, Any], key: str, unit: str) -> str:
    value = verdict.get(key)
    if value is None:
        return "-"
    return f"{value:,.1f} " + unit.format(**{k: v for k, v in verdict.items() if v is not None})


def print_soak_report(console: Console, document: dict[str, Any]) -> None:
    summary, latency = document["summary"], document["latency"]["steady"]
    console.print(
        f"soak: {document['config']['minutes']:g} min, {summary['events']:,} events at "
        f"{summary['achieved_rate']:,.0f}/s (target {summary['target_rate']:,}), "
        f"{summary['samples']} samples; latency p50 {_ms(latency['p50_ms'])}, "
        f"p95 {_ms(latency['p95_ms'])}, p99 {_ms(latency['p99_ms'])}; worker RSS "
        f"{summary['worker_rss_first_mb']} -> {summary['worker_rss_last_mb']} MB, "
        f"CPU {summary['worker_cpu_mean']} cores; max lag {summary['max_lag']}"
    )
    table = Table(title="soak verdicts (criteria in the JSON and benchmarks/README.md)")
    for column in ("verdict", "met", "measured", "limit"):
        table.add_column(column)
    verdicts = document["verdicts"]
    for name, verdict in verdicts.items():
        if name != "steady":
            table.add_row(*_verdict_row(name, verdict))
    console.print(table)
    for name, verdict in verdicts.items():
        if name != "steady" and verdict.get("note"):
            console.print(f"{name}: {verdict['note']}")
    overall = {True: "[green]steady[/green]", False: "[red]not steady[/red]", None: "unknown"}
    console.print(f"overall: {overall[verdicts['steady']]}")
