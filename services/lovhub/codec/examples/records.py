"""Synthetic reports, recipient records, audit records and dead letters."""

from __future__ import annotations

import random

from lovhub.codec.examples._common import PROVIDERS, Record, day, instant, new_uuid
from lovhub.codec.validation import REPORT_BODY_TYPES
from lovhub.identity import synthetic_organisation_number

__all__ = [
    "agency_provider_report",
    "audit_checkpoint",
    "audit_decision",
    "dead_letter",
    "provider_report",
    "recipient_record",
]


def provider_report(rng: random.Random, *, report_type: str = "ACTIVITY") -> Record:
    """A valid ``ProviderReport`` of ``report_type``."""
    bodies: dict[str, Record] = {
        "ACTIVITY": {
            "activity_code": "A-CV",
            "occurred_on": day(rng),
            "duration_minutes": rng.choice((30, 60, 90)),
            "note": None,
        },
        "ABSENCE": {"absent_from": day(rng), "absent_to": day(rng), "kind": "NOTIFIED"},
        "OUTCOME": {
            "outcome": "STARTED_WORK",
            "outcome_date": day(rng),
            "employer_org_number": synthetic_organisation_number(rng),
            "extent_percent": 100,
        },
    }
    if report_type == "ABSENCE":
        first, last = sorted((bodies["ABSENCE"]["absent_from"], bodies["ABSENCE"]["absent_to"]))
        bodies["ABSENCE"].update(absent_from=first, absent_to=last)
    return {
        "report_id": new_uuid(rng),
        "report_type": report_type,
        "provider_id": rng.choice(PROVIDERS),
        "jobseeker_pseudonym": f"ps-{rng.getrandbits(96):024x}",
        "assignment_id": new_uuid(rng),
        "report_date": day(rng),
        "submitted_at": instant(rng),
        "body": (REPORT_BODY_TYPES[report_type], bodies[report_type]),
    }


def agency_provider_report(rng: random.Random) -> Record:
    report = provider_report(rng, report_type="OUTCOME")
    del report["jobseeker_pseudonym"]
    return {
        **report,
        "jobseeker_id": f"AS-{rng.randrange(10**9):09d}",
        "received_at": instant(rng),
    }


def recipient_record(rng: random.Random) -> Record:
    return {
        "delivery_id": new_uuid(rng),
        "decision_id": new_uuid(rng),
        "event_id": new_uuid(rng),
        "event_type": "REGISTRATION",
        "occurred_at": instant(rng),
        "recipient_id": rng.choice(PROVIDERS),
        "jobseeker_pseudonym": f"ps-{rng.getrandbits(96):024x}",
        "purposes": ["lov.preparation"],
        "legal_basis": "ASSIGNMENT",
        "policy_version": "2025-03",
        "redelivery": False,
        "fields": [
            {"path": "body.birth_year", "value": 1987, "encrypted": None},
            {"path": "body.address.municipality_code", "value": "1480", "encrypted": None},
            {"path": "body.languages", "value": "sv,en", "encrypted": None},
            {"path": "body.given_name", "value": None, "encrypted": rng.randbytes(48)},
            {"path": "body.registered", "value": True, "encrypted": None},
        ],
        "data_key": {
            "data_key_id": new_uuid(rng),
            "key_id": "jobbcoach-syd-2025-01",
            "suite_id": "hpke-x25519-sha256-aes256gcm",
            "encapsulated_key": rng.randbytes(32),
            "wrapped_key": rng.randbytes(48),
        },
    }


def audit_decision(rng: random.Random) -> Record:
    return {
        "decision_id": new_uuid(rng),
        "sequence": rng.randrange(10**6),
        "event_id": new_uuid(rng),
        "event_type": "REGISTRATION",
        "jobseeker_audit_pseudonym": f"au-{rng.getrandbits(128):032x}",
        "recipient_id": rng.choice(PROVIDERS),
        "outcome": "DELIVERED",
        "reason_code": None,
        "purposes": ["lov.preparation"],
        "legal_basis": "ASSIGNMENT",
        "consent_id": None,
        "delivered_fields": ["body.birth_year", "body.address.municipality_code"],
        "policy_version": "2025-03",
        "key_id": "jobbcoach-syd-2025-01",
        "decided_at": instant(rng),
        "event_occurred_at": instant(rng),
        "delivery_topic": "lov.provider.jobbcoach-syd.v1",
        "delivery_partition": rng.randrange(6),
        "delivery_offset": rng.randrange(10**9),
        "delivery_id": new_uuid(rng),
        "dead_letter_id": None,
        "redelivery": False,
        "prev_hash": rng.randbytes(32),
        "hash": rng.randbytes(32),
    }


def audit_checkpoint(rng: random.Random) -> Record:
    offset = rng.randrange(10**9)
    return {
        "checkpoint_id": new_uuid(rng),
        "audit_topic": "lov.hub.audit.v1",
        "partition": rng.randrange(6),
        "offset": offset,
        "chain_head": rng.randbytes(32),
        "count": offset + 1,
        "signed_at": instant(rng),
        "key_id": "hub-signing-2025-01",
        "signature_algorithm": "Ed25519",
        "signature": rng.randbytes(64),
    }


def dead_letter(rng: random.Random) -> Record:
    return {
        "dead_letter_id": new_uuid(rng),
        "source_topic": "lov.agency.jobseeker-events.v1",
        "source_partition": rng.randrange(6),
        "source_offset": rng.randrange(10**9),
        "received_at": instant(rng),
        "reason": "BAD_PERSONAL_ID",
        "error_code": "INVALID_FIELD",
        "field_path": "body.personal_id",
        "detail": "invalid field body.personal_id: BAD_PERSONAL_ID",
        "operator_key_id": "operators-2025-01",
        "encrypted_payload": rng.randbytes(200),
    }
