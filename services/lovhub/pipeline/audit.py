"""Audit decision records (the hash chain over them is the audit writer's job)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lovhub.core import Decision
from lovhub.core.reasons import Outcome, Reason
from lovhub.pipeline.delivery import BuiltDelivery
from lovhub.pipeline.ids import decision_id

__all__ = ["audit_decision", "delivered_audit", "unavailable_audit"]


def audit_decision(
    *,
    decision_key: str,
    recipient_id: str | None,
    outcome: str,
    reason: str | None,
    event: dict[str, Any] | None,
    audit_pseudonym: str | None,
    policy_version: str | None,
    now: dt.datetime,
    sequence: int,
    purposes: tuple[str, ...] = (),
    legal_basis: str = "NONE",
    consent_id: str | None = None,
    delivered_fields: tuple[str, ...] = (),
    key_id: str | None = None,
    delivery_id: str | None = None,
    dead_letter_id: str | None = None,
    redelivery: bool = False,
    known_decision_id: str | None = None,
) -> dict[str, Any]:
    """The decision record (chain fields empty). ``known_decision_id``: the caller has
    already derived ``decision_id(decision_key, recipient_id)`` (saves a SHA-1)."""
    if known_decision_id is None:
        known_decision_id = decision_id(decision_key, recipient_id)
    return {
        "decision_id": known_decision_id,
        "sequence": sequence,
        "event_id": event["event_id"] if event else None,
        "event_type": event["event_type"] if event else None,
        "jobseeker_audit_pseudonym": audit_pseudonym,
        "recipient_id": recipient_id,
        "outcome": outcome,
        "reason_code": reason,
        "purposes": list(purposes),
        "legal_basis": legal_basis,
        "consent_id": consent_id,
        "delivered_fields": list(delivered_fields),
        "policy_version": policy_version,
        "key_id": key_id,
        "decided_at": now,
        "event_occurred_at": event["occurred_at"] if event else None,
        "delivery_topic": None,
        "delivery_partition": None,
        "delivery_offset": None,
        "delivery_id": delivery_id,
        "dead_letter_id": dead_letter_id,
        "redelivery": redelivery,
        "prev_hash": b"",
        "hash": b"",
    }


def delivered_audit(
    common: dict[str, Any], decision: Decision, built: BuiltDelivery
) -> dict[str, Any]:
    """The DELIVERED decision for ``built`` (``common``: audit_decision's other arguments)."""
    return audit_decision(
        **common,
        outcome=Outcome.DELIVERED,
        reason=None,
        purposes=decision.purposes,
        legal_basis=decision.legal_basis.value,
        consent_id=decision.consent_id,
        delivered_fields=built.field_paths,
        key_id=built.key_id,
        delivery_id=built.delivery_id,
    )


def unavailable_audit(common: dict[str, Any], decision: Decision) -> dict[str, Any]:
    """A delivery the recipient's unwritable topic keeps back: WITHHELD
    RECIPIENT_UNAVAILABLE with the purposes, basis and consent it would have been delivered
    under, which is what ``lovhub redeliver`` re-delivers it under (bounded by today's
    facts)."""
    return audit_decision(
        **common,
        outcome=Outcome.WITHHELD.value,
        reason=Reason.RECIPIENT_UNAVAILABLE.value,
        purposes=decision.purposes,
        legal_basis=decision.legal_basis.value,
        consent_id=decision.consent_id,
    )
