"""How big a benchmark run is: the full run, ``--quick``, and a tiny one for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BENCHMARKS", "FULL", "QUICK", "TINY", "BenchConfig"]

#: Every benchmark, in the order the suite runs them.
BENCHMARKS = ("core", "e2e", "passthrough", "plaintext", "faust", "latency", "state", "scaleout")


@dataclass(frozen=True)
class BenchConfig:
    name: str
    #: Jobseekers whose complete histories make the throughput stream (about 8.7 events each).
    throughput_jobseekers: int
    #: Jobseekers for the latency stream (fresh people: no state from the throughput run).
    latency_jobseekers: int
    extra_providers: int = 6
    extra_third_parties: int = 2
    partitions: int = 6
    latency_rates: tuple[int, ...] = (500, 2000, 5000)
    latency_seconds: float = 10.0
    state_jobseekers: int = 1_000_000
    #: Longest the naive Faust agent may run; its rate is measured over what it did by then.
    faust_budget_seconds: float = 60.0
    seed: int = 20260301


# 50,000 jobseekers in the streams (issue 6), plus 1M in the state benchmark.
FULL = BenchConfig(
    name="full",
    throughput_jobseekers=40_000,
    latency_jobseekers=10_000,
)
QUICK = BenchConfig(
    name="quick",
    throughput_jobseekers=500,
    latency_jobseekers=1_000,
    latency_rates=(500, 2000),
    latency_seconds=3.0,
    state_jobseekers=100_000,
    faust_budget_seconds=20.0,
)
TINY = BenchConfig(
    name="tiny",
    throughput_jobseekers=60,
    latency_jobseekers=120,
    extra_providers=2,
    extra_third_parties=1,
    partitions=2,
    latency_rates=(200,),
    latency_seconds=1.5,
    state_jobseekers=2_000,
    faust_budget_seconds=15.0,
)
