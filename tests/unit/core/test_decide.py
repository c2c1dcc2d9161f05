"""The core against the reference model, plus the guarantees stated directly."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from lovhub.core import (
    Decision,
    JobseekerState,
    Outcome,
    Reason,
    apply_event,
    decide_event,
    state_from_bytes,
    state_to_bytes,
)
from tests.unit.core.fakes import FOLLOW_UP, FakePolicy, FakeRecipient
from tests.unit.core.reference_model import Expected, expected_decisions
from tests.unit.core.strategies import jobseeker_logs, recipients

POLICY = FakePolicy()


def _fold(log: list[dict[str, Any]], upto: int | None = None) -> JobseekerState:
    state = JobseekerState()
    for position, event in enumerate(log[: None if upto is None else upto + 1]):
        state = apply_event(state, event, position)
    return state


def _as_tuple(decision: Decision) -> Expected:
    return (
        decision.outcome.value,
        decision.reason.value if decision.reason else None,
        decision.purposes,
        decision.legal_basis.value,
        decision.consent_id,
    )


def _decisions(
    state: JobseekerState, log: list[dict[str, Any]], i: int, world: dict[str, FakeRecipient]
) -> dict[str | None, Expected]:
    return {d.recipient_id: _as_tuple(d) for d in decide_event(state, log[i], i, POLICY, world)}


@settings(max_examples=400)
@given(log=jobseeker_logs(), world=recipients())
def test_core_agrees_with_the_reference_model_at_every_point(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    state = JobseekerState()
    for i, event in enumerate(log):
        state = apply_event(state, event, i)
        assert _decisions(state, log, i, world) == expected_decisions(log, i, POLICY, world)


@settings(max_examples=300)
@given(log=jobseeker_logs(), world=recipients())
def test_replaying_with_state_from_the_future_gives_the_same_decisions(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    """After a crash the stored state may already include later events."""
    everything = _fold(log)
    for i in range(len(log)):
        assert _decisions(everything, log, i, world) == _decisions(_fold(log, i), log, i, world)


@settings(max_examples=300)
@given(log=jobseeker_logs(), world=recipients())
def test_no_delivery_after_a_withdrawal_or_assignment_end_but_a_follow_up(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    state = _fold(log)
    for i, event in enumerate(log):
        for decision in decide_event(state, event, i, POLICY, world):
            if decision.outcome is not Outcome.DELIVERED:
                continue
            if decision.legal_basis.value == "CONSENT":
                given_at = next(
                    at
                    for at, e in enumerate(log)
                    if e["event_type"] == "CONSENT_GIVEN"
                    and e["body"][1]["consent_id"] == decision.consent_id
                )
                # A withdrawal logged before the consent was given is not its withdrawal.
                withdrawn_before = any(
                    e["event_type"] == "CONSENT_WITHDRAWN"
                    and e["body"][1]["consent_id"] == decision.consent_id
                    for e in log[given_at + 1 : i]  # whichever recipient id it names
                )
                assert not withdrawn_before
            else:
                ended_ids = {
                    e["body"][1]["assignment_id"]
                    for e in log[:i]
                    if e["event_type"] == "ASSIGNMENT_ENDED"
                }

                # The basis: an assignment started (before any end of it) and not ended
                # before this event; an end without a start is never a basis.
                def started_first(at: int, assignment: str) -> bool:
                    return not any(
                        e["event_type"] == "ASSIGNMENT_ENDED"
                        and e["body"][1]["assignment_id"] == assignment
                        for e in log[:at]
                    )

                live_starts = [
                    e
                    for at, e in enumerate(log[: i + 1])
                    if e["event_type"] == "ASSIGNMENT_STARTED"
                    and e["body"][1]["provider_id"] == decision.recipient_id
                    and e["body"][1]["assignment_id"] not in ended_ids
                    and started_first(at, e["body"][1]["assignment_id"])
                ]
                # Once it has ended, only what a follow-up window names still goes out.
                followed_up = all(
                    (purpose, event["event_type"]) in FOLLOW_UP for purpose in decision.purposes
                )
                assert live_starts or followed_up


@settings(max_examples=200)
@given(log=jobseeker_logs(), world=recipients())
def test_special_category_is_only_ever_delivered_under_consent(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    state = _fold(log)
    for i, event in enumerate(log):
        if not POLICY.is_special(event["event_type"]):
            continue
        for decision in decide_event(state, event, i, POLICY, world):
            if decision.outcome is Outcome.DELIVERED:
                assert decision.legal_basis.value == "CONSENT"
                assert decision.consent_id is not None


@given(log=jobseeker_logs())
def test_state_survives_its_storage_form(log: list[dict[str, Any]]) -> None:
    state = _fold(log)
    assert state_from_bytes(state_to_bytes(state)) == state


@given(log=jobseeker_logs())
def test_replaying_any_event_into_the_final_state_changes_nothing(
    log: list[dict[str, Any]],
) -> None:
    state = _fold(log)
    for i, event in enumerate(log):
        assert apply_event(state, event, i) == state


def test_no_candidate_gives_one_audited_decision() -> None:
    event = {"event_type": "REGISTRATION", "occurred_at": None, "body": ("x", {})}
    decisions = decide_event(JobseekerState(), event, 0, POLICY, {})
    assert decisions == [Decision.withheld(None, Reason.NO_CANDIDATE)]
