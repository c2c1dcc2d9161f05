"""The report processor's metrics are its counts and states at scrape time."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from lovhub.reports.metrics import report_metrics
from lovhub.reports.processor import ReportCounts


def _values(registry: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()  # type: ignore[arg-type]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_counts_and_states_are_read_at_each_scrape() -> None:
    counts = ReportCounts()
    state = {"holding": False, "ready": False}
    registry = report_metrics(
        counts, holding=lambda: state["holding"], ready=lambda: state["ready"]
    )
    before = _values(registry)
    assert before[("lovhub_reports_total", (("outcome", "forwarded"),))] == 0
    assert before[("lovhub_ready", ())] == 0
    counts.reports, counts.forwarded, counts.rejected = 3, 1, 2
    state.update(holding=True, ready=True)
    after = _values(registry)
    assert after[("lovhub_reports_total", (("outcome", "forwarded"),))] == 1
    assert after[("lovhub_reports_total", (("outcome", "rejected"),))] == 2
    assert after[("lovhub_fail_closed", ())] == 1
    assert after[("lovhub_ready", ())] == 1
