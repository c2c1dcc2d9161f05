"""The printed tables and the JSON results file of a benchmark run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from lovhub_bench.latency_floor import FLOOR, HARNESS, HUB, PASSTHROUGH, PERCENTILES
from lovhub_bench.results import BenchResult, TargetCheck

__all__ = ["latency_table", "print_report", "write_json"]

#: The latency table's rows, from the least a path can take to the hub: a path (or the
#: difference) and its name in the table.
_LATENCY_ROWS = (
    (HARNESS, "harness alone (no service)"),
    (PASSTHROUGH, "pass-through"),
    (FLOOR, "floor (txn pass-through)"),
    (HUB, "hub"),
    ("hub_minus_floor", "hub - floor"),
)


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3f}"


def _percentiles(figures: Mapping[str, Any]) -> str:
    return " / ".join(f"{figures[key]:,.0f}" for key in PERCENTILES)


def latency_table(rows: list[dict[str, Any]]) -> Table:
    """p50 / p95 / p99 in ms of each path (a row) at each rate (a column), the hub minus its
    floor, and the handovers the hub delivered (counted, not timed)."""
    table = Table(title="latency, ms: p50 / p95 / p99; hub = floor + (hub - floor)")
    table.add_column("path")
    for row in rows:
        table.add_column(f"{row['target_rate']:,}/s", justify="right")
    for key, name in _LATENCY_ROWS:
        if any(key in row for row in rows):
            table.add_row(name, *(_percentiles(row[key]) if key in row else "-" for row in rows))
    table.add_row(
        "hub: handovers, counted",
        *(f"{row[HUB]['handovers_not_timed']:,}" if HUB in row else "-" for row in rows),
    )
    return table


def print_report(
    console: Console, results: dict[str, BenchResult], targets: list[TargetCheck]
) -> None:
    figures = Table(title="lovhub bench: figures", show_lines=False)
    for column in ("benchmark", "figure", "value"):
        figures.add_column(column, justify="right" if column == "value" else "left")
    for name, result in results.items():
        if "error" in result.details:
            figures.add_row(name, "[red]failed[/red]", str(result.details["error"])[:80])
        for index, (figure, value) in enumerate(result.figures.items()):
            figures.add_row(name if index == 0 else "", figure, _number(value))
    console.print(figures)
    rows = results["latency"].details.get("rates") if "latency" in results else None
    if rows:
        console.print(latency_table(rows))
    table = Table(title="targets (issues 6 and 13)")
    for column in ("target", "goal", "measured", "floor", "met", "factor", "missed by"):
        table.add_column(column)
    for check in targets:
        sign = ">=" if check.higher_is_better else "<="
        met = {True: "[green]met[/green]", False: "[red]not met[/red]", None: "-"}[check.met]
        factor = "-" if check.factor is None else f"{check.factor:.2f}x"
        measured = "-" if check.measured is None else _number(check.measured)
        floor = "-" if check.floor is None else f"{_number(check.floor)} {check.unit}"
        missed = "-" if check.missed_by is None else f"{_number(check.missed_by)} {check.unit}"
        note = f" ({check.note})" if check.note and check.met is not None else ""
        table.add_row(
            check.description,
            f"{sign} {_number(check.target)} {check.unit}",
            f"{measured} {check.unit}",
            floor,
            met + note,
            factor,
            missed,
        )
    console.print(table)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
