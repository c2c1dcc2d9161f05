"""Synthetic ``JobseekerEvent`` records: one generator per event type."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from lovhub.codec.examples._common import PROVIDERS, THIRD_PARTIES, Record, day, instant, new_uuid
from lovhub.codec.validation import CORRECTABLE_BODY_TYPES, EVENT_BODY_TYPES
from lovhub.identity import synthetic_personal_id

__all__ = ["EVENT_TYPES", "LATEST_VERSION", "event_types_in", "jobseeker_event"]

EVENT_TYPES = tuple(EVENT_BODY_TYPES)
#: The ``JobseekerEvent`` version the generator writes unless told otherwise.
LATEST_VERSION = 3
# Event types a version added; the others are in every version.
_ADDED_IN = {"CORRECTION": 3, "RESTRICTION_SET": 3, "RESTRICTION_CLEARED": 3}
_PURPOSES = ("lov.preparation", "lov.matching", "lov.compensation")
_CATEGORIES = ("registration_status", "contact_details", "health_restrictions")
_GIVEN = ("Astrid", "Karin", "Erik", "Lars", "Maja", "Ali", "Fatima", "Johan", "Sara", "Nils")
_FAMILY = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Lind")
# Real municipality codes and towns (public reference data), fictitious streets.
_PLACES = (
    ("0180", "Stockholm", "11"),
    ("1480", "Göteborg", "41"),
    ("1280", "Malmö", "21"),
    ("0380", "Uppsala", "75"),
    ("2480", "Umeå", "90"),
    ("1880", "Örebro", "70"),
)
_GROUNDS = ("ACCURACY_CONTESTED", "UNLAWFUL_PROCESSING", "NO_LONGER_NEEDED", "OBJECTION_PENDING")
_STREETS = ("Storgatan", "Kyrkogatan", "Skolvägen", "Björkvägen", "Ringvägen", "Industrigatan")


def _address(rng: random.Random) -> Record:
    code, city, postal_prefix = rng.choice(_PLACES)
    return {
        "street": f"{rng.choice(_STREETS)} {rng.randrange(1, 80)}",
        "postal_code": f"{postal_prefix}{rng.randrange(100, 1000)}",
        "municipality_code": code,
        "city": city,
    }


def _registration(rng: random.Random, version: int) -> Record:
    personal_id = synthetic_personal_id(rng, coordination=rng.random() < 0.1)
    day = int(personal_id[6:8]) % 60
    body: Record = {
        "personal_id": personal_id,
        "given_name": rng.choice(_GIVEN),
        "family_name": rng.choice(_FAMILY),
        "birth_date": datetime.date(int(personal_id[:4]), int(personal_id[4:6]), day),
        "address": _address(rng) if rng.random() < 0.9 else None,
        "registered_at": instant(rng),
        "education_level": rng.choice(("PRIMARY", "UPPER_SECONDARY", "POST_SECONDARY_LONG")),
        "languages": rng.sample(("sv", "en", "ar", "so", "fi", "fa"), k=rng.randrange(1, 3)),
    }
    if version >= 2:
        body["preferred_language"] = body["languages"][0]
    return body


def _assessment(rng: random.Random, version: int) -> Record:
    automated = rng.random() < 0.7
    return {
        "assessment_id": new_uuid(rng),
        "distance_category": rng.choice(("CLOSE", "SOME_DISTANCE", "FAR", "VERY_FAR")),
        "support_need": rng.choice(("LOW", "MEDIUM", "HIGH")),
        "method": "AUTOMATED" if automated else "MANUAL",
        "model_version": "bedomning-2025.2" if automated else None,
        "reasons": [
            {"code": "R12", "text": "Kort tidigare arbetslivserfarenhet"},
            {"code": "R31", "text": "Utbildning matchar efterfrågade yrken"},
        ][: rng.randrange(1, 3)],
    }


def _assignment(rng: random.Random, ended: bool) -> Record:
    valid_from = day(rng)
    valid_to = valid_from + datetime.timedelta(days=rng.randrange(30, 365))
    return {
        "assignment_id": new_uuid(rng),
        "provider_id": rng.choice(PROVIDERS),
        "service_code": "KROM",
        "purposes": list(_PURPOSES[: rng.randrange(1, 4)]),
        "valid_from": valid_from,
        "valid_to": valid_to if ended or rng.random() < 0.5 else None,
    }


def _plan(rng: random.Random, version: int) -> Record:
    start = day(rng)
    return {
        "plan_id": new_uuid(rng),
        "activities": [
            {"activity_code": "A-CV", "starts_on": start, "ends_on": None},
            {
                "activity_code": "A-INTERVJU",
                "starts_on": start,
                "ends_on": start + datetime.timedelta(days=14),
            },
        ],
        "note": "Har körkort, vill arbeta inom logistik." if rng.random() < 0.5 else None,
    }


def _contact(rng: random.Random, version: int) -> Record:
    return {
        "phone": f"+4670{rng.randrange(1_000_000, 10_000_000)}",
        "email": f"person{rng.randrange(10_000)}@example.se",
        "address": _address(rng),
    }


def _consent_given(rng: random.Random, version: int) -> Record:
    channel = rng.choice(("WEB", "PHONE", "OFFICE"))
    body: Record = {
        "consent_id": new_uuid(rng),
        "recipient_id": rng.choice(PROVIDERS + THIRD_PARTIES),
        "purposes": ["consent.registration-status"],
        "data_categories": list(_CATEGORIES[: rng.randrange(1, 4)]),
        "valid_until": instant(rng) if rng.random() < 0.5 else None,
        "channel": channel,
        "recorded_by": "handlaggare-0042" if channel != "WEB" else None,
    }
    if version >= 3:
        # Derived, not drawn, so a seed gives the same events as in version 2 otherwise.
        # A third party asks once, about its own case; a provider's consent lasts.
        third_party = body["recipient_id"] in THIRD_PARTIES
        body["reference"] = f"ARENDE-{body['consent_id'][:8].upper()}" if third_party else None
        body["delivery_mode"] = "ONCE" if third_party else "WHILE_VALID"
    return body


def _correction(rng: random.Random, version: int) -> Record:
    corrects_event_id = new_uuid(rng)
    event_type = rng.choice(tuple(CORRECTABLE_BODY_TYPES))
    return {
        "corrects_event_id": corrects_event_id,
        "corrected": (CORRECTABLE_BODY_TYPES[event_type], _BODIES[event_type](rng, version)),
    }


def _body_builders() -> dict[str, Callable[[random.Random, int], Record]]:
    return {
        "REGISTRATION": _registration,
        "ASSESSMENT": _assessment,
        "ASSIGNMENT_STARTED": lambda rng, _v: _assignment(rng, ended=False),
        "ASSIGNMENT_ENDED": lambda rng, _v: _assignment(rng, ended=True),
        "PLAN_UPDATED": _plan,
        "CONTACT_DETAILS_CHANGED": _contact,
        "HEALTH_RESTRICTION_RECORDED": lambda rng, _v: {
            "restriction_code": rng.choice(("FN-RORELSE", "FN-HORSEL", "FN-KOGNITION")),
            "work_ability_percent": rng.choice((25, 50, 75)),
            "valid_until": day(rng),
            "note": None,
        },
        "PROTECTED_IDENTITY_SET": lambda rng, _v: {"kind": "PROTECTED_REGISTRATION"},
        "PROTECTED_IDENTITY_CLEARED": lambda rng, _v: {"kind": "CONFIDENTIALITY_MARKING"},
        "CONSENT_GIVEN": _consent_given,
        "CONSENT_WITHDRAWN": lambda rng, _v: {
            "consent_id": new_uuid(rng),
            "recipient_id": rng.choice(THIRD_PARTIES),
            "channel": "OFFICE",
            "recorded_by": "handlaggare-0042",
        },
        "DEREGISTRATION": lambda rng, _v: {"reason": rng.choice(("WORK", "STUDIES", "OTHER"))},
        "CORRECTION": _correction,
        "RESTRICTION_SET": lambda rng, _v: {
            "restriction_id": new_uuid(rng),
            "grounds": rng.choice(_GROUNDS),
            "recorded_by": "handlaggare-0042" if rng.random() < 0.8 else None,
        },
        "RESTRICTION_CLEARED": lambda rng, _v: {
            "restriction_id": new_uuid(rng),
            "recorded_by": "handlaggare-0042" if rng.random() < 0.8 else None,
        },
    }


_BODIES = _body_builders()


def event_types_in(version: int) -> tuple[str, ...]:
    """The event types ``JobseekerEvent`` version ``version`` can carry."""
    return tuple(t for t in EVENT_TYPES if _ADDED_IN.get(t, 1) <= version)


def jobseeker_event(
    event_type: str,
    rng: random.Random,
    *,
    version: int = LATEST_VERSION,
    jobseeker_id: str | None = None,
    body: Record | None = None,
) -> Record:
    """A valid ``JobseekerEvent`` of ``event_type`` in schema ``version``'s shape;
    ``body`` replaces the generated body fields it names (for ``CORRECTION``, e.g.
    ``body={"corrected": ("se.lovhub.agency.Registration", {...})}``).

    An event type newer than ``version`` (see :func:`event_types_in`) is still generated,
    for code that never encodes it, but the codec refuses to encode it with that version.
    """
    generated = _BODIES[event_type](rng, version)
    record: Record = {
        "event_id": new_uuid(rng),
        "event_type": event_type,
        "occurred_at": instant(rng),
        "producing_system": "af-arbetssokande",
        "jobseeker_id": jobseeker_id or f"AS-{rng.randrange(10**9):09d}",
        "schema_version": version,
        "body": (EVENT_BODY_TYPES[event_type], {**generated, **(body or {})}),
    }
    if version >= 2:
        record["trace_id"] = f"{rng.getrandbits(128):032x}"
    return record
