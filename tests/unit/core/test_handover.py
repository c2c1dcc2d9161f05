"""Handover at assignment start (issue 11, part 1): the core against the reference model,
and the guarantees stated directly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings

from lovhub.core import JobseekerState, apply_event
from lovhub.core.facts import remember_fact
from lovhub.core.handover import handover_decisions
from tests.unit.core.fakes import FakePolicy, FakeRecipient
from tests.unit.core.reference_model import expected_handover
from tests.unit.core.strategies import jobseeker_logs, recipients
from tests.unit.core.test_decide import _as_tuple

POLICY = FakePolicy()
WORLD = {"p1": FakeRecipient("p1", True, "active", frozenset({"matching", "contact"}))}
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _next(state: JobseekerState, event: dict[str, Any], position: int) -> JobseekerState:
    paths = POLICY.deliverable_paths(event["event_type"])
    return remember_fact(apply_event(state, event, position), event, position, paths)


def _handover(state: JobseekerState, log: list[dict[str, Any]], i: int, world: Any) -> Any:
    return {
        fact.event_type: (fact.event_id, _as_tuple(decision))
        for fact, decision in handover_decisions(state, log[i], i, POLICY, world)
    }


@settings(max_examples=400)
@given(log=jobseeker_logs(), world=recipients())
def test_handover_agrees_with_the_reference_model_at_every_point(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    state = JobseekerState()
    for i, event in enumerate(log):
        state = _next(state, event, i)
        assert _handover(state, log, i, world) == expected_handover(log, i, POLICY, world)


def _event(kind: str, n: int, **body: Any) -> dict[str, Any]:
    return {
        "event_id": f"e{n}",
        "event_type": kind,
        "occurred_at": T0 + dt.timedelta(hours=n),
        "jobseeker_id": "AS-1",
        "body": ("se.lovhub.agency.X", body),
    }


def _assignment(n: int, aid: str = "a1") -> dict[str, Any]:
    return _event(
        "ASSIGNMENT_STARTED",
        n,
        assignment_id=aid,
        provider_id="p1",
        purposes=["matching", "contact"],
        valid_from=T0.date(),
        valid_to=None,
    )


REGISTRATION = _event(
    "REGISTRATION", 0, given_name="Astrid", birth_year=1990, personal_id="19900101-0017"
)


def _fold(log: list[dict[str, Any]]) -> list[Any]:
    state, handovers = JobseekerState(), []
    for i, event in enumerate(log):
        state = _next(state, event, i)
        handovers.append(_handover(state, log, i, WORLD))
    return handovers


def test_an_assignment_after_registration_hands_the_registration_over() -> None:
    handovers = _fold([REGISTRATION, _assignment(1)])
    assert handovers[1] == {
        "REGISTRATION": ("e0", ("DELIVERED", None, ("contact", "matching"), "ASSIGNMENT", None))
    }


def test_a_resent_assignment_start_gets_no_second_handover_a_second_assignment_does() -> None:
    handovers = _fold([REGISTRATION, _assignment(1), _assignment(2), _assignment(3, aid="a2")])
    assert handovers[1]
    assert not handovers[2]
    assert handovers[3] == handovers[1]


def test_only_what_some_rule_reads_is_held() -> None:
    state = _next(JobseekerState(), REGISTRATION, 0)
    held = state.facts["REGISTRATION"]
    # FakePolicy's REGISTRATION rules read birth_year, given_name and registered.
    assert dict(held.body) == {"given_name": "Astrid", "birth_year": 1990}
    plan = _event("PLAN_UPDATED", 1, activities=["x"])  # rules deliver nothing from plans
    assert "PLAN_UPDATED" not in _next(state, plan, 1).facts


def test_an_earlier_event_replayed_never_replaces_a_later_fact() -> None:
    later = _event("REGISTRATION", 5, given_name="Nils", birth_year=1991)
    state = _next(_next(JobseekerState(), later, 5), REGISTRATION, 0)
    assert state.facts["REGISTRATION"].event_id == "e5"
