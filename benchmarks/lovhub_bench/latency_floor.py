"""The hub's latency read against its floor: per rate, what each path measured and what the
hub adds on top of the transactional pass-through (pure arithmetic over the summaries).

``hub_minus_floor`` is the difference of the two percentiles (hub p99 minus floor p99, and
so on), not a percentile of per-event differences: the paths carry the same events one after
the other, never the same event at once. On a noisy machine a small difference can come out
negative; it is reported as measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "FLOOR",
    "HARNESS",
    "HUB",
    "PASSTHROUGH",
    "PATHS",
    "PERCENTILES",
    "compare_to_floor",
    "floor_figures",
    "hub_minus_floor",
]

HARNESS, PASSTHROUGH, FLOOR, HUB = "harness", "passthrough", "passthrough_txn", "hub"
#: The paths in the order each rate measures them (lovhub_bench.latency).
PATHS = (HARNESS, PASSTHROUGH, FLOOR, HUB)
PERCENTILES = ("p50_ms", "p95_ms", "p99_ms")
#: The name each path's percentiles have among the figures (the hub's are unprefixed).
FIGURE_PREFIX = {HARNESS: "harness_", PASSTHROUGH: "passthrough_", FLOOR: "floor_", HUB: ""}


def hub_minus_floor(hub: Mapping[str, Any], floor: Mapping[str, Any]) -> dict[str, float]:
    """Each percentile of the hub minus the same percentile of the floor, in ms."""
    return {key: round(float(hub[key]) - float(floor[key]), 2) for key in PERCENTILES}


def compare_to_floor(summaries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per rate, in the order the rates came: each path's summary under its name,
    and ``hub_minus_floor`` when both the hub and the floor were measured at that rate."""
    rows: dict[int, dict[str, Any]] = {}
    for summary in summaries:
        rate = int(summary["target_rate"])
        row = rows.setdefault(rate, {"target_rate": rate})
        row[str(summary["path"])] = {k: v for k, v in summary.items() if k != "path"}
    for row in rows.values():
        if HUB in row and FLOOR in row:
            row["hub_minus_floor"] = hub_minus_floor(row[HUB], row[FLOOR])
    return list(rows.values())


def floor_figures(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The flat figures of the rows: ``p99_ms_at_2000`` (the hub), ``floor_p99_ms_at_2000``,
    ``harness_p99_ms_at_2000``, ``passthrough_p99_ms_at_2000``, ``hub_minus_floor_p99_ms_at_2000``,
    the harness producer's ``harness_ack_p99_ms_at_2000`` and ``achieved_rate_at_2000``."""
    figures: dict[str, float] = {}
    for row in rows:
        rate = row["target_rate"]
        for path in PATHS:
            if path not in row:
                continue
            for key in PERCENTILES:
                figures[f"{FIGURE_PREFIX[path]}{key}_at_{rate}"] = row[path][key]
        if HARNESS in row:
            for key in ("ack_p50_ms", "ack_p99_ms"):
                figures[f"harness_{key}_at_{rate}"] = row[HARNESS][key]
        if "hub_minus_floor" in row:
            for key in PERCENTILES:
                figures[f"hub_minus_floor_{key}_at_{rate}"] = row["hub_minus_floor"][key]
        if HUB in row:
            figures[f"achieved_rate_at_{rate}"] = row[HUB]["achieved_rate"]
    return figures
