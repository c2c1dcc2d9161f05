"""The hub worker's Prometheus metrics, in a registry of its own (no process-global state,
so tests and several workers in one process do not mix their counts).

Labels are outcome and reason codes, recipient ids and partition numbers: never a personal
value, a jobseeker id or a pseudonym. Counts are taken once per batch, after its writes are
acknowledged and its offsets committed, so they count what the hub has done, not what it
attempted.
"""

from __future__ import annotations

import functools
import math
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from lovhub.core.outputs import EventResult
from lovhub.core.reasons import Outcome
from lovhub.worker.health import Hold, WorkerHealth

__all__ = ["BATCH_SECONDS_BUCKETS", "HubMetrics"]

#: From one small batch at low rate (a few ms) to a full batch on a busy machine.
BATCH_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _holds(health: WorkerHealth, cause: Hold) -> float:
    return 1.0 if health.holding(cause) else 0.0


class HubMetrics:
    def __init__(
        self,
        health: WorkerHealth,
        *,
        ready: Callable[[], bool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.events = Counter(
            "lovhub_events", "Agency records decided (committed).", registry=registry
        )
        self.decisions = Counter(
            "lovhub_decisions",
            "Audit decisions written, by outcome and reason code.",
            ["outcome", "reason"],
            registry=registry,
        )
        self.deliveries = Counter(
            "lovhub_deliveries",
            "Records delivered to a recipient's topic, by recipient id.",
            ["recipient"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "lovhub_dead_letters",
            "Agency records rejected to the dead-letter topic, by reason code.",
            ["reason"],
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "lovhub_batch_seconds",
            "Time from a batch's fetch to its commit: decide, write, acknowledge, commit.",
            buckets=BATCH_SECONDS_BUCKETS,
            registry=registry,
        )
        self.lag = Gauge(
            "lovhub_consumer_lag",
            "Agency records not yet committed, per source partition (as of the last batch).",
            ["partition"],
            registry=registry,
        )
        fail_closed = Gauge(
            "lovhub_fail_closed",
            "1 while the worker holds (a write or read it cannot make, a held partition).",
            registry=registry,
        )
        fail_closed.set_function(lambda: 0.0 if health.healthy else 1.0)
        holding = Gauge(
            "lovhub_holding",
            "1 while the worker holds for this cause (lovhub.worker.health.Hold).",
            ["cause"],
            registry=registry,
        )
        for cause in Hold:
            holding.labels(cause=cause.value).set_function(functools.partial(_holds, health, cause))
        checkpoint_age = Gauge(
            "lovhub_last_checkpoint_age_seconds",
            "Seconds since the last signed audit checkpoint was acknowledged (NaN: none yet).",
            registry=registry,
        )
        checkpoint_age.set_function(
            lambda: (
                math.nan
                if health.last_checkpoint_at is None
                else clock() - health.last_checkpoint_at
            )
        )
        ready_gauge = Gauge(
            "lovhub_ready", "1 once every owned partition is restored.", registry=registry
        )
        ready_gauge.set_function(lambda: 1.0 if ready() else 0.0)

    def observe_batch(self, results: Iterable[EventResult], seconds: float) -> None:
        decisions: Tally[tuple[str, str]] = Tally()
        delivered: Tally[str] = Tally()
        rejected: Tally[str] = Tally()
        events = 0
        for result in results:
            events += 1
            rejection = "OTHER"
            for pending in result.audits:
                decision = pending.decision
                outcome = decision["outcome"]
                reason = decision["reason_code"] or ""
                decisions[(outcome, reason)] += 1
                if pending.delivery_index is not None:
                    delivered[decision["recipient_id"] or ""] += 1
                if outcome == Outcome.REJECTED:
                    rejection = reason or rejection
            if result.dead_letters:
                rejected[rejection] += len(result.dead_letters)
        self.events.inc(events)
        for (outcome, reason), count in decisions.items():
            self.decisions.labels(outcome, reason).inc(count)
        for recipient, count in delivered.items():
            self.deliveries.labels(recipient).inc(count)
        for reason, count in rejected.items():
            self.dead_letters.labels(reason).inc(count)
        self.batch_seconds.observe(seconds)

    def observe_lag(self, partition: int, lag: int) -> None:
        self.lag.labels(str(partition)).set(max(lag, 0))
