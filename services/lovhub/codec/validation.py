"""Checks that Avro cannot express, applied where records enter the hub.

The schema guarantees types; these functions guarantee meaning: ``event_type`` agrees with
the body's record type, personal ids pass the Luhn check and carry a real date, ids have
their formats, catalogue ids are ids and not free text, ranges hold. The first problem
found raises :class:`InvalidFieldError` with a reason code and the field's path, never the
value. Records are in the codec's in-memory form (unions of records as ``(name, dict)``),
decoded with or without logical types (dates as ``date`` or as days since the epoch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Final

from lovhub.codec._checks import (
    CATALOGUE_ID,
    EMAIL,
    LANGUAGE,
    MAX_ITEMS,
    MAX_LONG_TEXT_CHARS,
    MUNICIPALITY_CODE,
    PHONE,
    POSTAL_CODE,
    Fields,
    as_date,
    body_of,
    bounded,
    catalogue_ids,
    fail,
    int_in,
    items,
    join,
    matching,
    optional_text,
    ordered,
    plausible_instant,
    recipient_id,
    text,
    uuid_field,
)
from lovhub.codec.errors import FieldProblem
from lovhub.errors import conceal
from lovhub.identity import is_valid_organisation_number, is_valid_personal_id, parse_personal_id
from lovhub.identity.errors import InvalidPersonalIdError

__all__ = [
    "CORRECTABLE_BODY_TYPES",
    "EVENT_BODY_TYPES",
    "REPORT_BODY_TYPES",
    "validate_jobseeker_event",
    "validate_provider_report",
]

_AGENCY = "se.lovhub.agency."
_REPORT = "se.lovhub.report."
#: event_type symbol -> full name of the body record it requires.
EVENT_BODY_TYPES: Mapping[str, str] = {
    "REGISTRATION": _AGENCY + "Registration",
    "ASSESSMENT": _AGENCY + "Assessment",
    "ASSIGNMENT_STARTED": _AGENCY + "AssignmentStarted",
    "ASSIGNMENT_ENDED": _AGENCY + "AssignmentEnded",
    "PLAN_UPDATED": _AGENCY + "PlanUpdated",
    "CONTACT_DETAILS_CHANGED": _AGENCY + "ContactDetailsChanged",
    "HEALTH_RESTRICTION_RECORDED": _AGENCY + "HealthRestrictionRecorded",
    "PROTECTED_IDENTITY_SET": _AGENCY + "ProtectedIdentitySet",
    "PROTECTED_IDENTITY_CLEARED": _AGENCY + "ProtectedIdentityCleared",
    "CONSENT_GIVEN": _AGENCY + "ConsentGiven",
    "CONSENT_WITHDRAWN": _AGENCY + "ConsentWithdrawn",
    "DEREGISTRATION": _AGENCY + "Deregistration",
    # Added in JobseekerEvent v3.
    "CORRECTION": _AGENCY + "Correction",
    "RESTRICTION_SET": _AGENCY + "RestrictionSet",
    "RESTRICTION_CLEARED": _AGENCY + "RestrictionCleared",
}
#: The event types a CORRECTION can correct -> the record its ``corrected`` body has (the
#: branches of ``Correction.corrected``). State events are ended, withdrawn or cleared by
#: their own events instead.
CORRECTABLE_BODY_TYPES: Mapping[str, str] = {
    event_type: EVENT_BODY_TYPES[event_type]
    for event_type in (
        "REGISTRATION",
        "ASSESSMENT",
        "PLAN_UPDATED",
        "CONTACT_DETAILS_CHANGED",
        "HEALTH_RESTRICTION_RECORDED",
        "DEREGISTRATION",
    )
}
#: A consent's ``reference``: the recipient's own case number, short and printable.
MAX_REFERENCE_CHARS = 64
#: report_type symbol -> full name of the body record it requires.
REPORT_BODY_TYPES: Mapping[str, str] = {
    "ACTIVITY": _REPORT + "ActivityReport",
    "ABSENCE": _REPORT + "AbsenceReport",
    "OUTCOME": _REPORT + "OutcomeReport",
}


def _address(record: Fields, key: str, base: str) -> None:
    address = record.get(key)
    if address is None:
        return
    path = join(base, key)
    if not isinstance(address, Mapping):
        raise fail(FieldProblem.SCHEMA_MISMATCH, path)
    text(address, "street", path)
    matching(address, "postal_code", path, POSTAL_CODE, FieldProblem.BAD_POSTAL_CODE)
    matching(
        address, "municipality_code", path, MUNICIPALITY_CODE, FieldProblem.BAD_MUNICIPALITY_CODE
    )
    text(address, "city", path)


def _registration(body: Fields, base: str) -> None:
    try:
        personal_id = parse_personal_id(body.get("personal_id"), path=join(base, "personal_id"))
    except InvalidPersonalIdError as e:
        raise conceal(fail(FieldProblem.BAD_PERSONAL_ID, e.path))
    text(body, "given_name", base)
    text(body, "family_name", base)
    if as_date(body.get("birth_date")) != personal_id.birth_date:
        raise fail(FieldProblem.BIRTH_DATE_MISMATCH, join(base, "birth_date"))
    _address(body, "address", base)
    languages = body.get("languages") or []
    if not isinstance(languages, list | tuple):
        raise fail(FieldProblem.SCHEMA_MISMATCH, f"{base}.languages")
    bounded(languages, f"{base}.languages")
    for index, language in enumerate(languages):
        if not isinstance(language, str) or LANGUAGE.fullmatch(language) is None:
            raise fail(FieldProblem.BAD_LANGUAGE_CODE, f"{base}.languages[{index}]")
    if body.get("preferred_language") is not None:
        matching(body, "preferred_language", base, LANGUAGE, FieldProblem.BAD_LANGUAGE_CODE)


def _assessment(body: Fields, base: str) -> None:
    uuid_field(body, "assessment_id", base)
    if body.get("method") == "AUTOMATED" and body.get("model_version") is None:
        # An automated decision that cannot be traced to a model version is not accepted.
        raise fail(FieldProblem.MISSING, join(base, "model_version"))
    optional_text(body, "model_version", base)
    reasons = body.get("reasons")
    if not reasons:
        raise fail(FieldProblem.MISSING, join(base, "reasons"))
    for path, reason in items(body, "reasons", base):
        matching(reason, "code", path, CATALOGUE_ID, FieldProblem.BAD_CATALOGUE_ID)
        text(reason, "text", path, max_chars=MAX_LONG_TEXT_CHARS)


def _assignment(body: Fields, base: str) -> None:
    uuid_field(body, "assignment_id", base)
    recipient_id(body, "provider_id", base)
    matching(body, "service_code", base, CATALOGUE_ID, FieldProblem.BAD_CATALOGUE_ID)
    catalogue_ids(body, "purposes", base)
    ordered(body, "valid_from", "valid_to", base)


def _plan(body: Fields, base: str) -> None:
    uuid_field(body, "plan_id", base)
    for path, activity in items(body, "activities", base):
        matching(activity, "activity_code", path, CATALOGUE_ID, FieldProblem.BAD_CATALOGUE_ID)
        ordered(activity, "starts_on", "ends_on", path)


def _contact(body: Fields, base: str) -> None:
    if body.get("phone") is not None:
        matching(body, "phone", base, PHONE, FieldProblem.BAD_FORMAT)
    if body.get("email") is not None:
        matching(body, "email", base, EMAIL, FieldProblem.BAD_FORMAT)
    _address(body, "address", base)


def _health(body: Fields, base: str) -> None:
    matching(body, "restriction_code", base, CATALOGUE_ID, FieldProblem.BAD_CATALOGUE_ID)
    if body.get("work_ability_percent") is None:
        raise fail(FieldProblem.MISSING, join(base, "work_ability_percent"))
    int_in(body, "work_ability_percent", base, 0, 100)


def _consent_recorder(body: Fields, base: str) -> None:
    # At an office a caseworker records the jobseeker's decision, and must be named.
    if body.get("channel") == "OFFICE" and body.get("recorded_by") is None:
        raise fail(FieldProblem.MISSING, join(base, "recorded_by"))
    optional_text(body, "recorded_by", base)


def _reference(body: Fields, base: str) -> None:
    reference = body.get("reference")
    if reference is None:
        return
    path = join(base, "reference")
    if not isinstance(reference, str):
        raise fail(FieldProblem.SCHEMA_MISMATCH, path)
    # It is handed to the recipient as is: no control characters, line breaks or padding
    # that could break or disguise it in the recipient's records and logs.
    if not 1 <= len(reference) <= MAX_REFERENCE_CHARS or not reference.isprintable():
        raise fail(FieldProblem.BAD_FORMAT, path)


def _consent_given(body: Fields, base: str) -> None:
    uuid_field(body, "consent_id", base)
    recipient_id(body, "recipient_id", base)
    catalogue_ids(body, "purposes", base)
    catalogue_ids(body, "data_categories", base)
    plausible_instant(body.get("valid_until"), join(base, "valid_until"))
    _consent_recorder(body, base)
    _reference(body, base)


def _consent_withdrawn(body: Fields, base: str) -> None:
    uuid_field(body, "consent_id", base)
    recipient_id(body, "recipient_id", base)
    _consent_recorder(body, base)


def _no_checks(body: Fields, base: str) -> None:
    """The schema's enums already say everything these bodies can say."""


