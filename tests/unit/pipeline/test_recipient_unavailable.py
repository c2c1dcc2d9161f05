"""A recipient whose topic refuses the hub's writes (issue 12, part 6): its deliveries are
withheld RECIPIENT_UNAVAILABLE with the purposes, basis and consent they would have been
delivered under, and nothing else changes: every other decision, every other delivery and
every jobseeker state are what they are with all recipients available.

The expectation is built from a run with every recipient available, by the rule stated
here, not by the code under test."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lovhub.codec import codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, SourcePosition
from lovhub.pipeline.hub import default_recipient_topic
from lovhub.synthetic import build_world, generate_scenario, pipeline_for

WORLD = build_world()
RECIPIENT = {r.id: r for r in WORLD.recipients.recipients}
RECIPIENTS = sorted(RECIPIENT)
CLOCK = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC).timestamp()


def _run(records: list[tuple[bytes | None, bytes]], unavailable: frozenset[str]) -> list[Any]:
    pipeline = pipeline_for(WORLD, clock=lambda: CLOCK)
    pipeline.use_unavailable(unavailable)
    states: dict[bytes, JobseekerState] = {}
    results: list[tuple[EventResult, JobseekerState]] = []
    for offset, (key, value) in enumerate(records):
        state = states.get(key or b"", JobseekerState())
        result = pipeline.process(value, key, SourcePosition("agency", 0, offset), state)
        if result.state is not None:
            states[key or b""] = result.state
        results.append((result, states.get(key or b"", JobseekerState())))
    return results


def _delivery_ids(result: EventResult) -> list[tuple[str, bytes | None, bytes]]:
    return [(d.topic, d.key, dict(d.headers)["delivery_id"]) for d in result.deliveries]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), chosen=st.sets(st.sampled_from(RECIPIENTS), min_size=1))
def test_only_the_unavailable_recipients_deliveries_are_withheld(
    seed: int, chosen: set[str]
) -> None:
    records = generate_scenario(WORLD, codec_for(None), jobseekers=25, seed=seed).records
    available = _run(records, frozenset())
    held = _run(records, frozenset(chosen))
    withheld = 0
    for (was, state_was), (now, state_now) in zip(available, held, strict=True):
        assert state_now == state_was, "the jobseeker's state does not depend on a topic"
        assert len(now.audits) == len(was.audits)
        for before, after in zip(was.audits, now.audits, strict=True):
            d, e = before.decision, after.decision
            if d["outcome"] == "DELIVERED" and d["recipient_id"] in chosen:
                withheld += 1
                expected = {
                    **d,
                    "outcome": "WITHHELD",
                    "reason_code": "RECIPIENT_UNAVAILABLE",
                    "delivered_fields": [],
                    "key_id": None,
                    "delivery_id": None,
                }
                assert after.delivery_index is None
            else:
                expected = d
            assert {k: str(v) for k, v in e.items()} == {k: str(v) for k, v in expected.items()}
        chosen_topics = {default_recipient_topic(RECIPIENT[r]) for r in chosen}
        assert _delivery_ids(now) == [
            ids for ids in _delivery_ids(was) if ids[0] not in chosen_topics
        ]
    delivered_to_chosen = sum(
        1
        for result, _ in available
        for a in result.audits
        if a.decision["outcome"] == "DELIVERED" and a.decision["recipient_id"] in chosen
    )
    assume(delivered_to_chosen > 0)  # a case where the rule has something to withhold
    assert withheld == delivered_to_chosen
