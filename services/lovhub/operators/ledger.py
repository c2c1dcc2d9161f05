"""Reconciliation: do the agency topic, the audit stream and the recipient topics balance?

The books balance when
- every input record has its decisions: a readable event at least one decision naming its
  event id, an unreadable one a REJECTED decision naming its dead letter (whose id is
  derived from the input's place, see :func:`lovhub.pipeline.ids.dead_letter_id`);
- every decision names an input that exists;
- every DELIVERED decision's record is at the recorded topic/partition/offset and carries
  the recorded delivery id;
- every record on a recipient topic is accounted for by a DELIVERED decision.

The hub delivers at least once, so a crash can leave the same decision twice on the audit
stream or the same delivery id at two offsets (the first copy published, its audit record
not yet written). Those are *duplicates*: counted and listed, and they do not unbalance
the books as long as each copy is accounted for by a decision with its delivery id.
Pure: the CLI reads the topics into these small records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lovhub.core.reasons import Outcome
from lovhub.operators.decisions import Place

__all__ = ["InputRecord", "Ledger", "LedgerDecision", "RecipientRecordRef", "reconcile"]


@dataclass(frozen=True, slots=True)
class InputRecord:
    """One agency record; ``event_id`` is None when it could not be read."""

    place: Place
    event_id: str | None
    #: Digest of the decoded event (lovhub.pipeline.hub.event_digest); tells a true re-send
    #: (same digest) from a reused event id (another digest).
    digest: bytes | None = None


@dataclass(frozen=True, slots=True)
class LedgerDecision:
    place: Place
    decision_id: str
    event_id: str | None
    dead_letter_id: str | None
    outcome: str
    recipient_id: str | None = None
    delivery: Place | None = None
    delivery_id: str | None = None
    redelivery: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RecipientRecordRef:
    """One record on a recipient topic; ``delivery_id`` None when it could not be read."""

    place: Place
    delivery_id: str | None


@dataclass
class Ledger:
    inputs: int = 0
    decisions: int = 0
    records: int = 0
    inputs_without_decision: list[InputRecord] = field(default_factory=list)
    unreadable_not_rejected: list[InputRecord] = field(default_factory=list)
    decisions_without_input: list[LedgerDecision] = field(default_factory=list)
    deliveries_missing: list[LedgerDecision] = field(default_factory=list)
    deliveries_mismatched: list[tuple[LedgerDecision, RecipientRecordRef]] = field(
        default_factory=list
    )
    deliveries_unlocated: list[LedgerDecision] = field(default_factory=list)
    records_without_decision: list[RecipientRecordRef] = field(default_factory=list)
    duplicate_decisions: dict[str, list[Place]] = field(default_factory=dict)
    #: Decision ids written with more than one outcome, reason or recipient: one of the
    #: writes decided on a state that was not the partition's latest (issue 12, part 4).
    contradictory_decisions: dict[str, list[Place]] = field(default_factory=dict)
    duplicate_deliveries: dict[str, list[Place]] = field(default_factory=dict)
    #: Event ids on the agency topic more than once with the same content: re-sends.
    resent_events: dict[str, list[Place]] = field(default_factory=dict)
    #: Event ids on the agency topic for different events: a producer reused an id. The hub
    #: rejects a reuse within a partition (EVENT_ID_REUSED) and keeps other jobseekers'
    #: events apart by their ids; either way the producer must be told.
    event_id_collisions: dict[str, list[Place]] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """Duplicates alone do not unbalance the books; anything unaccounted for does."""
        return not (
            self.inputs_without_decision
            or self.unreadable_not_rejected
            or self.decisions_without_input
            or self.deliveries_missing
            or self.deliveries_mismatched
            or self.deliveries_unlocated
            or self.records_without_decision
            or self.contradictory_decisions
        )

    def problems(self) -> dict[str, int]:
        """Each kind of imbalance and duplicate with its count (zero included)."""
        return {
            "inputs without a decision": len(self.inputs_without_decision),
            "unreadable inputs without a REJECTED decision": len(self.unreadable_not_rejected),
            "decisions without an input": len(self.decisions_without_input),
            "deliveries missing at the recorded offset": len(self.deliveries_missing),
            "deliveries with another delivery id": len(self.deliveries_mismatched),
            "deliveries without a recorded offset": len(self.deliveries_unlocated),
            "recipient records without a decision": len(self.records_without_decision),
            "decision ids with two outcomes": len(self.contradictory_decisions),
            "duplicate decisions": len(self.duplicate_decisions),
            "duplicate deliveries": len(self.duplicate_deliveries),
            "re-sent events": len(self.resent_events),
            "event ids reused for different events": len(self.event_id_collisions),
        }


def reconcile(
    inputs: Iterable[InputRecord],
    decisions: Iterable[LedgerDecision],
    records: Iterable[RecipientRecordRef],
    *,
    dead_letter_id_of: Callable[[Place], str],
) -> Ledger:
    """Balance the three sets of books; see the module docstring for the rules."""
    ledger = Ledger()
    by_event: dict[str, list[LedgerDecision]] = defaultdict(list)
    by_letter: dict[str, list[LedgerDecision]] = defaultdict(list)
    places_of_decision: dict[str, list[Place]] = defaultdict(list)
    verdicts_of_decision: dict[str, set[tuple[str, str | None, str | None]]] = defaultdict(set)
    delivered: list[LedgerDecision] = []
    every: list[LedgerDecision] = []
    for decision in decisions:
        ledger.decisions += 1
        every.append(decision)
        if decision.event_id is not None:
            by_event[decision.event_id].append(decision)
        if decision.dead_letter_id is not None:
            by_letter[decision.dead_letter_id].append(decision)
        places_of_decision[decision.decision_id].append(decision.place)
        if decision.outcome != Outcome.REJECTED:
            # Invalid inputs sharing an event id are rejected under one id for different
            # reasons; a decision is contradictory only for a recipient's outcome.
            verdicts_of_decision[decision.decision_id].add(
                (decision.outcome, decision.reason, decision.recipient_id)
            )
        if decision.outcome == Outcome.DELIVERED:
            delivered.append(decision)

    seen_events: set[str] = set()
    seen_letters: set[str] = set()
    copies: dict[str, list[InputRecord]] = defaultdict(list)
    for record in inputs:
        ledger.inputs += 1
        if record.event_id is not None:
            copies[record.event_id].append(record)
        letter = dead_letter_id_of(record.place)
        seen_letters.add(letter)
        own = list(by_letter.get(letter, ()))
        if record.event_id is not None:
            seen_events.add(record.event_id)
            own += by_event.get(record.event_id, [])
        if not own:
            ledger.inputs_without_decision.append(record)
        elif record.event_id is None and not any(d.outcome == Outcome.REJECTED for d in own):
            ledger.unreadable_not_rejected.append(record)

    for decision in every:
        known = (decision.event_id is not None and decision.event_id in seen_events) or (
            decision.dead_letter_id is not None and decision.dead_letter_id in seen_letters
        )
        if not known:
            ledger.decisions_without_input.append(decision)

    at_place: dict[Place, RecipientRecordRef] = {}
    places_of_delivery: dict[str, list[Place]] = defaultdict(list)
    for ref in records:
        ledger.records += 1
        at_place[ref.place] = ref
        if ref.delivery_id is not None:
            places_of_delivery[ref.delivery_id].append(ref.place)

    claimed_places: set[Place] = set()
    claimed_ids: set[str] = set()
    for decision in delivered:
        if decision.delivery_id is not None:
            claimed_ids.add(decision.delivery_id)
        if decision.delivery is None:
            ledger.deliveries_unlocated.append(decision)
            continue
        claimed_places.add(decision.delivery)
        found = at_place.get(decision.delivery)
        if found is None:
            ledger.deliveries_missing.append(decision)
        elif found.delivery_id != decision.delivery_id:
            ledger.deliveries_mismatched.append((decision, found))

    for place, ref in sorted(at_place.items()):
        if place in claimed_places:
            continue
        if ref.delivery_id is None or ref.delivery_id not in claimed_ids:
            ledger.records_without_decision.append(ref)

    for event_id, same_id in copies.items():
        if len(same_id) < 2:
            continue
        places = sorted(r.place for r in same_id)
        if len({r.digest for r in same_id}) > 1:
            ledger.event_id_collisions[event_id] = places
        else:
            ledger.resent_events[event_id] = places

    ledger.duplicate_decisions = {
        key: sorted(places) for key, places in places_of_decision.items() if len(places) > 1
    }
    ledger.contradictory_decisions = {
        key: sorted(places_of_decision[key])
        for key, verdicts in verdicts_of_decision.items()
        if len(verdicts) > 1
    }
    ledger.duplicate_deliveries = {
        key: sorted(places) for key, places in places_of_delivery.items() if len(places) > 1
    }
    return ledger
