"""The report processor's Prometheus metrics, read from its counts at each scrape (a
registry of its own). Labels and values are counts and states, never a report's content,
a provider's jobseeker pseudonym or an agency id."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from lovhub.reports.processor import ReportCounts

__all__ = ["report_metrics"]


class _ReportCollector(Collector):
    def __init__(
        self, counts: ReportCounts, holding: Callable[[], bool], ready: Callable[[], bool]
    ) -> None:
        self._counts, self._holding, self._ready = counts, holding, ready

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        reports = CounterMetricFamily(
            "lovhub_reports", "Provider reports decided, by outcome.", labels=["outcome"]
        )
        reports.add_metric(["forwarded"], self._counts.forwarded)
        reports.add_metric(["rejected"], self._counts.rejected)
        yield reports
        yield GaugeMetricFamily(
            "lovhub_fail_closed",
            "1 while the processor holds (a report batch it cannot read).",
            value=1.0 if self._holding() else 0.0,
        )
        yield GaugeMetricFamily(
            "lovhub_ready",
            "1 once the assignment index is caught up and the group joined.",
            value=1.0 if self._ready() else 0.0,
        )


def report_metrics(
    counts: ReportCounts, *, holding: Callable[[], bool], ready: Callable[[], bool]
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ReportCollector(counts, holding, ready))
    return registry
