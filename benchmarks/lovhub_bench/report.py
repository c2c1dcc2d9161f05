"""The printed tables and the JSON results file of a benchmark run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from lovhub_bench.results import BenchResult, TargetCheck

__all__ = ["print_report", "write_json"]


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3f}"


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
    table = Table(title="targets (issue 6)")
    for column in ("target", "goal", "measured", "met", "factor"):
        table.add_column(column)
    for check in targets:
        sign = ">=" if check.higher_is_better else "<="
        met = {True: "[green]met[/green]", False: "[red]not met[/red]", None: "-"}[check.met]
        factor = "-" if check.factor is None else f"{check.factor:.2f}x"
        measured = "-" if check.measured is None else _number(check.measured)
        note = f" ({check.note})" if check.note and check.met is not None else ""
        table.add_row(
            check.description,
            f"{sign} {_number(check.target)} {check.unit}",
            f"{measured} {check.unit}",
            met + note,
            factor,
        )
    console.print(table)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
