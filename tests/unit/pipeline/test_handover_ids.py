"""Handover ids through the pipeline: a replay at the same offset gives the same items with
the same ids; a re-sent ASSIGNMENT_STARTED gives none; a second assignment gives a new set
(issue 11, part 1)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from lovhub.codec import JOBSEEKER_EVENT, RECIPIENT_RECORD, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, SourcePosition
from lovhub.synthetic import build_world, pipeline_for

CODEC = codec_for(None)
PROVIDER = "jobbcoach-syd"
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=3)


def _events(rng: random.Random) -> list[dict[str, Any]]:
    def assignment() -> dict[str, Any]:
        return jobseeker_event(
            "ASSIGNMENT_STARTED",
            rng,
            body={
                "provider_id": PROVIDER,
                "purposes": ["lov.matching", "lov.preparation"],
                "valid_from": T0.date(),
                "valid_to": None,
            },
        )

    first = assignment()
    events = [
        jobseeker_event("REGISTRATION", rng),
        jobseeker_event("ASSESSMENT", rng),
        first,
        first,  # re-sent: same event, same assignment
        assignment(),  # a second assignment to the same provider
    ]
    for hours, event in enumerate(events[:3] + events[4:]):
        event["jobseeker_id"] = "AS-700000031"
        event["occurred_at"] = T0 + dt.timedelta(hours=hours)
    return events


def _handover_ids(result: EventResult) -> list[str]:
    records = [CODEC.decode(d.value, RECIPIENT_RECORD) for d in result.deliveries]
    return [
        r["delivery_id"]
        for r in records
        if any(f["path"] == "delivery_kind" and f["value"] == "HANDOVER" for f in r["fields"])
    ]


def test_handover_ids_are_deterministic_and_a_resend_gets_none() -> None:
    pipeline = pipeline_for(build_world())
    events = _events(random.Random(4))
    state, results = JobseekerState(), []
    for offset, event in enumerate(events):
        value, key = CODEC.encode(JOBSEEKER_EVENT, event), event["jobseeker_id"].encode()
        before = state
        result = pipeline.process(value, key, SourcePosition("a", 0, offset), state)
        state = result.state or state
        replay = pipeline.process(value, key, SourcePosition("a", 0, offset), before)
        assert _handover_ids(replay) == _handover_ids(result), "a replay gives the same items"
        results.append(result)
    first, resent, second = (_handover_ids(r) for r in results[2:])
    assert len(first) == 2, "registration and assessment handed over"
    assert resent == []
    assert len(second) == 2
    assert set(second).isdisjoint(first)
