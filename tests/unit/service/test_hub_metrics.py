"""The hub worker's metrics count what the pipeline decided, by outcome and reason, by
recipient and by dead-letter reason, with the counts worked out here from the results
themselves; and no label or value ever carries a jobseeker id, personal id or pseudonym."""

from __future__ import annotations

import math
from collections import Counter

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from lovhub.codec import codec_for
from lovhub.core.outputs import EventResult
from lovhub.synthetic import build_world, generate_scenario, pipeline_for
from lovhub.worker.health import Hold, WorkerHealth
from lovhub.worker.metrics import HubMetrics
from tests.support.pipeline_run import in_order


def _results() -> tuple[list[EventResult], list[dict]]:
    world = build_world()
    scenario = generate_scenario(world, codec_for(None), jobseekers=40, seed=3, invalid_rate=0.1)
    pipeline = pipeline_for(world, audit_topic="a", dead_letter_topic="d")
    results = [result for _, result in in_order(pipeline, scenario.records)]
    return results, [e for e in scenario.events if e is not None]


def _samples(metrics: HubMetrics) -> dict[str, list]:
    text = generate_latest(metrics.registry).decode()
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def test_counts_by_outcome_reason_recipient_and_dead_letter_reason() -> None:
    results, _ = _results()
    health = WorkerHealth()
    metrics = HubMetrics(health, ready=lambda: True)
    metrics.observe_batch(results[:100], 0.02)
    metrics.observe_batch(results[100:], 0.3)

    decisions: Counter[tuple[str, str]] = Counter()
    delivered: Counter[str] = Counter()
    dead: Counter[str] = Counter()
    for result in results:
        for pending in result.audits:
            d = pending.decision
            decisions[(d["outcome"], d["reason_code"] or "")] += 1
            if d["outcome"] == "DELIVERED":
                delivered[d["recipient_id"]] += 1
        if result.dead_letters:
            (rejected,) = [p.decision for p in result.audits if p.decision["outcome"] == "REJECTED"]
            dead[rejected["reason_code"]] += len(result.dead_letters)
    assert dead, "the sample has rejected records"

    samples = _samples(metrics)
    assert samples["lovhub_events_total"][0].value == len(results)
    assert {
        (s.labels["outcome"], s.labels["reason"]): s.value
        for s in samples["lovhub_decisions_total"]
    } == dict(decisions)
    assert {s.labels["recipient"]: s.value for s in samples["lovhub_deliveries_total"]} == dict(
        delivered
    )
    assert {s.labels["reason"]: s.value for s in samples["lovhub_dead_letters_total"]} == dict(dead)
    assert samples["lovhub_batch_seconds_count"][0].value == 2
    assert math.isnan(samples["lovhub_last_checkpoint_age_seconds"][0].value)
    assert samples["lovhub_fail_closed"][0].value == 0
    assert samples["lovhub_ready"][0].value == 1


def test_state_gauges_follow_the_health_at_scrape_time() -> None:
    health = WorkerHealth()
    now = [1000.0]
    metrics = HubMetrics(health, ready=lambda: False, clock=lambda: now[0])
    health.hold(Hold.WRITE, "fail closed: cannot write audit")
    health.last_checkpoint_at = 990.0
    metrics.observe_lag(2, 17)
    samples = _samples(metrics)
    assert samples["lovhub_fail_closed"][0].value == 1
    holding = {s.labels["cause"]: s.value for s in samples["lovhub_holding"]}
    assert holding == {cause.value: float(cause is Hold.WRITE) for cause in Hold}
    assert samples["lovhub_last_checkpoint_age_seconds"][0].value == 10.0
    assert samples["lovhub_ready"][0].value == 0
    (lag,) = samples["lovhub_consumer_lag"]
    assert (lag.labels, lag.value) == ({"partition": "2"}, 17)


def test_no_metric_names_a_person() -> None:
    results, events = _results()
    metrics = HubMetrics(WorkerHealth(), ready=lambda: True)
    metrics.observe_batch(results, 0.1)
    text = generate_latest(metrics.registry).decode()
    personal = set()
    for event in events:
        personal.add(event["jobseeker_id"])
        body = event["body"][1]
        if "personal_id" in body:
            personal.add(body["personal_id"])
    for result in results:
        for pending in result.audits:
            personal.add(pending.decision["jobseeker_audit_pseudonym"] or "")
    personal.discard("")
    assert personal
    assert [value for value in personal if value in text] == []
