"""The state's JSON form keeps an early assignment end's day, and still reads older records."""

from __future__ import annotations

import datetime as dt
import json

from lovhub.core import JobseekerState, apply_event
from lovhub.core.state_codec import state_from_bytes, state_to_bytes

STARTED = {
    "event_type": "ASSIGNMENT_STARTED",
    "body": {
        "assignment_id": "a-1",
        "provider_id": "jobbcoach-syd",
        "purposes": ["lov.matching"],
        "valid_from": dt.date(2026, 3, 1),
        "valid_to": None,
    },
}
ENDED = {
    "event_type": "ASSIGNMENT_ENDED",
    "body": {**STARTED["body"], "valid_to": dt.date(2026, 3, 20)},
}


def test_an_end_event_records_the_day_it_names_without_changing_the_planned_period() -> None:
    state = apply_event(apply_event(JobseekerState(), STARTED, 0), ENDED, 5)
    ended = state.assignments["a-1"]
    assert (ended.ended_at, ended.ended_on, ended.valid_to) == (5, dt.date(2026, 3, 20), None)
    assert state_from_bytes(state_to_bytes(state)) == state


def test_records_written_before_ended_on_existed_still_read() -> None:
    state = apply_event(apply_event(JobseekerState(), STARTED, 0), ENDED, 5)
    data = json.loads(state_to_bytes(state))
    data["a"] = [row[:7] for row in data["a"]]  # the seven-field form of state format 1
    old = state_from_bytes(json.dumps(data).encode())
    assert old.assignments["a-1"].ended_at == 5
    assert old.assignments["a-1"].ended_on is None
