"""The PNG chart of a run: throughput per variant, latency percentiles per rate (the hub's,
with its floor, the transactional pass-through's, drawn hatched inside each bar)."""

from __future__ import annotations

from pathlib import Path

from lovhub_bench.latency_floor import FLOOR
from lovhub_bench.results import BenchResult

__all__ = ["draw_chart", "throughput_bars"]

# (benchmark, figure, label) in the order the bars are drawn.
_THROUGHPUT = (
    ("core", "events_per_s", "core\n(1 CPU)"),
    ("core", "plaintext_events_per_s", "core, no\nencryption"),
    ("passthrough", "events_per_s", "pass-through\n(ceiling)"),
    ("e2e", "events_per_s", "end to end\n1 worker"),
    ("plaintext", "events_per_s", "end to end, no\nencryption"),
    ("faust", "events_per_s", "naive Faust\nagent"),
    ("scaleout", "one_worker_events_per_s", "1 worker\nprocess"),
    ("scaleout", "two_workers_events_per_s", "2 worker\nprocesses"),
)


def throughput_bars(results: dict[str, BenchResult]) -> list[tuple[str, float]]:
    bars = []
    for bench, figure, label in _THROUGHPUT:
        value = results[bench].figures.get(figure) if bench in results else None
        if value is not None:
            bars.append((label, value))
    return bars


def draw_chart(path: Path, results: dict[str, BenchResult], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(15, 5.5), width_ratios=(3, 2))
    bars = throughput_bars(results)
    if bars:
        labels, values = zip(*bars, strict=True)
        drawn = left.bar(range(len(values)), values, color="#4878a8")
        left.bar_label(drawn, labels=[f"{v:,.0f}" for v in values], fontsize=8)
        left.set_xticks(range(len(values)), labels, fontsize=8)
    left.set_ylabel("events per second")
    left.set_title("throughput per variant")
    details = results["latency"].details if "latency" in results else {}
    phases = details.get("phases", [])
    floors = {row["target_rate"]: row[FLOOR] for row in details.get("rates", []) if FLOOR in row}
    if phases:
        width = 0.25
        for offset, (key, colour) in enumerate(
            (("p50_ms", "#6aa84f"), ("p95_ms", "#f1c232"), ("p99_ms", "#cc4125"))
        ):
            xs = [i + (offset - 1) * width for i in range(len(phases))]
            right.bar(xs, [p[key] for p in phases], width, label=f"hub {key[:3]}", color=colour)
            if floors:  # the floor inside each bar: hub = floor + what the hub adds
                right.bar(
                    xs,
                    [
                        floors[p["target_rate"]][key] if p["target_rate"] in floors else 0
                        for p in phases
                    ],
                    width,
                    fill=False,
                    hatch="//",
                    edgecolor="#333333",
                    label="transactional pass-through (floor)" if offset == 2 else None,
                )
        right.set_xticks(range(len(phases)), [f"{p['target_rate']:,}/s" for p in phases])
        right.legend()
        measured = [p[k] for p in phases for k in ("p50_ms", "p99_ms") if p[k] > 0]
        if measured and max(measured) > 30 * min(measured):
            right.set_yscale("log")  # an overloaded rate would flatten the others
    right.set_ylabel("milliseconds, agency produce to recipient read")
    right.set_title("latency per rate: the hub, its floor hatched inside")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
