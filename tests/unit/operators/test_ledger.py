"""The reconciliation ledger against a plain, quadratic restatement of its rules."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.operators.decisions import Place
from lovhub.operators.ledger import InputRecord, LedgerDecision, RecipientRecordRef, reconcile


def letter_of(place: Place) -> str:
    return f"dl:{place}"


def reference(
    inputs: list[InputRecord],
    decisions: list[LedgerDecision],
    records: list[RecipientRecordRef],
) -> dict[str, Any]:
    def names(d: LedgerDecision, i: InputRecord) -> bool:
        by_event = i.event_id is not None and d.event_id == i.event_id
        return by_event or d.dead_letter_id == letter_of(i.place)

    delivered = [d for d in decisions if d.outcome == "DELIVERED"]
    placed = [d for d in delivered if d.delivery is not None]
    return {
        "inputs_without_decision": sorted(
            i.place for i in inputs if not any(names(d, i) for d in decisions)
        ),
        "unreadable_not_rejected": sorted(
            i.place
            for i in inputs
            if i.event_id is None
            and any(names(d, i) for d in decisions)
            and not any(names(d, i) and d.outcome == "REJECTED" for d in decisions)
        ),
        "decisions_without_input": sorted(
            d.place for d in decisions if not any(names(d, i) for i in inputs)
        ),
        "deliveries_unlocated": sorted(d.place for d in delivered if d.delivery is None),
        "deliveries_missing": sorted(
            d.place for d in placed if not any(r.place == d.delivery for r in records)
        ),
        "deliveries_mismatched": sorted(
            d.place
            for d in placed
            if any(r.place == d.delivery and r.delivery_id != d.delivery_id for r in records)
        ),
        "records_without_decision": sorted(
            r.place
            for r in records
            if not any(d.delivery == r.place for d in placed)
            and not (
                r.delivery_id is not None and any(d.delivery_id == r.delivery_id for d in delivered)
            )
        ),
        "duplicate_decisions": {
            d.decision_id
            for d in decisions
            if sum(e.decision_id == d.decision_id for e in decisions) > 1
        },
        "contradictory_decisions": {
            d.decision_id
            for d in decisions
            if d.outcome != "REJECTED"
            and any(
                e.decision_id == d.decision_id
                and e.outcome != "REJECTED"
                and (e.outcome, e.reason, e.recipient_id) != (d.outcome, d.reason, d.recipient_id)
                for e in decisions
            )
        },
        "duplicate_deliveries": {
            r.delivery_id
            for r in records
            if r.delivery_id is not None
            and sum(s.delivery_id == r.delivery_id for s in records) > 1
        },
    }


def observed(ledger: Any) -> dict[str, Any]:
    return {
        "inputs_without_decision": sorted(i.place for i in ledger.inputs_without_decision),
        "unreadable_not_rejected": sorted(i.place for i in ledger.unreadable_not_rejected),
        "decisions_without_input": sorted(d.place for d in ledger.decisions_without_input),
        "deliveries_unlocated": sorted(d.place for d in ledger.deliveries_unlocated),
        "deliveries_missing": sorted(d.place for d in ledger.deliveries_missing),
        "deliveries_mismatched": sorted(d.place for d, _ in ledger.deliveries_mismatched),
        "records_without_decision": sorted(r.place for r in ledger.records_without_decision),
        "duplicate_decisions": set(ledger.duplicate_decisions),
        "contradictory_decisions": set(ledger.contradictory_decisions),
        "duplicate_deliveries": set(ledger.duplicate_deliveries),
    }


@st.composite
def clean_books(
    draw: st.DrawFn,
) -> tuple[list[InputRecord], list[LedgerDecision], list[RecipientRecordRef]]:
    inputs, decisions, records = [], [], []
    for index in range(draw(st.integers(0, 8))):
        place = Place("agency", index % 2, index)
        readable = draw(st.booleans()) or index % 3
        event_id = f"e{index}" if readable else None
        inputs.append(InputRecord(place, event_id))
        audit = lambda: Place("audit", 0, len(decisions))  # noqa: E731
        if event_id is None:
            decisions.append(
                LedgerDecision(audit(), f"d{index}", None, letter_of(place), "REJECTED")
            )
            continue
        for j in range(draw(st.integers(1, 3))):
            outcome = draw(st.sampled_from(["DELIVERED", "WITHHELD", "REJECTED"]))
            decision = LedgerDecision(
                audit(), f"d{index}.{j}", event_id, None, outcome, recipient_id=f"r{j}"
            )
            if outcome == "DELIVERED":
                where = Place(f"rcpt{j}", 0, len(records))
                decision = replace(decision, delivery=where, delivery_id=f"del{index}.{j}")
                records.append(RecipientRecordRef(where, f"del{index}.{j}"))
            decisions.append(decision)
    return inputs, decisions, records


_FRESH = itertools.count(1000)  # places no clean book uses

FAULTS = (
    "drop_input",
    "drop_decision",
    "drop_record",
    "orphan_record",
    "foreign_decision",
    "unlocate_delivery",
    "change_delivery_id",
    "duplicate_decision",
    "contradict_decision",
    "duplicate_delivery",
    "unreadable_record",
)


def inject(fault: str, data: st.DataObject, books: tuple[list[Any], list[Any], list[Any]]) -> None:
    inputs, decisions, records = books
    pick = lambda items: data.draw(st.integers(0, len(items) - 1))  # noqa: E731
    if fault == "drop_input" and inputs:
        inputs.pop(pick(inputs))
    elif fault == "drop_decision" and decisions:
        decisions.pop(pick(decisions))
    elif fault == "drop_record" and records:
        records.pop(pick(records))
    elif fault == "orphan_record":
        records.append(RecipientRecordRef(Place("rcpt0", 1, next(_FRESH)), "forged"))
    elif fault == "foreign_decision":
        decisions.append(
            LedgerDecision(Place("audit", 1, next(_FRESH)), "dx", "e-unknown", None, "WITHHELD")
        )
    elif fault == "unlocate_delivery":
        delivered = [i for i, d in enumerate(decisions) if d.outcome == "DELIVERED"]
        if delivered:
            at = delivered[pick(delivered)]
            decisions[at] = replace(decisions[at], delivery=None)
    elif fault == "change_delivery_id" and records:
        at = pick(records)
        records[at] = replace(records[at], delivery_id=f"other{at}")
    elif fault == "duplicate_decision" and decisions:
        copy = decisions[pick(decisions)]
        decisions.append(replace(copy, place=Place("audit", 2, next(_FRESH))))
    elif fault == "contradict_decision" and decisions:
        # The same decision id written again by a writer that decided on a stale state.
        copy = decisions[pick(decisions)]
        other = "WITHHELD" if copy.outcome != "WITHHELD" else "DELIVERED"
        decisions.append(
            replace(copy, place=Place("audit", 2, next(_FRESH)), outcome=other, reason="STALE")
        )
    elif fault == "duplicate_delivery" and records:
        copy = records[pick(records)]
        records.append(replace(copy, place=Place(copy.place.topic, 3, next(_FRESH))))
    elif fault == "unreadable_record" and records:
        at = pick(records)
        records[at] = replace(records[at], delivery_id=None)


@settings(max_examples=300, deadline=None)
@given(clean_books(), st.lists(st.sampled_from(FAULTS), max_size=4), st.data())
def test_ledger_agrees_with_the_reference(
    books: Any, faults: list[str], data: st.DataObject
) -> None:
    inputs, decisions, records = books
    for fault in faults:
        inject(fault, data, (inputs, decisions, records))
    ledger = reconcile(inputs, decisions, records, dead_letter_id_of=letter_of)
    expected = reference(inputs, decisions, records)
    assert observed(ledger) == expected
    unbalancing = [k for k, v in expected.items() if v and not k.startswith("duplicate")]
    assert ledger.balanced == (not unbalancing)


@settings(max_examples=100, deadline=None)
@given(clean_books())
def test_clean_books_balance(books: Any) -> None:
    ledger = reconcile(*books, dead_letter_id_of=letter_of)
    assert ledger.balanced
    assert not ledger.duplicate_decisions
    assert not ledger.duplicate_deliveries
    assert ledger.inputs == len(books[0])


def test_a_crash_republish_is_a_duplicate_not_an_imbalance() -> None:
    """The worker published a delivery, crashed before its audit record, and replayed."""
    first, second = Place("rcpt", 0, 0), Place("rcpt", 0, 1)
    inputs = [InputRecord(Place("agency", 0, 0), "e1")]
    decision = LedgerDecision(Place("audit", 0, 0), "d1", "e1", None, "DELIVERED", "r", second, "x")
    records = [RecipientRecordRef(first, "x"), RecipientRecordRef(second, "x")]
    ledger = reconcile(inputs, [decision], records, dead_letter_id_of=letter_of)
    assert ledger.balanced
    assert ledger.duplicate_deliveries == {"x": [first, second]}


def test_a_deleted_record_is_missing() -> None:
    inputs = [InputRecord(Place("agency", 0, 0), "e1")]
    decision = LedgerDecision(
        Place("audit", 0, 0), "d1", "e1", None, "DELIVERED", "r", Place("rcpt", 0, 0), "x"
    )
    ledger = reconcile(inputs, [decision], [], dead_letter_id_of=letter_of)
    assert not ledger.balanced
    assert ledger.deliveries_missing == [decision]


def test_a_re_send_is_told_from_a_reused_event_id() -> None:
    """Same id and content twice is a re-send; same id, other content, a collision."""
    inputs = [
        InputRecord(Place("agency", 0, 0), "e-1", b"same"),
        InputRecord(Place("agency", 1, 5), "e-1", b"same"),
        InputRecord(Place("agency", 0, 1), "e-2", b"first"),
        InputRecord(Place("agency", 2, 3), "e-2", b"other"),
        InputRecord(Place("agency", 0, 2), "e-3", b"alone"),
    ]
    decisions = [
        LedgerDecision(Place("audit", 0, n), f"d-{n}", event_id, None, "WITHHELD")
        for n, event_id in enumerate(("e-1", "e-2", "e-3"))
    ]
    ledger = reconcile(inputs, decisions, [], dead_letter_id_of=letter_of)
    assert ledger.resent_events == {"e-1": [Place("agency", 0, 0), Place("agency", 1, 5)]}
    assert ledger.event_id_collisions == {"e-2": [Place("agency", 0, 1), Place("agency", 2, 3)]}
    assert ledger.problems()["event ids reused for different events"] == 1


def test_one_decision_id_with_two_outcomes_unbalances_the_books() -> None:
    """A stale writer wrote a decision again with another outcome (issue 12, part 4)."""
    inputs = [InputRecord(Place("agency", 0, 0), "e1")]
    first = LedgerDecision(
        Place("audit", 0, 0), "d1", "e1", None, "WITHHELD", "r", reason="NOT_ASSIGNED"
    )
    stale = replace(first, place=Place("audit", 0, 7), reason="NO_CONSENT")
    ledger = reconcile(inputs, [first, stale], [], dead_letter_id_of=letter_of)
    assert ledger.contradictory_decisions == {"d1": [first.place, stale.place]}
    assert not ledger.balanced
    assert ledger.problems()["decision ids with two outcomes"] == 1


def test_rejections_under_one_event_id_for_different_reasons_are_not_contradictory() -> None:
    inputs = [InputRecord(Place("agency", 0, n), "e1") for n in range(2)]
    decisions = [
        LedgerDecision(Place("audit", 0, n), "d1", "e1", None, "REJECTED", reason=reason)
        for n, reason in enumerate(("BAD_PERSONAL_ID", "EVENT_ID_REUSED"))
    ]
    ledger = reconcile(inputs, decisions, [], dead_letter_id_of=letter_of)
    assert ledger.contradictory_decisions == {}
    assert ledger.balanced