def _correction(body: Fields, base: str) -> None:
    uuid_field(body, "corrects_event_id", base)
    path = join(base, "corrected")
    corrected = body.get("corrected")
    if not (
        isinstance(corrected, tuple) and len(corrected) == 2 and isinstance(corrected[1], Mapping)
    ):
        raise fail(FieldProblem.SCHEMA_MISMATCH, path)
    name, inner = corrected
    if name not in CORRECTABLE_BODY_TYPES.values():
        raise fail(FieldProblem.TYPE_MISMATCH, path)
    # Exactly the checks an event of the corrected type gets: a correction is no way around them.
    _EVENT_CHECKS[name](inner, path)


def _restriction(body: Fields, base: str) -> None:
    uuid_field(body, "restriction_id", base)
    optional_text(body, "recorded_by", base)


_EVENT_CHECKS: Mapping[str, Callable[[Fields, str], None]] = {
    _AGENCY + "Registration": _registration,
    _AGENCY + "Assessment": _assessment,
    _AGENCY + "AssignmentStarted": _assignment,
    _AGENCY + "AssignmentEnded": _assignment,
    _AGENCY + "PlanUpdated": _plan,
    _AGENCY + "ContactDetailsChanged": _contact,
    _AGENCY + "HealthRestrictionRecorded": _health,
    _AGENCY + "ProtectedIdentitySet": _no_checks,
    _AGENCY + "ProtectedIdentityCleared": _no_checks,
    _AGENCY + "ConsentGiven": _consent_given,
    _AGENCY + "ConsentWithdrawn": _consent_withdrawn,
    _AGENCY + "Deregistration": _no_checks,
    _AGENCY + "Correction": _correction,
    _AGENCY + "RestrictionSet": _restriction,
    _AGENCY + "RestrictionCleared": _restriction,
}


