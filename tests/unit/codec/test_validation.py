"""Semantic checks where records enter: each rule refuses with a reason and a path, and no
message ever carries the refused value."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from lovhub.codec import (
    JOBSEEKER_EVENT,
    FieldProblem,
    InvalidFieldError,
    SchemaStore,
    SingleObjectCodec,
    validate_jobseeker_event,
    validate_provider_report,
)
from lovhub.codec.examples import EVENT_TYPES, event_types_in, jobseeker_event, provider_report
from lovhub.identity import synthetic_personal_id


def _event(event_type: str, version: int = 3, **body: Any) -> dict[str, Any]:
    return jobseeker_event(event_type, random.Random(7), version=version, body=body)


def _refused(record: dict[str, Any], reason: FieldProblem, path: str) -> InvalidFieldError:
    with pytest.raises(InvalidFieldError) as caught:
        validate_jobseeker_event(record)
    assert (caught.value.reason, caught.value.path) == (reason, path)
    return caught.value


@pytest.mark.parametrize(
    ("event_type", "version"),
    [(event_type, version) for version in (1, 2, 3) for event_type in event_types_in(version)],
)
def test_generated_events_are_valid(event_type: str, version: int) -> None:
    for seed in range(20):
        validate_jobseeker_event(jobseeker_event(event_type, random.Random(seed), version=version))


def test_events_decoded_without_logical_types_validate(store: SchemaStore) -> None:
    plain = SingleObjectCodec(store, logical_types=False)
    for event_type in EVENT_TYPES:
        data = SingleObjectCodec(store).encode(JOBSEEKER_EVENT, _event(event_type))
        validate_jobseeker_event(plain.decode(data, JOBSEEKER_EVENT))


def test_event_type_must_match_body() -> None:
    record = _event("REGISTRATION")
    record["event_type"] = "DEREGISTRATION"
    _refused(record, FieldProblem.TYPE_MISMATCH, "event_type")


def test_body_must_name_its_branch() -> None:
    record = _event("DEREGISTRATION")
    record["body"] = record["body"][1]
    _refused(record, FieldProblem.SCHEMA_MISMATCH, "body")


def test_bad_personal_id_is_refused_without_echoing_it() -> None:
    good = _event("REGISTRATION")["body"][1]["personal_id"]
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    error = _refused(
        _event("REGISTRATION", personal_id=bad), FieldProblem.BAD_PERSONAL_ID, "body.personal_id"
    )
    assert bad not in str(error)
    assert bad not in repr(error)
    assert error.dead_letter_reason == "BAD_PERSONAL_ID"


def test_birth_date_must_agree_with_personal_id() -> None:
    record = _event("REGISTRATION")
    body = record["body"][1]
    body["birth_date"] = body["birth_date"].replace(year=body["birth_date"].year - 1)
    _refused(record, FieldProblem.BIRTH_DATE_MISMATCH, "body.birth_date")


def test_coordination_number_is_accepted() -> None:
    personal_id = synthetic_personal_id(random.Random(1), coordination=True)
    day = int(personal_id[6:8]) - 60
    birth = _event("REGISTRATION")["body"][1]["birth_date"].replace(
        year=int(personal_id[:4]), month=int(personal_id[4:6]), day=day
    )
    validate_jobseeker_event(_event("REGISTRATION", personal_id=personal_id, birth_date=birth))


def test_jobseeker_key_must_not_be_a_personal_id() -> None:
    record = _event("DEREGISTRATION")
    record["jobseeker_id"] = synthetic_personal_id(random.Random(2))
    error = _refused(record, FieldProblem.PERSONAL_ID_NOT_ALLOWED, "jobseeker_id")
    assert record["jobseeker_id"] not in str(error)


BODY_RULES: list[tuple[str, dict[str, Any], FieldProblem, str]] = [
    ("REGISTRATION", {"given_name": "  "}, FieldProblem.EMPTY, "body.given_name"),
    (
        "REGISTRATION",
        {"languages": ["svenska"]},
        FieldProblem.BAD_LANGUAGE_CODE,
        "body.languages[0]",
    ),
    (
        "REGISTRATION",
        {
            "address": {
                "street": "Storgatan 1",
                "postal_code": "0110",
                "municipality_code": "0180",
                "city": "Stockholm",
            }
        },
        FieldProblem.BAD_POSTAL_CODE,
        "body.address.postal_code",
    ),
    (
        "REGISTRATION",
        {
            "address": {
                "street": "Storgatan 1",
                "postal_code": "11120",
                "municipality_code": "180",
                "city": "Stockholm",
            }
        },
        FieldProblem.BAD_MUNICIPALITY_CODE,
        "body.address.municipality_code",
    ),
    (
        "ASSESSMENT",
        {"method": "AUTOMATED", "model_version": None},
        FieldProblem.MISSING,
        "body.model_version",
    ),
    ("ASSESSMENT", {"reasons": []}, FieldProblem.MISSING, "body.reasons"),
    (
        "ASSESSMENT",
        {"assessment_id": "not-a-uuid"},
        FieldProblem.BAD_UUID,
        "body.assessment_id",
    ),
    (
        "ASSIGNMENT_STARTED",
        {"provider_id": "Jobb.Coach"},
        FieldProblem.BAD_RECIPIENT_ID,
        "body.provider_id",
    ),
    ("ASSIGNMENT_STARTED", {"purposes": []}, FieldProblem.MISSING, "body.purposes"),
    (
        "ASSIGNMENT_STARTED",
        {"purposes": ["coaching and more"]},
        FieldProblem.BAD_CATALOGUE_ID,
        "body.purposes[0]",
    ),
    (
        "HEALTH_RESTRICTION_RECORDED",
        {"work_ability_percent": 101},
        FieldProblem.BAD_RANGE,
        "body.work_ability_percent",
    ),
    (
        "CONTACT_DETAILS_CHANGED",
        {"phone": "070-123 45 67"},
        FieldProblem.BAD_FORMAT,
        "body.phone",
    ),
    ("CONTACT_DETAILS_CHANGED", {"email": "no-at-sign"}, FieldProblem.BAD_FORMAT, "body.email"),
    ("CONSENT_GIVEN", {"data_categories": []}, FieldProblem.MISSING, "body.data_categories"),
    (
        "CONSENT_GIVEN",
        {"channel": "OFFICE", "recorded_by": None},
        FieldProblem.MISSING,
        "body.recorded_by",
    ),
    ("CONSENT_WITHDRAWN", {"recipient_id": ""}, FieldProblem.EMPTY, "body.recipient_id"),
    ("CONSENT_GIVEN", {"reference": ""}, FieldProblem.BAD_FORMAT, "body.reference"),
    ("CONSENT_GIVEN", {"reference": "A" * 65}, FieldProblem.BAD_FORMAT, "body.reference"),
    ("CONSENT_GIVEN", {"reference": "FA-118\n"}, FieldProblem.BAD_FORMAT, "body.reference"),
    ("CONSENT_GIVEN", {"reference": "FA\x00118"}, FieldProblem.BAD_FORMAT, "body.reference"),
    ("CONSENT_GIVEN", {"reference": "FA\u200b118"}, FieldProblem.BAD_FORMAT, "body.reference"),
    (
        "CORRECTION",
        {"corrects_event_id": "E-1"},
        FieldProblem.BAD_UUID,
        "body.corrects_event_id",
    ),
    ("RESTRICTION_SET", {"restriction_id": "R-1"}, FieldProblem.BAD_UUID, "body.restriction_id"),
    ("RESTRICTION_SET", {"recorded_by": " "}, FieldProblem.EMPTY, "body.recorded_by"),
    ("RESTRICTION_SET", {"recorded_by": "h" * 501}, FieldProblem.TOO_LONG, "body.recorded_by"),
    (
        "RESTRICTION_CLEARED",
        {"restriction_id": "not-a-uuid"},
        FieldProblem.BAD_UUID,
        "body.restriction_id",
    ),
    ("RESTRICTION_CLEARED", {"recorded_by": ""}, FieldProblem.EMPTY, "body.recorded_by"),
]


@pytest.mark.parametrize(("event_type", "body", "reason", "path"), BODY_RULES)
def test_body_rules(event_type: str, body: dict[str, Any], reason: FieldProblem, path: str) -> None:
    _refused(_event(event_type, **body), reason, path)


@pytest.mark.parametrize(
    "reference", [None, "A" * 64, "1", "FA-2025/118 Åby", "ärende 42"], ids=repr
)
def test_consent_references_that_are_accepted(reference: str | None) -> None:
    validate_jobseeker_event(_event("CONSENT_GIVEN", reference=reference))


# Corrections: the body-rule cases above of every correctable type, moved inside a correction.
CORRECTED_RECORDS = {
    "REGISTRATION": "se.lovhub.agency.Registration",
    "ASSESSMENT": "se.lovhub.agency.Assessment",
    "PLAN_UPDATED": "se.lovhub.agency.PlanUpdated",
    "CONTACT_DETAILS_CHANGED": "se.lovhub.agency.ContactDetailsChanged",
    "HEALTH_RESTRICTION_RECORDED": "se.lovhub.agency.HealthRestrictionRecorded",
    "DEREGISTRATION": "se.lovhub.agency.Deregistration",
}
PLAN_CASES: list[tuple[str, dict[str, Any], FieldProblem, str]] = [
    (
        "PLAN_UPDATED",
        {"activities": [{"activity_code": "fri text", "starts_on": None, "ends_on": None}]},
        FieldProblem.BAD_CATALOGUE_ID,
        "body.activities[0].activity_code",
    ),
    ("PLAN_UPDATED", {"plan_id": "P-1"}, FieldProblem.BAD_UUID, "body.plan_id"),
]


def _correction_of(event_type: str, seed: int = 7, **body: Any) -> dict[str, Any]:
    corrected = _event(event_type, **body)["body"]
    return jobseeker_event("CORRECTION", random.Random(seed), body={"corrected": corrected})


@pytest.mark.parametrize(
    ("event_type", "body", "reason", "path"),
    [case for case in BODY_RULES + PLAN_CASES if case[0] in CORRECTED_RECORDS],
)
def test_a_corrected_body_gets_the_checks_of_its_own_type(
    event_type: str, body: dict[str, Any], reason: FieldProblem, path: str
) -> None:
    _refused(_event(event_type, **body), reason, path)  # the rule, on the event itself
    corrected_path = "body.corrected." + path.removeprefix("body.")
    _refused(_correction_of(event_type, **body), reason, corrected_path)


def test_a_corrected_registration_is_checked_for_its_personal_id() -> None:
    good = _event("REGISTRATION")["body"][1]["personal_id"]
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    error = _refused(
        _correction_of("REGISTRATION", personal_id=bad),
        FieldProblem.BAD_PERSONAL_ID,
        "body.corrected.personal_id",
    )
    assert bad not in str(error)
    record = _correction_of("REGISTRATION")
    birth = record["body"][1]["corrected"][1]["birth_date"]
    record["body"][1]["corrected"][1]["birth_date"] = birth.replace(year=birth.year - 1)
    _refused(record, FieldProblem.BIRTH_DATE_MISMATCH, "body.corrected.birth_date")


def test_a_corrected_health_restriction_is_range_checked() -> None:
    record = _correction_of("HEALTH_RESTRICTION_RECORDED", work_ability_percent=-1)
    _refused(record, FieldProblem.BAD_RANGE, "body.corrected.work_ability_percent")


@pytest.mark.parametrize("event_type", sorted(CORRECTED_RECORDS))
def test_valid_corrections_of_every_correctable_type_pass(event_type: str) -> None:
    for seed in range(10):
        record = _correction_of(event_type, seed)
        assert record["body"][1]["corrected"][0] == CORRECTED_RECORDS[event_type]
        validate_jobseeker_event(record)


def test_only_the_correctable_bodies_can_be_corrected() -> None:
    for event_type in ("CONSENT_GIVEN", "ASSIGNMENT_STARTED", "PROTECTED_IDENTITY_SET"):
        record = _correction_of("REGISTRATION")
        record["body"][1]["corrected"] = _event(event_type)["body"]
        _refused(record, FieldProblem.TYPE_MISMATCH, "body.corrected")
    record = _correction_of("REGISTRATION")
    record["body"][1]["corrected"] = record["body"][1]["corrected"][1]  # no branch name
    _refused(record, FieldProblem.SCHEMA_MISMATCH, "body.corrected")


def test_end_before_start_is_refused() -> None:
    record = _event("ASSIGNMENT_ENDED")
    body = record["body"][1]
    body["valid_to"] = body["valid_from"].replace(year=body["valid_from"].year - 1)
    _refused(record, FieldProblem.BAD_RANGE, "body.valid_to")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("event_id", "E-1", FieldProblem.BAD_UUID),
        ("producing_system", "", FieldProblem.EMPTY),
        ("jobseeker_id", None, FieldProblem.MISSING),
        ("schema_version", 0, FieldProblem.BAD_RANGE),
    ],
)
def test_envelope_rules(field: str, value: Any, reason: FieldProblem) -> None:
    record = _event("DEREGISTRATION")
    record[field] = value
    _refused(record, reason, field)


@pytest.mark.parametrize("report_type", ["ACTIVITY", "ABSENCE", "OUTCOME"])
def test_generated_reports_are_valid(report_type: str) -> None:
    for seed in range(20):
        validate_provider_report(provider_report(random.Random(seed), report_type=report_type))


@pytest.mark.parametrize(
    ("report_type", "change", "reason", "path"),
    [
        (
            "OUTCOME",
            {"employer_org_number": "5560360794"},
            FieldProblem.BAD_ORGANISATION_NUMBER,
            "body.employer_org_number",
        ),
        ("OUTCOME", {"extent_percent": 0}, FieldProblem.BAD_RANGE, "body.extent_percent"),
        ("ACTIVITY", {"duration_minutes": 0}, FieldProblem.BAD_RANGE, "body.duration_minutes"),
        (
            "ACTIVITY",
            {"activity_code": "fri text"},
            FieldProblem.BAD_CATALOGUE_ID,
            "body.activity_code",
        ),
    ],
)
def test_report_rules(
    report_type: str, change: dict[str, Any], reason: FieldProblem, path: str
) -> None:
    record = provider_report(random.Random(3), report_type=report_type)
    record["body"][1].update(change)
    with pytest.raises(InvalidFieldError) as caught:
        validate_provider_report(record)
    assert (caught.value.reason, caught.value.path) == (reason, path)


def test_report_type_must_match_body() -> None:
    record = copy.deepcopy(provider_report(random.Random(4), report_type="ABSENCE"))
    record["report_type"] = "OUTCOME"
    with pytest.raises(InvalidFieldError) as caught:
        validate_provider_report(record)
    assert caught.value.reason is FieldProblem.TYPE_MISMATCH


def test_report_from_malformed_provider_id_is_refused() -> None:
    record = provider_report(random.Random(5))
    record["provider_id"] = "x.reports"  # would alias provider x's report topic
    with pytest.raises(InvalidFieldError) as caught:
        validate_provider_report(record)
    assert caught.value.reason is FieldProblem.BAD_RECIPIENT_ID


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any, Any, str]]:
    """(container, key, value, path) of every string and list in a record, in the codec's form:
    a union branch ``(name, record)`` adds nothing to the path."""
    found: list[tuple[str, Any, Any, str]] = []
    if isinstance(value, tuple):
        return _leaves(value[1], path)
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in children:
        where = f"{path}[{key}]" if isinstance(value, list) else (f"{path}.{key}" if path else key)
        if isinstance(item, str | list):
            found.append((value, key, item, where))
        if isinstance(item, dict | list | tuple):
            found.extend(_leaves(item, where))
    return found


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_string_anywhere_is_bounded_and_named_by_its_path(event_type: str) -> None:
    record = _event(event_type)
    for container, key, value, path in _leaves(record):
        if not isinstance(value, str):
            continue
        spoiled = copy.deepcopy(record)
        twin = next(c for c, k, _, p in _leaves(spoiled) if p == path and k == key)
        twin[key] = "x" * 4001
        _refused(spoiled, FieldProblem.TOO_LONG, path)
        assert container[key] == value  # the original record is untouched


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_list_anywhere_is_bounded_and_named_by_its_path(event_type: str) -> None:
    record = _event(event_type)
    lists = [(key, path) for _, key, value, path in _leaves(record) if isinstance(value, list)]
    for key, path in lists:
        spoiled = copy.deepcopy(record)
        twin = next(c for c, k, _, p in _leaves(spoiled) if p == path and k == key)
        twin[key] = [twin[key][0] if twin[key] else "x"] * 101
        _refused(spoiled, FieldProblem.TOO_MANY_ITEMS, path)
