"""After an assignment ends, its provider still learns the outcomes its follow-up purposes
need, for as long as the policy's window says (issue 11, part 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lovhub.core import JobseekerState, Outcome, Reason, apply_event, decide_event
from lovhub.core.decide import add_months
from tests.unit.core.fakes import FakePolicy, FakeRecipient

PROVIDER = FakeRecipient("p1", True, "active", frozenset({"matching", "contact"}))
WORLD = {"p1": PROVIDER}
DAY0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _event(kind: str, at: dt.datetime, **body: Any) -> dict[str, Any]:
    return {"event_type": kind, "occurred_at": at, "body": ("x", body)}


def _assignment(kind: str, valid_to: dt.date | None, aid: str = "a1") -> dict[str, Any]:
    return _event(
        kind,
        DAY0,
        assignment_id=aid,
        provider_id="p1",
        purposes=["matching", "contact"],
        valid_from=DAY0.date(),
        valid_to=valid_to,
    )


def _decide(log: list[dict[str, Any]]) -> tuple[Outcome, Reason | None, tuple[str, ...]]:
    state = JobseekerState()
    for position, event in enumerate(log):
        state = apply_event(state, event, position)
    (decision,) = decide_event(state, log[-1], len(log) - 1, FakePolicy(), WORLD)
    return decision.outcome, decision.reason, decision.purposes


def _after_end(days: int, kind: str = "REGISTRATION") -> list[dict[str, Any]]:
    last_day = DAY0.date() + dt.timedelta(days=10)
    return [
        _assignment("ASSIGNMENT_STARTED", None),
        _assignment("ASSIGNMENT_ENDED", last_day),
        _event(kind, DAY0 + dt.timedelta(days=10 + days)),
    ]


def test_an_outcome_inside_the_window_reaches_the_provider_for_its_follow_up_purpose() -> None:
    # The fake policy: ("contact", "REGISTRATION") has a one-month window; matching none.
    assert _decide(_after_end(20)) == (Outcome.DELIVERED, None, ("contact",))


def test_after_the_window_it_is_withheld_with_its_own_reason() -> None:
    assert _decide(_after_end(40))[:2] == (Outcome.WITHHELD, Reason.FOLLOW_UP_ENDED)


def test_event_types_without_a_window_stay_not_assigned() -> None:
    assert _decide(_after_end(5, "PLAN_UPDATED"))[:2] == (Outcome.WITHHELD, Reason.NOT_ASSIGNED)


def test_an_assignment_that_ran_out_without_an_end_event_is_followed_up_too() -> None:
    log = [
        _assignment("ASSIGNMENT_STARTED", DAY0.date() + dt.timedelta(days=3)),
        _event("REGISTRATION", DAY0 + dt.timedelta(days=20)),
    ]
    assert _decide(log) == (Outcome.DELIVERED, None, ("contact",))


def test_an_end_without_a_start_is_never_followed_up() -> None:
    log = [
        _assignment("ASSIGNMENT_ENDED", DAY0.date()),
        _event("REGISTRATION", DAY0 + dt.timedelta(days=2)),
    ]
    assert _decide(log)[:2] == (Outcome.WITHHELD, Reason.NOT_ASSIGNED)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 15), 12, dt.date(2027, 3, 15)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
    ],
)
def test_windows_are_calendar_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected
