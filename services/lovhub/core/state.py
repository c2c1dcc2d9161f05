"""What the hub knows about one jobseeker: consents, assignments, protected identity, and
the latest of each deliverable fact (:mod:`lovhub.core.facts`, for handovers).

Every fact carries the log position (the agency topic offset; one jobseeker's events share a
partition, so positions are ordered per jobseeker) at which it began and, if so, ended. A
decision for the event at position ``p`` looks only at facts in force at ``p``; an
assignment end or a consent withdrawal takes effect for every later event (the ending event
itself is still decided under the basis it ends, so a provider learns its assignment
ended). That makes
decisions a pure function of (state, event): replaying an event after a crash, when the
stored state already includes later events, gives the same decision as the first time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = [
    "Assignment",
    "Consent",
    "Fact",
    "JobseekerState",
    "Receipt",
    "apply_event",
    "is_state_event",
]

STATE_EVENT_TYPES = frozenset(
    {
        "ASSIGNMENT_STARTED",
        "ASSIGNMENT_ENDED",
        "CONSENT_GIVEN",
        "CONSENT_WITHDRAWN",
        "PROTECTED_IDENTITY_SET",
        "PROTECTED_IDENTITY_CLEARED",
        "RESTRICTION_SET",
        "RESTRICTION_CLEARED",
    }
)
# Flags in force from the position of the event that sets them: (set, cleared) types.
_FLAG_EVENTS = {
    "PROTECTED_IDENTITY_SET": ("protection_changes", True),
    "PROTECTED_IDENTITY_CLEARED": ("protection_changes", False),
    "RESTRICTION_SET": ("restriction_changes", True),
    "RESTRICTION_CLEARED": ("restriction_changes", False),
    # Delivered events, not state events; the hub also remembers whether they left the
    # person registered, to answer a registration-status consent at once.
    "REGISTRATION": ("registration_changes", True),
    "DEREGISTRATION": ("registration_changes", False),
}


def is_state_event(event_type: str) -> bool:
    return event_type in STATE_EVENT_TYPES


def _in_force(since: int, ended_at: int | None, position: int) -> bool:
    """An end takes effect for every later event; the ending event itself still sees it."""
    return since <= position and (ended_at is None or position <= ended_at)


@dataclass(frozen=True, slots=True)
class Assignment:
    assignment_id: str
    provider_id: str
    purposes: frozenset[str]
    valid_from: dt.date
    valid_to: dt.date | None
    since: int
    ended_at: int | None = None
    # The last day the end event names. Decisions never look at it (they use ended_at, so a
    # replay decides as the first run did); the report check needs the real last day.
    ended_on: dt.date | None = None

    def active(self, position: int, day: dt.date) -> bool:
        if not _in_force(self.since, self.ended_at, position):
            return False
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def last_day_before(self, position: int, day: dt.date) -> dt.date | None:
        """The last day of an assignment that was in force and is over for the event at
        (``position``, ``day``): ended by an end event earlier in the log (the last day
        it names), or run past its ``valid_to``. None while in force, before it began,
        and for an end without a start (never a basis, so never followed up either)."""
        if self.since > position or (self.ended_at is not None and self.ended_at < self.since):
            return None
        if self.ended_at is not None and self.ended_at < position:
            return self.ended_on or self.valid_to
        if self.valid_to is not None and self.valid_to < day:
            return self.valid_to
        return None


@dataclass(frozen=True, slots=True)
class Consent:
    consent_id: str
    recipient_id: str
    purposes: frozenset[str]
    data_categories: frozenset[str]
    valid_until: dt.datetime | None
    since: int
    withdrawn_at: int | None = None
    # delivery_mode ONCE (issue 11, part 2): a third party gets one answer, at the consent
    # itself; for every later event the consent is spent. WHILE_VALID: until it lapses.
    once: bool = False

    def given(self, position: int) -> bool:
        return self.since <= position

    def spent(self, position: int) -> bool:
        return self.once and self.since < position

    def withdrawn(self, position: int) -> bool:
        return self.withdrawn_at is not None and self.withdrawn_at < position

    def expired(self, when: dt.datetime) -> bool:
        return self.valid_until is not None and when >= self.valid_until

    def active(self, position: int, when: dt.datetime) -> bool:
        return self.given(position) and not self.withdrawn(position) and not self.expired(when)


@dataclass(frozen=True, slots=True)
class Fact:
    """The latest event of one deliverable type, projected on the paths some policy rule
    reads (collect less): what a handover re-decides when an assignment starts."""

    event_id: str
    event_type: str
    body_type: str  # the body record's full name, as the union branch names it
    occurred_at: dt.datetime
    body: Mapping[str, Any]
    since: int

    def as_event(self, jobseeker_id: str) -> dict[str, Any]:
        """The fact in the shape of the event it came from (minimisation reads that)."""
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "occurred_at": self.occurred_at,
            "jobseeker_id": jobseeker_id,
            "body": (self.body_type, dict(self.body)),
        }


@dataclass(frozen=True, slots=True)
class Receipt:
    """Who received an event (live or handed over), as a correction needs to know."""

    event_type: str
    day: dt.date  # the original event's day: receipts older than the agency topic's
    # retention are dropped (no correction can name an event the topic no longer holds)
    recipients: Mapping[str, tuple[tuple[str, ...], str, str | None]]  # id -> (purposes,
    # legal basis, consent id) of the delivery


@dataclass(frozen=True, slots=True)
class JobseekerState:
    assignments: Mapping[str, Assignment] = field(default_factory=dict)
    consents: Mapping[str, Consent] = field(default_factory=dict)
    # (position, protected?) changes in log order; the last one at or before p is in force.
    protection_changes: tuple[tuple[int, bool], ...] = ()
    # (position, restricted?) changes (GDPR art. 18), in force like protection.
    restriction_changes: tuple[tuple[int, bool], ...] = ()
    # (position, registered?): REGISTRATION and DEREGISTRATION, for status answers.
    registration_changes: tuple[tuple[int, bool], ...] = ()
    # event type -> the latest fact of that type (lovhub.core.facts); personal, so the
    # shell seals it at rest (lovhub.crypto.state_keys).
    facts: Mapping[str, Fact] = field(default_factory=dict)
    # agency event id -> who received it (lovhub.core.correction); ids and purposes only.
    receipts: Mapping[str, Receipt] = field(default_factory=dict)

    def evolve(self, **changes: Any) -> JobseekerState:
        """``dataclasses.replace(self, **changes)``, without inspecting the fields each time
        (this runs for most events and every delivery)."""
        for name in _STATE_FIELDS:
            if name not in changes:
                changes[name] = getattr(self, name)
        return JobseekerState(**changes)

    def protected(self, position: int) -> bool:
        return _flag_at(self.protection_changes, position)

    def restricted(self, position: int) -> bool:
        return _flag_at(self.restriction_changes, position)

    def registered(self, position: int) -> bool:
        return _flag_at(self.registration_changes, position)

    def recipients_known(self, position: int) -> frozenset[str]:
        """Recipients with any assignment or consent begun at or before ``position``."""
        providers = {a.provider_id for a in self.assignments.values() if a.since <= position}
        third = {c.recipient_id for c in self.consents.values() if c.since <= position}
        return frozenset(providers | third)


_STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(JobseekerState))


def _flag_at(changes: tuple[tuple[int, bool], ...], position: int) -> bool:
    flag = False
    for since, value in changes:
        if since > position:
            break
        flag = value
    return flag


def _body(event: Mapping[str, Any]) -> Mapping[str, Any]:
    body = event["body"]
    payload: Mapping[str, Any] = body[1] if isinstance(body, tuple) else body
    return payload


def apply_event(state: JobseekerState, event: Mapping[str, Any], position: int) -> JobseekerState:
    """The state after ``event`` at ``position``. Idempotent: re-applying changes nothing."""
    event_type = event["event_type"]
    if event_type not in STATE_EVENT_TYPES and event_type not in _FLAG_EVENTS:
        return state
    body = _body(event)
    if event_type == "ASSIGNMENT_STARTED":
        existing = state.assignments.get(body["assignment_id"])
        if existing is not None:
            return state
        started = Assignment(
            assignment_id=body["assignment_id"],
            provider_id=body["provider_id"],
            purposes=frozenset(body["purposes"]),
            valid_from=body["valid_from"],
            valid_to=body.get("valid_to"),
            since=position,
        )
        return state.evolve(assignments={**state.assignments, started.assignment_id: started})
    if event_type == "ASSIGNMENT_ENDED":
        return _end_assignment(state, body, position)
    if event_type == "CONSENT_GIVEN":
        if body["consent_id"] in state.consents:
            return state
        consent = Consent(
            consent_id=body["consent_id"],
            recipient_id=body["recipient_id"],
            purposes=frozenset(body["purposes"]),
            data_categories=frozenset(body["data_categories"]),
            valid_until=body.get("valid_until"),
            since=position,
            # Absent before schema v3: the schema's default, ONCE.
            once=body.get("delivery_mode", "ONCE") == "ONCE",
        )
        return state.evolve(consents={**state.consents, consent.consent_id: consent})
    if event_type == "CONSENT_WITHDRAWN":
        return _withdraw_consent(state, body, position)
    name, value = _FLAG_EVENTS[event_type]
    held: tuple[tuple[int, bool], ...] = getattr(state, name)
    if any(since == position for since, _ in held):
        return state
    changes = tuple(sorted((*held, (position, value))))
    if name == "protection_changes":
        return state.evolve(protection_changes=changes)
    if name == "restriction_changes":
        return state.evolve(restriction_changes=changes)
    return state.evolve(registration_changes=changes)


def _end_assignment(
    state: JobseekerState, body: Mapping[str, Any], position: int
) -> JobseekerState:
    current = state.assignments.get(body["assignment_id"])
    if current is None:
        # Ended without a start we saw (started before the hub went live, or out of order):
        # remember it as over *before* this event, so it is never a basis, not even for the
        # ending event itself, and a start arriving later cannot reopen it.
        never = Assignment(
            assignment_id=body["assignment_id"],
            provider_id=body["provider_id"],
            purposes=frozenset(body["purposes"]),
            valid_from=body["valid_from"],
            valid_to=body["valid_to"],
            since=position,
            ended_at=position - 1,
            ended_on=body.get("valid_to"),
        )
        return state.evolve(assignments={**state.assignments, never.assignment_id: never})
    if current.since > position or (current.ended_at is not None and current.ended_at <= position):
        return state
    ended = replace(current, ended_at=position, ended_on=body.get("valid_to"))
    return state.evolve(assignments={**state.assignments, ended.assignment_id: ended})


def _withdraw_consent(
    state: JobseekerState, body: Mapping[str, Any], position: int
) -> JobseekerState:
    current = state.consents.get(body["consent_id"])
    if current is None:
        return state  # nothing we hold to withdraw; the event is still audited
    # A withdrawal naming the right consent but another recipient still withdraws it:
    # the person said no to this consent, and a wrong recipient id must not keep it alive.
    if current.since > position:
        return state  # replayed withdrawal from before this consent was given: not its own
    if current.withdrawn_at is not None and current.withdrawn_at <= position:
        return state
    withdrawn = replace(current, withdrawn_at=position)
    return state.evolve(consents={**state.consents, withdrawn.consent_id: withdrawn})
