"""Corrections (GDPR art. 16 and 19; issue 11, part 4).

``CORRECTION`` names an earlier event (``corrects_event_id``) and carries its corrected body.
It goes to exactly the recipients that received the original (live or in a handover), each
minimised and encrypted for the purposes, legal basis and consent of that delivery, and to
no one else: art. 19 obliges the controller to tell each recipient it disclosed to, and only
them. So the hub keeps, per jobseeker, who received each correctable event
(:class:`~lovhub.core.state.Receipt`: recipient ids, purposes, basis; no personal data),
bounded by the agency topic's retention (:data:`RECEIPT_DAYS`): a correction can only name
an event the topic still holds.

A recipient that received the original still gets nothing when it may receive nothing at all
now (unknown, suspended, terminated, uninsured, without an undertaking or agreement, or
keeping data outside the allowed countries: check 1 of :mod:`lovhub.core.decide`), or
while processing is restricted (``RESTRICTED``). Its basis is not re-decided: the correction
follows a disclosure that happened. A correction of an event no one received is decided
``NO_CANDIDATE``. The held fact (for later handovers) takes the corrected body when it is the
corrected event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from lovhub.core.decide import (
    Decision,
    LegalBasis,
    PolicyView,
    RecipientView,
    judged_instant,
    recipient_reason,
)
from lovhub.core.facts import project
from lovhub.core.reasons import Outcome, Reason
from lovhub.core.state import JobseekerState, Receipt

__all__ = [
    "CORRECTABLE_TYPES",
    "RECEIPT_DAYS",
    "apply_correction",
    "corrected_event",
    "correction_decisions",
    "record_receipt",
]

#: The agency topic's retention (provisioning.topology): older receipts are dropped.
RECEIPT_DAYS = 400
CORRECTABLE_TYPES = frozenset(
    {
        "REGISTRATION",
        "ASSESSMENT",
        "PLAN_UPDATED",
        "CONTACT_DETAILS_CHANGED",
        "HEALTH_RESTRICTION_RECORDED",
        "DEREGISTRATION",
    }
)
_TYPE_OF_BODY = {
    "se.lovhub.agency.Registration": "REGISTRATION",
    "se.lovhub.agency.Assessment": "ASSESSMENT",
    "se.lovhub.agency.PlanUpdated": "PLAN_UPDATED",
    "se.lovhub.agency.ContactDetailsChanged": "CONTACT_DETAILS_CHANGED",
    "se.lovhub.agency.HealthRestrictionRecorded": "HEALTH_RESTRICTION_RECORDED",
    "se.lovhub.agency.Deregistration": "DEREGISTRATION",
}


def record_receipt(
    state: JobseekerState,
    event_id: str,
    event_type: str,
    day: dt.date,
    decision: Decision,
) -> JobseekerState:
    """The state remembering that ``decision`` delivered event ``event_id``; receipts older
    than :data:`RECEIPT_DAYS` before ``day`` are dropped on the way."""
    if event_type not in CORRECTABLE_TYPES or decision.recipient_id is None:
        return state
    held = state.receipts.get(event_id)
    entry = (decision.purposes, decision.legal_basis.value, decision.consent_id)
    if held is not None and held.recipients.get(decision.recipient_id) == entry:
        return state
    horizon = day - dt.timedelta(days=RECEIPT_DAYS)
    receipts = {k: r for k, r in state.receipts.items() if r.day >= horizon}
    recipients = dict(held.recipients) if held is not None else {}
    recipients[decision.recipient_id] = entry
    receipts[event_id] = Receipt(event_type, held.day if held else day, recipients)
    return state.evolve(receipts=receipts)


def corrected_event(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The correction as an event of the original's type (the corrected body, the
    correction's own id and time), or None when the body is no correctable type."""
    correction = event["body"][1]
    body_type, body = correction["corrected"]
    event_type = _TYPE_OF_BODY.get(body_type)
    if event_type is None:
        return None
    return {**event, "event_type": event_type, "body": (body_type, body)}


def apply_correction(
    state: JobseekerState, event: Mapping[str, Any], paths: Sequence[str]
) -> JobseekerState:
    """The held fact takes the corrected body when it is the event corrected."""
    corrected = corrected_event(event)
    if corrected is None:
        return state
    held = state.facts.get(corrected["event_type"])
    if held is None or held.event_id != event["body"][1]["corrects_event_id"] or not paths:
        return state
    fixed = replace(held, body=project(corrected["body"][1], paths))
    return state.evolve(facts={**state.facts, corrected["event_type"]: fixed})


def correction_decisions(
    state: JobseekerState,
    event: Mapping[str, Any],
    position: int,
    policy: PolicyView,
    recipients: Mapping[str, RecipientView],
    *,
    ingested_at: dt.datetime | None = None,
) -> list[Decision]:
    """One decision per recipient of the corrected event (sorted), or one NO_CANDIDATE."""
    corrected = corrected_event(event)
    receipt = state.receipts.get(event["body"][1]["corrects_event_id"])
    if corrected is None or receipt is None or receipt.event_type != corrected["event_type"]:
        return [Decision.withheld(None, Reason.NO_CANDIDATE)]
    when = judged_instant(event["occurred_at"], ingested_at)
    decisions = []
    for recipient_id in sorted(receipt.recipients):
        unfit = recipient_reason(recipients.get(recipient_id), when, policy)
        if unfit is None and state.restricted(position):
            unfit = Reason.RESTRICTED
        if unfit is not None:
            decisions.append(Decision.withheld(recipient_id, unfit))
            continue
        purposes, basis, consent_id = receipt.recipients[recipient_id]
        rules = tuple(r for p in purposes for r in policy.rules_for(receipt.event_type, p))
        if not rules:
            decisions.append(Decision.withheld(recipient_id, Reason.NOTHING_ALLOWED))
            continue
        decisions.append(
            Decision(
                recipient_id,
                Outcome.DELIVERED,
                None,
                purposes,
                LegalBasis(basis),
                consent_id,
                rules,
            )
        )
    return decisions
