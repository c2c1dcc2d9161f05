"""Audit decision records (the hash chain over them is the audit writer's job).

A decision's record is two things: whom and what it is about (:class:`AuditSubject`: the
decision's key and id, the recipient, the event, the jobseeker's audit pseudonym, the policy
version, when and where) and its verdict (outcome, reason, and for a delivery its purposes,
basis, fields and ids). One subject is shared by whichever verdict the candidate gets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from lovhub.core import Decision
from lovhub.core.outputs import AuditRecord
from lovhub.core.reasons import Outcome, Reason
from lovhub.pipeline.delivery import BuiltDelivery
from lovhub.pipeline.ids import decision_id

__all__ = [
    "AuditSubject",
    "audit_decision",
    "decided_audit",
    "delivered_audit",
    "unavailable_audit",
]


class AuditSubject:
    """Whom and what a decision is about. A plain class, not a dataclass: compiled, its
    ``__init__`` is native code (one per candidate recipient of every event).

    ``known_decision_id``: the caller has already derived ``decision_id(decision_key,
    recipient_id)`` (saves a SHA-1). ``sequence``: the agency offset for the hub's own
    decisions; 0 where a chained writer numbers its chain."""

    __slots__ = (
        "audit_pseudonym",
        "decision_id",
        "event",
        "now",
        "policy_version",
        "recipient_id",
        "redelivery",
        "sequence",
    )

    def __init__(
        self,
        *,
        decision_key: str,
        recipient_id: str | None,
        event: Mapping[str, Any] | None,
        audit_pseudonym: str | None,
        policy_version: str | None,
        now: dt.datetime,
        sequence: int,
        redelivery: bool = False,
        known_decision_id: str | None = None,
    ) -> None:
        self.decision_id = (
            known_decision_id
            if known_decision_id is not None
            else decision_id(decision_key, recipient_id)
        )
        self.recipient_id = recipient_id
        self.event = event
        self.audit_pseudonym = audit_pseudonym
        self.policy_version = policy_version
        self.now = now
        self.sequence = sequence
        self.redelivery = redelivery


def audit_decision(
    subject: AuditSubject,
    *,
    outcome: str,
    reason: str | None,
    purposes: tuple[str, ...] = (),
    legal_basis: str = "NONE",
    consent_id: str | None = None,
    delivered_fields: tuple[str, ...] = (),
    key_id: str | None = None,
    delivery_id: str | None = None,
    dead_letter_id: str | None = None,
) -> AuditRecord:
    """The decision record of ``subject`` with this verdict (chain fields empty)."""
    event = subject.event
    return {
        "decision_id": subject.decision_id,
        "sequence": subject.sequence,
        "event_id": event["event_id"] if event else None,
        "event_type": event["event_type"] if event else None,
        "jobseeker_audit_pseudonym": subject.audit_pseudonym,
        "recipient_id": subject.recipient_id,
        "outcome": outcome,
        "reason_code": reason,
        "purposes": list(purposes),
        "legal_basis": legal_basis,
        "consent_id": consent_id,
        "delivered_fields": list(delivered_fields),
        "policy_version": subject.policy_version,
        "key_id": key_id,
        "decided_at": subject.now,
        "event_occurred_at": event["occurred_at"] if event else None,
        "delivery_topic": None,
        "delivery_partition": None,
        "delivery_offset": None,
        "delivery_id": delivery_id,
        "dead_letter_id": dead_letter_id,
        "redelivery": subject.redelivery,
        "prev_hash": b"",
        "hash": b"",
    }


def decided_audit(subject: AuditSubject, decision: Decision) -> AuditRecord:
    """A decision that delivers nothing, as the decision core gave it (outcome, reason)."""
    return audit_decision(
        subject,
        outcome=decision.outcome.value,
        reason=decision.reason.value if decision.reason else None,
    )


def delivered_audit(subject: AuditSubject, decision: Decision, built: BuiltDelivery) -> AuditRecord:
    """The DELIVERED decision for ``built``."""
    return audit_decision(
        subject,
        outcome=Outcome.DELIVERED,
        reason=None,
        purposes=decision.purposes,
        legal_basis=decision.legal_basis.value,
        consent_id=decision.consent_id,
        delivered_fields=built.field_paths,
        key_id=built.key_id,
        delivery_id=built.delivery_id,
    )


def unavailable_audit(subject: AuditSubject, decision: Decision) -> AuditRecord:
    """A delivery the recipient's unwritable topic keeps back: WITHHELD
    RECIPIENT_UNAVAILABLE with the purposes, basis and consent it would have been delivered
    under, which is what ``lovhub redeliver`` re-delivers it under (bounded by today's
    facts)."""
    return audit_decision(
        subject,
        outcome=Outcome.WITHHELD.value,
        reason=Reason.RECIPIENT_UNAVAILABLE.value,
        purposes=decision.purposes,
        legal_basis=decision.legal_basis.value,
        consent_id=decision.consent_id,
    )
