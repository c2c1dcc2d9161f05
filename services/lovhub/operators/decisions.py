"""Audit decisions as operators see them: where each one sits, filters, JSON-safe form.

Pure: the CLI streams decoded records in and prints what comes out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lovhub.core.reasons import Outcome

__all__ = [
    "AuditedDecision",
    "DecisionFilter",
    "Place",
    "jobseeker_ids_for",
    "json_safe",
    "outcome_counts",
]

OUTCOMES = tuple(outcome.value for outcome in Outcome)


@dataclass(frozen=True, slots=True, order=True)
class Place:
    """Where a record sits in Kafka."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


@dataclass(frozen=True, slots=True)
class AuditedDecision:
    """One decoded audit decision and the place it was read from."""

    place: Place
    decision: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DecisionFilter:
    """Which decisions ``lovhub audit replay`` shows; every criterion left None matches all.

    ``since``/``until`` bound ``decided_at`` (since inclusive, until exclusive);
    ``audit_pseudonyms`` is the set of the jobseeker's audit pseudonyms (one per agency
    jobseeker id the person has had).
    """

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    recipient_id: str | None = None
    event_type: str | None = None
    outcome: str | None = None
    reason: str | None = None
    audit_pseudonyms: frozenset[str] | None = None

    def matches(self, decision: Mapping[str, Any]) -> bool:
        decided_at = decision.get("decided_at")
        if self.since is not None and (decided_at is None or decided_at < self.since):
            return False
        if self.until is not None and (decided_at is None or decided_at >= self.until):
            return False
        checks = (
            (self.recipient_id, "recipient_id"),
            (self.event_type, "event_type"),
            (self.outcome, "outcome"),
            (self.reason, "reason_code"),
        )
        if any(wanted is not None and decision.get(key) != wanted for wanted, key in checks):
            return False
        return (
            self.audit_pseudonyms is None
            or decision.get("jobseeker_audit_pseudonym") in self.audit_pseudonyms
        )


def json_safe(value: Any) -> Any:
    """A decoded Avro value as JSON: bytes as hex, times as ISO 8601, enums as names."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def outcome_counts(decisions: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """How many decisions had each outcome (every outcome present, zero if none)."""
    counts: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
    counts.update(str(d.get("outcome")) for d in decisions)
    return counts


def jobseeker_ids_for(personal_id: str, events: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The agency's jobseeker ids whose registrations carry ``personal_id``.

    Only registrations carry the personal identity number. The caller keeps the result in
    memory only; neither the personal id nor the mapping is ever stored or logged.
    """
    found: set[str] = set()
    for event in events:
        if event.get("event_type") != "REGISTRATION":
            continue
        body = event.get("body")
        payload = body[1] if isinstance(body, tuple) else body
        if isinstance(payload, Mapping) and payload.get("personal_id") == personal_id:
            found.add(str(event["jobseeker_id"]))
    return frozenset(found)
