"""The registration-status answer on consent and the ONCE / WHILE_VALID modes (issue 11,
part 2), and restriction of processing (part 4): the core against the reference model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings

from lovhub.core import JobseekerState, Outcome, Reason, decide_event
from lovhub.core.status_answer import status_answer
from tests.unit.core.fakes import FakePolicy, FakeRecipient
from tests.unit.core.reference_model import expected_status_answer
from tests.unit.core.strategies import jobseeker_logs, recipients
from tests.unit.core.test_decide import _as_tuple
from tests.unit.core.test_handover import _next

POLICY = FakePolicy()
THIRD = FakeRecipient("t1", False, "active", frozenset({"regstatus"}))
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@settings(max_examples=400)
@given(log=jobseeker_logs(), world=recipients())
def test_status_answers_agree_with_the_reference_model_at_every_point(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    state = JobseekerState()
    for i, event in enumerate(log):
        state = _next(state, event, i)
        answer = status_answer(state, event, i, POLICY, world)
        got = None if answer is None else (_as_tuple(answer.decision), answer.registered)
        assert got == expected_status_answer(log, i, POLICY, world)


def _event(kind: str, n: int, **body: Any) -> dict[str, Any]:
    return {
        "event_id": f"e{n}",
        "event_type": kind,
        "occurred_at": T0 + dt.timedelta(hours=n),
        "jobseeker_id": "AS-1",
        "body": ("x", body),
    }


def _consent(n: int, mode: str) -> dict[str, Any]:
    return _event(
        "CONSENT_GIVEN",
        n,
        consent_id="c1",
        recipient_id="t1",
        purposes=["regstatus"],
        data_categories=["registration"],
        valid_until=None,
        delivery_mode=mode,
    )


def _run(log: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    state, answers, last = JobseekerState(), [], []
    for i, event in enumerate(log):
        state = _next(state, event, i)
        answer = status_answer(state, event, i, POLICY, {"t1": THIRD})
        answers.append(None if answer is None else (answer.decision.outcome, answer.registered))
        last = decide_event(state, event, i, POLICY, {"t1": THIRD})
    return answers, last


def test_once_gives_one_answer_then_later_registrations_are_withheld_spent() -> None:
    log = [_event("REGISTRATION", 0, registered=True), _consent(1, "ONCE")]
    answers, _ = _run(log)
    assert answers == [None, (Outcome.DELIVERED, True)]
    _, later = _run([*log, _event("DEREGISTRATION", 2, reason="WORK")])
    assert [(d.outcome, d.reason) for d in later] == [(Outcome.WITHHELD, Reason.CONSENT_SPENT)]


def test_while_valid_answers_and_then_sends_the_deregistration() -> None:
    log = [_consent(0, "WHILE_VALID"), _event("DEREGISTRATION", 1, reason="WORK")]
    answers, last = _run(log)
    assert answers[0] == (Outcome.DELIVERED, False), "not registered: the answer is no"
    assert [d.outcome for d in last] == [Outcome.DELIVERED]


def test_nothing_is_shared_while_a_restriction_is_set() -> None:
    log = [_consent(0, "WHILE_VALID"), _event("RESTRICTION_SET", 1, restriction_id="r")]
    _, last = _run([*log, _event("REGISTRATION", 2)])
    assert [d.reason for d in last] == [Reason.RESTRICTED]
    _, after = _run([*log, _event("RESTRICTION_CLEARED", 2), _event("REGISTRATION", 3)])
    assert [d.outcome for d in after] == [Outcome.DELIVERED]
