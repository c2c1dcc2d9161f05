"""The soak's verdicts: memory flat, lag bounded, latency stable, rate kept, backlog drained.

Memory, lag and latency are judged the same way: a least-squares line through the samples
of the second half of the steady phase (the first half holds the warm-up: imports, caches,
RocksDB's memtables and the allocator's arenas filling), and how much that line rises from
the half's first sample to its last, against a limit. A verdict is None (unknown) when the
second half has fewer than :data:`MIN_POINTS` samples to draw the line through.

The worker's RSS is not smooth: RocksDB fills a memtable (64 MB by default) with the new
states and flushes it to disk, so RSS climbs and drops in cycles of about a minute at 500
events/s. Over the 15-minute second half of a 30-minute soak those cycles move the line's
rise by at most about 3 MB; over a one-minute half by up to the whole memtable. Memory is
therefore judged only when the second half spans at least :data:`MIN_MEMORY_HALF_SECONDS`
(the figures are reported either way).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

from lovhub_bench.soak_stats import SoakSample, Trend, fit_trend

__all__ = [
    "LAG_LIMIT_SECONDS",
    "MIN_MEMORY_HALF_SECONDS",
    "MIN_POINTS",
    "P99_LIMIT_MS",
    "P99_LIMIT_SHARE",
    "RATE_KEPT_SHARE",
    "RSS_LIMIT_MB",
    "RSS_LIMIT_SHARE",
    "judge",
]

#: Memory is flat when the worker's RSS line rises less than this over the second half...
RSS_LIMIT_MB = 10.0
#: ... or less than this share of its median RSS in that half, whichever is larger.
RSS_LIMIT_SHARE = 0.05
#: Lag is bounded when its line rises less than this many seconds of input (at the rate).
LAG_LIMIT_SECONDS = 5.0
#: Latency is stable when the windows' p99 line rises less than this...
P99_LIMIT_MS = 20.0
#: ... or less than this share of the half's median window p99, whichever is larger.
P99_LIMIT_SHARE = 0.25
#: The rate is kept when the producer achieved at least this share of it.
RATE_KEPT_SHARE = 0.95
MIN_POINTS = 3
#: The shortest second half in which memory is judged (a soak of 10 minutes or more).
MIN_MEMORY_HALF_SECONDS = 300.0

CRITERIA = {
    "memory_flat": (
        f"the least-squares line through the worker's RSS over the second half of the run "
        f"rises by less than max({RSS_LIMIT_MB:g} MB, {RSS_LIMIT_SHARE:.0%} of the half's "
        f"median RSS); judged when that half spans >= {MIN_MEMORY_HALF_SECONDS:g} s"
    ),
    "lag_bounded": (
        f"the least-squares line through the group's lag over the second half rises by less "
        f"than {LAG_LIMIT_SECONDS:g} s of input at the target rate"
    ),
    "latency_stable": (
        f"the least-squares line through the windows' p99 over the second half rises by less "
        f"than max({P99_LIMIT_MS:g} ms, {P99_LIMIT_SHARE:.0%} of the half's median window "
        f"p99), and no delivery came later than the matching horizon"
    ),
    "rate_kept": f"events produced over the steady phase >= {RATE_KEPT_SHARE:.0%} of the rate",
    "drained": "after the last event, the group's lag reached 0 within the drain timeout",
}


def _line(
    half: Sequence[SoakSample], value: Callable[[SoakSample], float | None]
) -> tuple[Trend | None, list[float]]:
    points = [(s.t_s, v) for s in half if (v := value(s)) is not None]
    if len(points) < MIN_POINTS:
        return None, [v for _, v in points]
    times, values = zip(*points, strict=True)
    return fit_trend(times, values), list(values)


def _verdict(name: str, ok: bool | None, **details: Any) -> dict[str, Any]:
    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in details.items()}
    if ok is None:
        rounded.setdefault("note", f"fewer than {MIN_POINTS} samples in the second half")
    return {"ok": ok, "criterion": CRITERIA[name], **rounded}


def _memory(steady: Sequence[SoakSample], half: Sequence[SoakSample]) -> dict[str, Any]:
    trend, values = _line(half, lambda s: s.worker_rss_mb)
    everything = [s.worker_rss_mb for s in steady]
    facts: dict[str, Any] = {
        "start_mb": everything[0] if everything else None,
        "end_mb": everything[-1] if everything else None,
        "peak_mb": max(everything, default=None),
    }
    if trend is None:
        return _verdict("memory_flat", None, **facts)
    limit = max(RSS_LIMIT_MB, RSS_LIMIT_SHARE * statistics.median(values))
    rate = statistics.fmean(s.produced_per_s for s in half)
    if trend.seconds < MIN_MEMORY_HALF_SECONDS:
        facts["note"] = (
            f"not judged: the second half spans {trend.seconds:.0f} s, less than "
            f"{MIN_MEMORY_HALF_SECONDS:.0f} s (RocksDB's memtable cycles dominate a short run)"
        )
    return _verdict(
        "memory_flat",
        trend.rise < limit if trend.seconds >= MIN_MEMORY_HALF_SECONDS else None,
        **facts,
        second_half_start_mb=values[0],
        slope_mb_per_min=trend.slope_per_min,
        rise_mb=trend.rise,
        limit_mb=limit,
        # What a leak of this slope would cost per event (negative: memory went down).
        bytes_per_event=trend.slope_per_s * 1024 * 1024 / rate if rate else None,
    )


def _lag(steady: Sequence[SoakSample], half: Sequence[SoakSample], rate: float) -> dict[str, Any]:
    trend, values = _line(half, lambda s: s.lag)
    lags = [s.lag for s in steady if s.lag is not None]
    facts: dict[str, Any] = {
        "max_lag": max(lags, default=None),
        "max_lag_seconds_of_input": max(lags) / rate if lags else None,
        "final_lag": lags[-1] if lags else None,
        "unanswered_samples": sum(1 for s in steady if s.lag is None),
    }
    if trend is None:
        return _verdict("lag_bounded", None, **facts)
    limit = LAG_LIMIT_SECONDS * rate
    return _verdict(
        "lag_bounded",
        trend.rise < limit,
        **facts,
        second_half_mean_lag=statistics.fmean(values),
        slope_events_per_min=trend.slope_per_min,
        rise_events=trend.rise,
        limit_events=limit,
    )


def _latency(steady: Sequence[SoakSample], half: Sequence[SoakSample]) -> dict[str, Any]:
    trend, values = _line(half, lambda s: s.p99_ms)
    unmatched = sum(s.unmatched for s in steady)
    facts: dict[str, Any] = {
        "worst_window_p99_ms": max((s.p99_ms for s in steady if s.p99_ms), default=None),
        "unmatched_deliveries": unmatched,
    }
    if trend is None:
        return _verdict("latency_stable", None, **facts)
    limit = max(P99_LIMIT_MS, P99_LIMIT_SHARE * statistics.median(values))
    return _verdict(
        "latency_stable",
        trend.rise < limit and unmatched == 0,
        **facts,
        second_half_median_window_p99_ms=statistics.median(values),
        slope_ms_per_min=trend.slope_per_min,
        rise_ms=trend.rise,
        limit_ms=limit,
    )


def judge(
    samples: Sequence[SoakSample],
    *,
    rate: float,
    steady_seconds: float,
    produced: int,
    drained_after_s: float | None,
) -> dict[str, Any]:
    """Every verdict, its criterion and the figures behind it; ``steady``: all of them met
    (None when one is unknown and none failed)."""
    steady = [s for s in samples if s.phase != "drain"]
    half = [s for s in steady if s.phase == "second_half"]
    achieved = produced / steady_seconds if steady_seconds else 0.0
    verdicts: dict[str, Any] = {
        "memory_flat": _memory(steady, half),
        "lag_bounded": _lag(steady, half, rate),
        "latency_stable": _latency(steady, half),
        "rate_kept": _verdict(
            "rate_kept",
            achieved >= RATE_KEPT_SHARE * rate,
            target_rate=rate,
            achieved_rate=achieved,
        ),
        "drained": _verdict(
            "drained", drained_after_s is not None, seconds_after_last_event=drained_after_s
        ),
    }
    oks = [v["ok"] for v in verdicts.values()]
    verdicts["steady"] = False if False in oks else (None if None in oks else True)
    return verdicts
