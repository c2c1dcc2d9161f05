"""An exact re-send is not decided again (issue 12, part 2): it is audited once as a
duplicate input under an id of its own and delivers nothing, so no decision id ever
carries two outcomes, however the jobseeker's state moved on since the first decision."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, SourcePosition
from lovhub.synthetic import build_world, pipeline_for

CODEC = codec_for(None)
PROVIDER = "jobbcoach-syd"
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=3)
PIPELINE = pipeline_for(build_world())


def _history(rng: random.Random) -> list[dict[str, Any]]:
    """Assigned, a plan the provider receives, the assignment ends, then the jobseeker's
    data is restricted: the plan re-sent after that would be withheld RESTRICTED if it were
    decided again (a second outcome for the first decision's id)."""
    assignment = {
        "provider_id": PROVIDER,
        "purposes": ["lov.matching", "lov.preparation"],
        "valid_from": T0.date(),
        "valid_to": None,
    }
    events = [
        jobseeker_event("REGISTRATION", rng),
        jobseeker_event("ASSIGNMENT_STARTED", rng, body=assignment),
        jobseeker_event("PLAN_UPDATED", rng),
        jobseeker_event("ASSIGNMENT_ENDED", rng, body={"provider_id": PROVIDER}),
        jobseeker_event("RESTRICTION_SET", rng),
    ]
    for hours, event in enumerate(events):
        event["jobseeker_id"] = "AS-700000031"
        event["occurred_at"] = T0 + dt.timedelta(hours=hours)
    return events


def _run(events: list[dict[str, Any]]) -> list[EventResult]:
    """The worker's way: one partition, its event-id index kept from each result."""
    index: dict[str, bytes] = {}
    state, results = JobseekerState(), []
    for offset, event in enumerate(events):
        result = PIPELINE.process(
            CODEC.encode(JOBSEEKER_EVENT, event),
            event["jobseeker_id"].encode(),
            SourcePosition("agency", 0, offset),
            state,
            seen_event=index.get,
        )
        state = result.state or state
        if result.new_event_id is not None:
            index[result.new_event_id[0]] = result.new_event_id[1]
        results.append(result)
    return results


def _outcomes(results: list[EventResult]) -> dict[str, set[tuple[str, str | None]]]:
    by_id: dict[str, set[tuple[str, str | None]]] = {}
    for result in results:
        for pending in result.audits:
            d = pending.decision
            by_id.setdefault(d["decision_id"], set()).add((d["outcome"], d["reason_code"]))
    return by_id


def test_a_resend_after_the_state_moved_on_is_audited_as_a_duplicate_and_delivers_nothing() -> None:
    history = _history(random.Random(8))
    plan = history[2]
    results = _run([*history, plan])
    resent = results[-1]
    assert resent.deliveries == ()
    assert resent.dead_letters == ()
    assert resent.state is None, "a re-send changes nothing the hub holds"
    [audit] = [p.decision for p in resent.audits]
    assert (audit["outcome"], audit["reason_code"], audit["recipient_id"]) == (
        "WITHHELD",
        "DUPLICATE_INPUT",
        None,
    )
    assert audit["event_id"] == plan["event_id"]
    first_ids = {p.decision["decision_id"] for p in results[2].audits}
    assert audit["decision_id"] not in first_ids
    assert any(p.decision["outcome"] == "DELIVERED" for p in results[2].audits)


def test_a_replay_of_the_resend_at_the_same_place_gives_the_same_id() -> None:
    history = _history(random.Random(9))
    once = _run([*history, history[1]])[-1]
    again = _run([*history, history[1]])[-1]
    assert once.audits[0].decision["decision_id"] == again.audits[0].decision["decision_id"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=6), st.integers(0, 99))
def test_no_decision_id_ever_carries_two_outcomes(resends: list[int], seed: int) -> None:
    history = _history(random.Random(seed))
    stream = [*history, *(history[i] for i in resends)]
    for decision_id, outcomes in _outcomes(_run(stream)).items():
        assert len(outcomes) == 1, (decision_id, outcomes)
