"""The soak's records and arithmetic: one sample, a latency histogram of bounded size, and
straight-line trends."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["PHASES", "LatencyHistogram", "SoakSample", "Trend", "fit_trend"]

#: The phases of a soak, in order.
PHASES = ("first_half", "second_half", "drain")


@dataclass(frozen=True)
class SoakSample:
    """What the soak saw in one sampling window, ending ``t_s`` seconds after it began
    producing (the phase goes by when the sample was due, not by scheduling delays). Rates
    are per second of the window; latencies are the window's deliveries (None when none
    arrived); CPU is in cores (1.0: one core busy all the window)."""

    t_s: float
    #: "first_half" or "second_half" of the steady phase (producing at the rate); "drain" after
    phase: str
    window_s: float
    produced_per_s: float
    committed_per_s: float  # agency records the worker committed (decided and written)
    lag: int | None  # None: the broker did not answer this time
    deliveries: int  # timed ones: every delivery but handovers
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    unmatched: int  # deliveries of events sent longer ago than the matching horizon
    handovers: int  # held facts sent when an assignment begins: counted, not timed
    worker_rss_mb: float
    worker_cpu: float
    harness_rss_mb: float
    harness_cpu: float
    state_disk_mb: float
    load_1m: float


class LatencyHistogram:
    """Latencies in buckets 2% wide, so a half-hour soak keeps a few hundred counters instead
    of every sample; a percentile is its bucket's upper edge (at most 2% above the value)."""

    GROWTH = 1.02
    FLOOR_MS = 0.01

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.total = 0
        self.largest = 0.0

    def add(self, values_ms: Iterable[float]) -> None:
        for value in values_ms:
            bucket = math.ceil(math.log(max(value, self.FLOOR_MS) / self.FLOOR_MS, self.GROWTH))
            self.counts[bucket] = self.counts.get(bucket, 0) + 1
            self.total += 1
            self.largest = max(self.largest, value)

    def merge(self, other: LatencyHistogram) -> None:
        for bucket, count in other.counts.items():
            self.counts[bucket] = self.counts.get(bucket, 0) + count
        self.total += other.total
        self.largest = max(self.largest, other.largest)

    def percentile(self, share: float) -> float | None:
        """Nearest rank, as :func:`lovhub_bench.latency.percentile`; None when empty."""
        if not self.total:
            return None
        rank = min(self.total, max(1, math.ceil(share * self.total)))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return min(self.FLOOR_MS * self.GROWTH**bucket, self.largest)
        return self.largest  # pragma: no cover - the counts add up to total

    def summary(self) -> dict[str, float | None]:
        def ms(share: float) -> float | None:
            value = self.percentile(share)
            return None if value is None else round(value, 2)

        return {
            "deliveries": self.total,
            "p50_ms": ms(0.50),
            "p95_ms": ms(0.95),
            "p99_ms": ms(0.99),
            "max_ms": round(self.largest, 2) if self.total else None,
        }


@dataclass(frozen=True)
class Trend:
    """The least-squares line through (seconds, value) points."""

    slope_per_s: float
    points: int
    seconds: float  # from the first point to the last

    @property
    def slope_per_min(self) -> float:
        return self.slope_per_s * 60

    @property
    def rise(self) -> float:
        """How much the line rises from the first point's time to the last one's."""
        return self.slope_per_s * self.seconds


def fit_trend(times_s: Sequence[float], values: Sequence[float]) -> Trend | None:
    """The trend of ``values`` over ``times_s``; None with fewer than two distinct times."""
    if len(times_s) != len(values):
        raise ValueError("one value per time")
    if len(times_s) < 2:
        return None
    mean_t = sum(times_s) / len(times_s)
    mean_v = sum(values) / len(values)
    spread = sum((t - mean_t) ** 2 for t in times_s)
    if spread == 0:
        return None
    slope = sum((t - mean_t) * (v - mean_v) for t, v in zip(times_s, values, strict=True)) / spread
    return Trend(slope, len(times_s), max(times_s) - min(times_s))
