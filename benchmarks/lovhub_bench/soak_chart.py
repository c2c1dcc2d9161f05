"""The soak's PNG: worker RSS, lag, latency percentiles and rates over time, one panel each."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lovhub_bench.soak_stats import SoakSample

__all__ = ["draw_soak_chart"]


def _minutes(samples: Sequence[SoakSample]) -> list[float]:
    return [s.t_s / 60 for s in samples]


def draw_soak_chart(
    path: Path,
    samples: Sequence[SoakSample],
    verdicts: dict[str, Any],
    *,
    steady_seconds: float,
    title: str,
) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(4, 1, figsize=(11, 11), sharex=True)
    memory, lag, latency, rates = axes
    x = _minutes(samples)

    memory.plot(x, [s.worker_rss_mb for s in samples], color="#4878a8", label="worker RSS")
    memory.plot(
        x,
        [s.state_disk_mb for s in samples],
        color="#999999",
        linewidth=0.8,
        label="worker state on disk (RocksDB files)",
    )
    flat = verdicts.get("memory_flat", {})
    half = [s for s in samples if s.phase == "second_half"]
    if flat.get("slope_mb_per_min") is not None and half:
        start, end = half[0], half[-1]
        slope = flat["slope_mb_per_min"] / 60
        middle_t = sum(s.t_s for s in half) / len(half)
        middle_v = sum(s.worker_rss_mb for s in half) / len(half)
        ends = [middle_v + slope * (s.t_s - middle_t) for s in (start, end)]
        memory.plot(
            [start.t_s / 60, end.t_s / 60],
            ends,
            "--",
            color="#cc4125",
            linewidth=2,
            label=f"second-half trend {flat['slope_mb_per_min']:+.2f} MB/min "
            f"({ {True: 'flat', False: 'not flat', None: 'not judged'}[flat.get('ok')] })",
        )
    memory.set_ylabel("MB")
    memory.set_ylim(bottom=0)
    memory.legend(loc="lower right", fontsize=8)
    memory.set_title(
        "hub worker resident memory (RocksDB's memtable fills, then flushes)", fontsize=9
    )

    lag.plot(x, [s.lag if s.lag is not None else float("nan") for s in samples], color="#674ea7")
    lag.set_ylabel("records")
    lag.set_ylim(bottom=0)
    lag.set_title("consumer lag of the worker's group on the agency topic", fontsize=9)

    for key, colour in (("p50_ms", "#6aa84f"), ("p95_ms", "#f1c232"), ("p99_ms", "#cc4125")):
        values = [getattr(s, key) for s in samples]
        latency.plot(
            x, [v if v is not None else float("nan") for v in values], color=colour, label=key[:3]
        )
    measured = [s.p50_ms for s in samples if s.p50_ms] + [s.p99_ms for s in samples if s.p99_ms]
    if measured and max(measured) > 30 * min(measured):
        latency.set_yscale("log")  # a stall would flatten everything else
    latency.set_ylabel("ms")
    latency.legend(loc="upper left", fontsize=8)
    latency.set_title("latency per window, agency produce to recipient read", fontsize=9)

    rates.plot(x, [s.produced_per_s for s in samples], color="#4878a8", label="produced/s")
    rates.plot(x, [s.committed_per_s for s in samples], color="#999999", label="committed/s")
    rates.set_ylabel("events per second")
    rates.set_ylim(bottom=0)
    cpu = rates.twinx()
    cpu.plot(x, [s.worker_cpu for s in samples], color="#e69138", label="worker CPU")
    cpu.set_ylabel("worker CPU (cores)")
    cpu.set_ylim(bottom=0)
    handles = rates.get_legend_handles_labels()[0] + cpu.get_legend_handles_labels()[0]
    rates.legend(handles=handles, loc="lower right", fontsize=8)
    rates.set_title("rates and the worker's CPU", fontsize=9)
    rates.set_xlabel("minutes since the first event")

    for axis in axes:
        axis.axvline(steady_seconds / 120, color="#bbbbbb", linewidth=0.8)  # the half
        if samples and samples[-1].t_s > steady_seconds:
            axis.axvspan(steady_seconds / 60, samples[-1].t_s / 60, color="#eeeeee")  # drain
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