def _bounded_everywhere(value: object, path: str) -> None:
    """No string or list anywhere in the record beyond the bounds, whatever field it is:
    the per-field checks above are tighter where they know the field."""
    if isinstance(value, str):
        if len(value) > MAX_LONG_TEXT_CHARS:
            raise fail(FieldProblem.TOO_LONG, path or "<record>")
    elif isinstance(value, list | tuple):
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
            _bounded_everywhere(value[1], path)  # a union branch: (record name, record)
            return
        bounded(value, path)
        for index, item in enumerate(value):
            _bounded_everywhere(item, f"{path}[{index}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _bounded_everywhere(item, join(path, str(key)))


def _within_bounds(value: object) -> bool:
    """The same bounds as :func:`_bounded_everywhere`, without building a path per value:
    every event takes this walk, and only one over a bound needs the path of its problem."""
    pending = [value]
    pop, push = pending.pop, pending.extend
    while pending:
        item = pop()
        kind = type(item)
        if kind is str:
            if len(item) > MAX_LONG_TEXT_CHARS:  # type: ignore[arg-type]
                return False
        elif kind is dict:
            push(item.values())  # type: ignore[attr-defined]
        elif kind is list or kind is tuple:
            if len(item) > MAX_ITEMS:  # type: ignore[arg-type]
                return False
            push(item)  # type: ignore[arg-type]
        elif kind in _UNBOUNDED_LEAVES:
            continue  # most values: skip the ABC check below (a few hundred ns each)
        elif isinstance(item, str | list | tuple | Mapping):
            return False  # a subclass: let the exact walk judge it
    return True


# Exact types the bounds walk passes without a look: no length to bound, nothing inside.
_UNBOUNDED_LEAVES: Final = frozenset({type(None), bool, int, float, bytes, dt.date, dt.datetime})


def validate_jobseeker_event(record: Fields) -> None:
    """Raise :class:`InvalidFieldError` for the first problem in a ``JobseekerEvent``."""
    if not _within_bounds(record):
        _bounded_everywhere(record, "")
    uuid_field(record, "event_id")
    text(record, "producing_system")
    jobseeker_id = text(record, "jobseeker_id")
    if is_valid_personal_id(jobseeker_id):
        # The key of the topic must stay opaque; a personal id there would leak everywhere.
        raise fail(FieldProblem.PERSONAL_ID_NOT_ALLOWED, "jobseeker_id")
    int_in(record, "schema_version", "", 1, 2**31 - 1)
    plausible_instant(record.get("occurred_at"), "occurred_at")
    if record.get("trace_id") is not None:
        text(record, "trace_id")
    name, body = body_of(record, EVENT_BODY_TYPES, "event_type")
    _EVENT_CHECKS[name](body, "body")


def _activity_report(body: Fields, base: str) -> None:
    matching(body, "activity_code", base, CATALOGUE_ID, FieldProblem.BAD_CATALOGUE_ID)
    if body.get("duration_minutes") is None:
        raise fail(FieldProblem.MISSING, join(base, "duration_minutes"))
    int_in(body, "duration_minutes", base, 1, 24 * 60)


def _absence_report(body: Fields, base: str) -> None:
    ordered(body, "absent_from", "absent_to", base)


def _outcome_report(body: Fields, base: str) -> None:
    org = body.get("employer_org_number")
    if org is not None and not is_valid_organisation_number(org):
        raise fail(FieldProblem.BAD_ORGANISATION_NUMBER, join(base, "employer_org_number"))
    int_in(body, "extent_percent", base, 1, 100)


_REPORT_CHECKS: Mapping[str, Callable[[Fields, str], None]] = {
    _REPORT + "ActivityReport": _activity_report,
    _REPORT + "AbsenceReport": _absence_report,
    _REPORT + "OutcomeReport": _outcome_report,
}


def validate_provider_report(record: Fields) -> None:
    """Raise :class:`InvalidFieldError` for the first problem in a ``ProviderReport``."""
    uuid_field(record, "report_id")
    recipient_id(record, "provider_id", "")
    text(record, "jobseeker_pseudonym")
    if record.get("assignment_id") is not None:
        uuid_field(record, "assignment_id")
    name, body = body_of(record, REPORT_BODY_TYPES, "report_type")
    _REPORT_CHECKS[name](body, "body")
