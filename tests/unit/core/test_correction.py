"""Corrections reach exactly the recipients of the original (issue 11, part 4): the core
against the reference model, plus the bounds stated directly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.core import Decision, JobseekerState, Outcome, decide_event
from lovhub.core.correction import RECEIPT_DAYS, correction_decisions, record_receipt
from lovhub.core.decide import LegalBasis
from lovhub.core.handover import handover_decisions
from tests.unit.core.fakes import FakePolicy, FakeRecipient
from tests.unit.core.reference_model import expected_correction
from tests.unit.core.strategies import corrected_logs, jobseeker_logs, recipients
from tests.unit.core.test_decide import _as_tuple
from tests.unit.core.test_handover import _next

POLICY = FakePolicy()


def _step(state: JobseekerState, log: list[dict[str, Any]], i: int, world: Any) -> Any:
    """As the pipeline does: decide, then remember who received what."""
    event = log[i]
    if event["event_type"] == "CORRECTION":
        return state, correction_decisions(state, event, i, POLICY, world)
    decisions = decide_event(state, event, i, POLICY, world)
    for d in decisions:
        if d.outcome is Outcome.DELIVERED:
            day = event["occurred_at"].date()
            state = record_receipt(state, event["event_id"], event["event_type"], day, d)
    for fact, d in handover_decisions(state, event, i, POLICY, world):
        if d.outcome is Outcome.DELIVERED:
            day = fact.occurred_at.date()
            state = record_receipt(state, fact.event_id, fact.event_type, day, d)
    return state, decisions


@settings(max_examples=400)
@given(log=st.one_of(jobseeker_logs(), corrected_logs()), world=recipients())
def test_corrections_agree_with_the_reference_model_at_every_point(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    state = JobseekerState()
    for i, event in enumerate(log):
        state, decisions = _step(_next(state, event, i), log, i, world)
        if event["event_type"] == "CORRECTION":
            got = {d.recipient_id: _as_tuple(d) for d in decisions}
            assert got == expected_correction(log, i, POLICY, world)


def test_receipts_older_than_the_agency_topics_retention_are_dropped() -> None:
    delivered = Decision("p1", Outcome.DELIVERED, None, ("matching",), LegalBasis.ASSIGNMENT)
    day = dt.date(2026, 1, 1)
    state = record_receipt(JobseekerState(), "old", "REGISTRATION", day, delivered)
    later = day + dt.timedelta(days=RECEIPT_DAYS + 1)
    state = record_receipt(state, "new", "REGISTRATION", later, delivered)
    assert set(state.receipts) == {"new"}
    plan_day = day + dt.timedelta(days=RECEIPT_DAYS)
    kept = record_receipt(JobseekerState(), "old", "REGISTRATION", day, delivered)
    assert set(record_receipt(kept, "x", "PLAN_UPDATED", plan_day, delivered).receipts) == {
        "old",
        "x",
    }


ACTIVE = {
    "p1": FakeRecipient("p1", True, "active", frozenset({"matching", "contact"})),
    "p2": FakeRecipient("p2", True, "active", frozenset({"matching"})),
    "t1": FakeRecipient("t1", False, "active", frozenset({"regstatus"})),
}


@settings(max_examples=300)
@given(log=corrected_logs())
def test_corrections_agree_with_the_reference_model_in_a_world_that_delivers(
    log: list[dict[str, Any]],
) -> None:
    """The same, where deliveries (so receipts) are common: active, contracted recipients."""
    state = JobseekerState()
    for i, event in enumerate(log):
        state, decisions = _step(_next(state, event, i), log, i, ACTIVE)
        if event["event_type"] == "CORRECTION":
            got = {d.recipient_id: _as_tuple(d) for d in decisions}
            assert got == expected_correction(log, i, POLICY, ACTIVE)
