"""The registry record's vetting facts in the decision (issue 15, parts 3, 6 and 7):
``NO_UNDERTAKING``, ``NO_AGREEMENT`` and ``RESIDENCY``, against the reference model and
stated directly."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.core import JobseekerState, Outcome, apply_event, decide_event
from lovhub.core.correction import correction_decisions
from lovhub.core.handover import handover_decisions
from lovhub.core.status_answer import status_answer
from tests.unit.core.fakes import (
    ALLOWED_COUNTRIES,
    FakePolicy,
    FakeRecipient,
    FakeResidency,
    FakeSubProcessor,
    FakeUndertaking,
)
from tests.unit.core.reference_model import (
    expected_correction,
    expected_decisions,
    expected_handover,
    expected_status_answer,
)
from tests.unit.core.strategies import (
    PROVIDERS,
    PURPOSES,
    THIRD_PARTIES,
    UNVETTED,
    corrected_logs,
    jobseeker_logs,
)
from tests.unit.core.test_correction import _step
from tests.unit.core.test_decide import _as_tuple
from tests.unit.core.test_handover import _next

POLICY = FakePolicy()
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PROVIDER = FakeRecipient("p1", True, "active", frozenset({"matching", "contact"}))
THIRD = FakeRecipient("t1", False, "active", frozenset({"regstatus"}))


def _event(kind: str, n: int, **body: Any) -> dict[str, Any]:
    return {
        "event_id": f"e{n}",
        "event_type": kind,
        "occurred_at": T0 + dt.timedelta(hours=n),
        "jobseeker_id": "AS-1",
        "body": ("se.lovhub.agency.X", body),
    }


ASSIGNED = [
    _event(
        "ASSIGNMENT_STARTED",
        0,
        assignment_id="a1",
        provider_id="p1",
        purposes=["matching"],
        valid_from=T0.date(),
        valid_to=None,
    ),
    _event("REGISTRATION", 1, given_name="Astrid", birth_year=1990, registered=True),
]
CONSENTED = [
    _event(
        "CONSENT_GIVEN",
        0,
        consent_id="c1",
        recipient_id="t1",
        purposes=["regstatus"],
        data_categories=["registration"],
        valid_until=None,
        delivery_mode="WHILE_VALID",
    ),
    _event("REGISTRATION", 1, given_name="Astrid", birth_year=1990, registered=True),
]


def _last(log: list[dict[str, Any]], recipient: FakeRecipient) -> tuple[Any, ...]:
    """The core's decision for ``recipient`` on the log's last event, checked against the
    reference model on the way."""
    world = {recipient.id: recipient}
    state = JobseekerState()
    for i, event in enumerate(log):
        state = apply_event(state, event, i)
    i = len(log) - 1
    decided = {d.recipient_id: _as_tuple(d) for d in decide_event(state, log[i], i, POLICY, world)}
    assert decided == expected_decisions(log, i, POLICY, world)
    return decided[recipient.id][:2]


DELIVERED = ("DELIVERED", None)


@pytest.mark.parametrize(
    ("undertaking", "expected"),
    [
        (None, ("WITHHELD", "NO_UNDERTAKING")),
        (FakeUndertaking(T0.date() + dt.timedelta(days=1)), ("WITHHELD", "NO_UNDERTAKING")),
        (FakeUndertaking(T0.date()), DELIVERED),  # in force from the day it is signed
        (FakeUndertaking(dt.date(2020, 1, 1)), DELIVERED),
    ],
)
def test_a_provider_needs_an_undertaking_signed_by_the_events_day(
    undertaking: FakeUndertaking | None, expected: tuple[str, str | None]
) -> None:
    provider = dataclasses.replace(PROVIDER, undertaking=undertaking)
    assert _last(ASSIGNED, provider) == expected


def test_a_third_party_needs_no_undertaking_but_an_agreement() -> None:
    assert _last(CONSENTED, dataclasses.replace(THIRD, undertaking=None)) == DELIVERED
    no_agreement = dataclasses.replace(THIRD, contract_id=None)
    assert _last(CONSENTED, no_agreement) == ("WITHHELD", "NO_AGREEMENT")
    # A provider's contract is the model's business (it requires one); the core asks only
    # third parties for an agreement.
    assert _last(ASSIGNED, dataclasses.replace(PROVIDER, contract_id=None)) == DELIVERED


@pytest.mark.parametrize(
    ("residency", "expected"),
    [
        (None, ("WITHHELD", "RESIDENCY")),  # a record that does not say where
        (FakeResidency("US"), ("WITHHELD", "RESIDENCY")),
        (
            FakeResidency("SE", sub_processors=(FakeSubProcessor("X", "US"),)),
            ("WITHHELD", "RESIDENCY"),
        ),
        (FakeResidency("NO", sub_processors=(FakeSubProcessor("X", "DE"),)), DELIVERED),
        (FakeResidency("DE"), DELIVERED),
    ],
)
@pytest.mark.parametrize("recipient", [PROVIDER, THIRD], ids=["provider", "third-party"])
def test_every_country_of_the_data_must_be_allowed(
    residency: FakeResidency | None, expected: tuple[str, str | None], recipient: FakeRecipient
) -> None:
    log = ASSIGNED if recipient.is_provider else CONSENTED
    assert _last(log, dataclasses.replace(recipient, residency=residency)) == expected


def test_the_order_of_the_recipient_checks() -> None:
    nothing = dataclasses.replace(PROVIDER, undertaking=None, residency=None)
    assert _last(ASSIGNED, nothing) == ("WITHHELD", "NO_UNDERTAKING")
    suspended = dataclasses.replace(nothing, status="suspended")
    assert _last(ASSIGNED, suspended) == ("WITHHELD", "RECIPIENT_SUSPENDED")
    uninsured = dataclasses.replace(nothing, insurance_valid_until=dt.date(2020, 1, 1))
    assert _last(ASSIGNED, uninsured) == ("WITHHELD", "RECIPIENT_SUSPENDED")
    third = dataclasses.replace(THIRD, contract_id=None, residency=None)
    assert _last(CONSENTED, third) == ("WITHHELD", "NO_AGREEMENT")
    # Recipient checks come before the legal basis: a lapsed assignment, still NO_UNDERTAKING.
    ended = {**ASSIGNED[0], "event_type": "ASSIGNMENT_ENDED", "event_id": "e9"}
    ended["body"] = ("se.lovhub.agency.X", {**ASSIGNED[0]["body"][1], "valid_to": T0.date()})
    lapsed = [ASSIGNED[0], ended, {**ASSIGNED[1], "event_id": "e10"}]
    assert _last(lapsed, PROVIDER) == ("WITHHELD", "NOT_ASSIGNED")
    assert _last(lapsed, nothing) == ("WITHHELD", "NO_UNDERTAKING")


def _unvetted_world() -> st.SearchStrategy[dict[str, FakeRecipient]]:
    """Every recipient active and insured, each lacking something (or one harmless)."""

    def build(defects: list[Any], contracts: list[frozenset[str]]) -> dict[str, FakeRecipient]:
        ids = PROVIDERS + THIRD_PARTIES
        return {
            rid: FakeRecipient(
                rid, rid in PROVIDERS, "active", contracts[i], dt.date.max, *defects[i]
            )
            for i, rid in enumerate(ids)
        }

    return st.builds(
        build,
        st.lists(st.sampled_from(UNVETTED), min_size=3, max_size=3),
        st.lists(st.frozensets(st.sampled_from(PURPOSES)), min_size=3, max_size=3),
    )


@settings(max_examples=300)
@given(log=st.one_of(jobseeker_logs(), corrected_logs()), world=_unvetted_world())
def test_core_agrees_with_the_reference_model_on_unvetted_records(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    """Live decisions, handovers, status answers and corrections alike."""
    state = JobseekerState()
    for i, event in enumerate(log):
        before = _next(state, event, i)
        state, decided = _step(before, log, i, world)
        got = {d.recipient_id: _as_tuple(d) for d in decided}
        if event["event_type"] == "CORRECTION":
            assert got == expected_correction(log, i, POLICY, world)
        else:
            assert got == expected_decisions(log, i, POLICY, world)
        handed = {
            fact.event_type: (fact.event_id, _as_tuple(decision))
            for fact, decision in handover_decisions(before, event, i, POLICY, world)
        }
        assert handed == expected_handover(log, i, POLICY, world)
        answer = status_answer(before, event, i, POLICY, world)
        got_answer = None if answer is None else (_as_tuple(answer.decision), answer.registered)
        assert got_answer == expected_status_answer(log, i, POLICY, world)


def test_a_correction_is_withheld_from_a_recipient_that_moved_its_data_out() -> None:
    """The registry changed between the delivery and its correction (not something the
    reference model's one world can say): the correction is decided on the record now."""
    fix = _event(
        "CORRECTION",
        2,
        corrects_event_id="e1",
        corrected=("se.lovhub.agency.Registration", {"given_name": "Astrid", "birth_year": 1991}),
    )
    log = [*ASSIGNED, fix]
    state = JobseekerState()
    for i in range(2):
        state, _ = _step(_next(state, log[i], i), log, i, {"p1": PROVIDER})
    state = _next(state, fix, 2)
    moved = dataclasses.replace(PROVIDER, residency=FakeResidency("US"))
    unsigned = dataclasses.replace(PROVIDER, undertaking=None)
    for world, reason in (({"p1": moved}, "RESIDENCY"), ({"p1": unsigned}, "NO_UNDERTAKING")):
        (decision,) = correction_decisions(state, fix, 2, POLICY, world)
        assert _as_tuple(decision)[:2] == ("WITHHELD", reason)
    (delivered,) = correction_decisions(state, fix, 2, POLICY, {"p1": PROVIDER})
    assert delivered.outcome is Outcome.DELIVERED


@settings(max_examples=300)
@given(log=jobseeker_logs(), world=_unvetted_world())
def test_nothing_reaches_a_recipient_the_vetting_would_refuse(
    log: list[dict[str, Any]], world: dict[str, FakeRecipient]
) -> None:
    """Stated directly: every delivery's recipient is vetted on the event's day."""
    state = JobseekerState()
    for i, event in enumerate(log):
        state = apply_event(state, event, i)
        for decision in decide_event(state, event, i, POLICY, world):
            if decision.outcome is not Outcome.DELIVERED:
                continue
            recipient = world[decision.recipient_id or ""]
            assert recipient.residency is not None
            assert recipient.storage_countries <= ALLOWED_COUNTRIES
            if recipient.is_provider:
                assert recipient.undertaking is not None
                assert recipient.undertaking.signed_on <= event["occurred_at"].date()
            else:
                assert recipient.contract_id
