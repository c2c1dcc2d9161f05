"""Minimisation against a simple reference model: exactly the fields the rules allow,
generalised correctly, never address or contact for a protected person, never free text under
the default policy."""

from __future__ import annotations

import datetime as dt
import functools
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.codec.examples import EVENT_TYPES, jobseeker_event
from lovhub.codec.validation import EVENT_BODY_TYPES
from lovhub.errors import LovhubError
from lovhub.minimise import (
    MinimisationError,
    MinimisedField,
    age_band,
    age_on,
    minimise,
    source_value,
)
from lovhub.policy import FieldRule, Transform, is_contact_path, load_policy, output_path_of
from lovhub.pseudonyms import Pseudonymiser
from tests.unit.policy.helpers import DEFAULT_POLICY, schema_paths

POLICY = load_policy(DEFAULT_POLICY)
CONTACT_WORDS = ("address", "phone", "email", "street", "postal", "city", "municipality")
FREE_TEXT = "FRITEXT: har skyddat boende på Hemliga gatan 1"


def fake_pseudonym(path: str, value: str) -> str:
    return f"ps({path}={value})"


def _record(event_type: str) -> str:
    return EVENT_BODY_TYPES[event_type].rsplit(".", 1)[-1]


def _rule(path: str, transform: Transform, personal: bool) -> FieldRule | None:
    try:
        return FieldRule(path=path, transform=transform, personal=personal)
    except ValueError:
        return None


# Every rule the policy model accepts for a field of the event type, including those that try
# to deliver address and contact fields; arrays of records only through their fields.
RECORD_ARRAYS = {"body.reasons", "body.activities"}
RULE_POOL: dict[str, list[FieldRule]] = {
    event_type: [
        rule
        for path in sorted(schema_paths()[_record(event_type)])
        if (path not in RECORD_ARRAYS and not path.endswith("s[]")) or path == "body.languages[]"
        for transform in Transform
        for personal in (False, True)
        if (rule := _rule(path, transform, personal)) is not None
    ]
    for event_type in EVENT_TYPES
}


# --- the reference model --------------------------------------------------------------------

ABSENT = object()


def ref_lookup(node: Any, names: list[str]) -> Any:
    for index, name in enumerate(names):
        if isinstance(node, tuple):
            node = node[1]
        if name.endswith("[]"):
            array = node.get(name[:-2])
            if array is None:
                return ABSENT
            rest = names[index + 1 :]
            return [ref_lookup(item, rest) if rest else item for item in array]
        if not isinstance(node, dict) or node.get(name) is None:
            return ABSENT
        node = node[name]
    return node


def ref_text(value: Any) -> str:
    if value is ABSENT or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def ref_age(birth: dt.date, day: dt.date) -> int:
    """Birthdays counted one by one (29 February celebrated on 1 March in other years)."""
    age = 0
    for year in range(birth.year + 1, day.year + 1):
        try:
            birthday = birth.replace(year=year)
        except ValueError:
            birthday = dt.date(year, 3, 1)
        age += birthday <= day
    return age


def ref_band(age: int) -> str:
    if age >= 70:
        return "70+"
    if age < 20:
        return "0-19"
    return f"{age // 10 * 10}-{age // 10 * 10 + 9}"


def reference(
    event: dict[str, Any], rules: list[FieldRule], protected: bool
) -> dict[str, tuple[Any, bool]]:
    """Output path -> (value, personal) as a straightforward reading of the rules."""
    body = event["body"]
    result: dict[str, tuple[Any, bool]] = {}
    for rule in rules:
        out = output_path_of(rule.path, rule.transform)
        if protected and any(w in p for w in CONTACT_WORDS for p in (rule.path, out)):
            continue
        if out in result:
            result[out] = (result[out][0], result[out][1] or rule.personal)
            continue
        value = ref_lookup(body, rule.path.split(".")[1:])
        if value is ABSENT:
            continue
        if rule.transform in (Transform.REGISTERED_FLAG, Transform.DEREGISTERED_FLAG):
            result[out] = (True, rule.personal)
            continue
        if isinstance(value, list):
            texts = [ref_text(item) for item in value]
            if rule.transform is Transform.PSEUDONYMISE:
                texts = [fake_pseudonym(rule.path, t) if t else "" for t in texts]
            result[out] = (texts, rule.personal)
            continue
        if rule.transform is Transform.MUNICIPALITY:
            if value.get("municipality_code") is None:
                continue
            value = value["municipality_code"]
        elif rule.transform is Transform.BIRTH_YEAR:
            value = value.year
        elif rule.transform is Transform.AGE_BAND:
            value = ref_band(ref_age(value, event["occurred_at"].date()))
        elif rule.transform is Transform.PSEUDONYMISE:
            value = fake_pseudonym(rule.path, ref_text(value))
        elif isinstance(value, dt.date):
            value = value.isoformat()
        result[out] = (value, rule.personal)
    return result


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], list[FieldRule], bool]:
    event_type = draw(st.sampled_from(EVENT_TYPES))
    version = draw(st.sampled_from((1, 2)))
    event = jobseeker_event(event_type, random.Random(draw(st.integers(0, 2**32))), version=version)
    rules = draw(st.lists(st.sampled_from(RULE_POOL[event_type]), max_size=12))
    return event, rules, draw(st.booleans())


@settings(max_examples=400, deadline=None)
@given(case=cases())
def test_matches_the_reference_model(case: tuple[dict[str, Any], list[FieldRule], bool]) -> None:
    event, rules, protected = case
    fields = minimise(event, rules, protected_identity=protected, pseudonymise=fake_pseudonym)
    allowed = {output_path_of(r.path, r.transform) for r in rules}
    paths = [f.path for f in fields]
    assert set(paths) <= allowed
    assert len(paths) == len(set(paths))
    expected = reference(event, rules, protected)
    assert paths == list(expected)  # policy order: where the first delivering rule is
    assert {f.path: (f.value, f.personal) for f in fields} == expected
    if protected:
        assert not [p for p in paths if any(word in p for word in CONTACT_WORDS)]


# Rules that try hard to deliver address and contact data.
CONTACT_RULES = {
    event_type: [r for r in RULE_POOL[event_type] if any(w in r.path for w in CONTACT_WORDS)]
    for event_type in ("REGISTRATION", "CONTACT_DETAILS_CHANGED")
}


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), data=st.data())
def test_protected_identity_never_leaks_address_or_contact(seed: int, data: st.DataObject) -> None:
    event_type = data.draw(st.sampled_from(sorted(CONTACT_RULES)))
    rules = data.draw(st.lists(st.sampled_from(CONTACT_RULES[event_type]), min_size=1))
    event = jobseeker_event(event_type, random.Random(seed))
    protected = minimise(event, rules, protected_identity=True, pseudonymise=fake_pseudonym)
    assert protected == ()
    unprotected = minimise(event, rules, protected_identity=False, pseudonymise=fake_pseudonym)
    if event["body"][1]["address"] is not None:
        assert unprotected  # the rules do try to deliver something


def test_policy_protected_paths_add_to_the_builtin_ones() -> None:
    event = jobseeker_event("REGISTRATION", random.Random(1))
    rules = POLICY.rules_for("REGISTRATION", "lov.matching")
    extra = ("body.languages",)
    kept = minimise(event, rules, protected_identity=True, pseudonymise=fake_pseudonym)
    dropped = minimise(
        event, rules, protected_identity=True, pseudonymise=fake_pseudonym, protected_paths=extra
    )
    assert [f.path for f in kept] == ["body.age_band", "body.education_level", "body.languages"]
    assert [f.path for f in dropped] == ["body.age_band", "body.education_level"]
    open_ = minimise(
        event, rules, protected_identity=False, pseudonymise=fake_pseudonym, protected_paths=extra
    )
    assert open_[0].path == "body.address.municipality_code"


# --- the default policy ---------------------------------------------------------------------

FREE_TEXT_PATHS = ("body.note", "body.reasons[].text")


def _event_with_free_text(event_type: str, seed: int) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if event_type in ("PLAN_UPDATED", "HEALTH_RESTRICTION_RECORDED"):
        overrides["note"] = FREE_TEXT
    if event_type == "ASSESSMENT":
        overrides["reasons"] = [{"code": "R12", "text": FREE_TEXT}]
    return jobseeker_event(event_type, random.Random(seed), body=overrides)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("protected", [False, True])
def test_default_policy_never_delivers_free_text_or_identifiers(
    event_type: str, protected: bool
) -> None:
    for seed in range(25):
        event = _event_with_free_text(event_type, seed)
        body = event["body"][1]
        never = [FREE_TEXT, event["jobseeker_id"], body.get("personal_id"), body.get("family_name")]
        for purpose in POLICY.purposes:
            rules = POLICY.rules_for(event_type, purpose.id)
            fields = minimise(
                event, rules, protected_identity=protected, pseudonymise=fake_pseudonym
            )
            assert not [f for f in fields if f.path.startswith(FREE_TEXT_PATHS)]
            assert not [f for f in fields if f.path == "body.reasons"]
            delivered = repr([f.value for f in fields])
            assert not [s for s in never if s and s in delivered]
            assert not [f for f in fields if "FRITEXT" in repr(f.value)]


def test_default_policy_for_a_protected_person_drops_contact() -> None:
    registration = jobseeker_event("REGISTRATION", random.Random(5))
    contact = jobseeker_event("CONTACT_DETAILS_CHANGED", random.Random(5))
    for protected, expected_matching, expected_contact in (
        (False, 4, ["body.phone", "body.email"]),
        (True, 3, []),
    ):
        matching = minimise(
            registration,
            POLICY.rules_for("REGISTRATION", "lov.matching"),
            protected_identity=protected,
            pseudonymise=fake_pseudonym,
        )
        assert len(matching) == expected_matching
        details = minimise(
            contact,
            POLICY.rules_for("CONTACT_DETAILS_CHANGED", "lov.contact"),
            protected_identity=protected,
            pseudonymise=fake_pseudonym,
        )
        assert [f.path for f in details] == expected_contact
        assert all(f.personal for f in details)


def test_default_policy_matching_record() -> None:
    event = jobseeker_event(
        "REGISTRATION",
        random.Random(2),
        body={
            "birth_date": dt.date(1985, 6, 15),
            "address": {
                "street": "Storgatan 1",
                "postal_code": "41101",
                "municipality_code": "1480",
                "city": "Göteborg",
            },
            "education_level": "UPPER_SECONDARY",
            "languages": ["sv", "ar"],
        },
    )
    event["occurred_at"] = dt.datetime(2025, 6, 14, 23, 0, tzinfo=dt.UTC)
    fields = minimise(
        event,
        POLICY.rules_for("REGISTRATION", "lov.matching"),
        protected_identity=False,
        pseudonymise=fake_pseudonym,
    )
    assert fields == (
        MinimisedField("body.address.municipality_code", "1480", False),
        MinimisedField("body.age_band", "30-39", False),
        MinimisedField("body.education_level", "UPPER_SECONDARY", False),
        MinimisedField("body.languages", ["sv", "ar"], False),
    )


# --- generalisations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "band"),
    [
        (dt.date(1995, 3, 10), dt.date(2025, 3, 9), "20-29"),  # the day before turning 30
        (dt.date(1995, 3, 10), dt.date(2025, 3, 10), "30-39"),  # the birthday itself
        (dt.date(1955, 8, 30), dt.date(2025, 8, 29), "60-69"),
        (dt.date(1955, 8, 30), dt.date(2025, 8, 30), "70+"),
        (dt.date(2005, 1, 1), dt.date(2024, 12, 31), "0-19"),
        (dt.date(2005, 1, 1), dt.date(2025, 1, 1), "20-29"),
        (dt.date(1996, 2, 29), dt.date(2026, 2, 28), "20-29"),  # leap-day birthday
        (dt.date(1996, 2, 29), dt.date(2026, 3, 1), "30-39"),
        (dt.date(1996, 2, 29), dt.date(2024, 2, 29), "20-29"),
    ],
)
def test_age_band_boundaries(birth: dt.date, day: dt.date, band: str) -> None:
    event = jobseeker_event("REGISTRATION", random.Random(0), body={"birth_date": birth})
    event["occurred_at"] = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    rules = [
        FieldRule(path="body.birth_date", transform=Transform.AGE_BAND, personal=False),
        FieldRule(path="body.birth_date", transform=Transform.BIRTH_YEAR, personal=False),
    ]
    fields = minimise(event, rules, protected_identity=False, pseudonymise=fake_pseudonym)
    assert fields == (
        MinimisedField("body.age_band", band, False),
        MinimisedField("body.birth_year", birth.year, False),
    )


@given(
    birth=st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)),
    day=st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)),
)
def test_age_matches_counting_birthdays(birth: dt.date, day: dt.date) -> None:
    if day < birth:
        assert age_on(birth, day) < 0
        with pytest.raises(MinimisationError):
            age_band(age_on(birth, day))
    else:
        assert age_on(birth, day) == ref_age(birth, day)
        assert age_band(age_on(birth, day)) == ref_band(ref_age(birth, day))


def test_age_band_uses_the_utc_day_of_occurred_at() -> None:
    event = jobseeker_event(
        "REGISTRATION", random.Random(0), body={"birth_date": dt.date(1995, 3, 10)}
    )
    cet = dt.timezone(dt.timedelta(hours=1))
    event["occurred_at"] = dt.datetime(2025, 3, 10, 0, 30, tzinfo=cet)  # 9 March in UTC
    rule = FieldRule(path="body.birth_date", transform=Transform.AGE_BAND, personal=False)
    assert (
        minimise(event, [rule], protected_identity=False, pseudonymise=fake_pseudonym)[0].value
        == "20-29"
    )


# --- codec forms, absent values, errors -----------------------------------------------------


def test_accepts_the_codecs_other_in_memory_forms() -> None:
    event = jobseeker_event(
        "REGISTRATION", random.Random(3), body={"birth_date": dt.date(1980, 1, 2)}
    )
    body = event["body"][1]
    body["address"] = ("se.lovhub.agency.Address", body["address"] or {"municipality_code": "0180"})
    body["birth_date"] = (dt.date(1980, 1, 2) - dt.date(1970, 1, 1)).days  # no logical types
    when = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    event["occurred_at"] = int(when.timestamp() * 1000)
    rules = POLICY.rules_for("REGISTRATION", "lov.matching")
    fields = minimise(event, rules, protected_identity=False, pseudonymise=fake_pseudonym)
    assert fields[0].path == "body.address.municipality_code"
    assert fields[1] == MinimisedField("body.age_band", "40-49", False)


def test_absent_optional_fields_are_omitted_not_null() -> None:
    registration = jobseeker_event(
        "REGISTRATION", random.Random(4), version=1, body={"address": None}
    )
    fields = minimise(
        registration,
        [
            *POLICY.rules_for("REGISTRATION", "lov.matching"),
            *POLICY.rules_for("REGISTRATION", "lov.contact"),
        ],
        protected_identity=False,
        pseudonymise=fake_pseudonym,
    )
    paths = [f.path for f in fields]
    assert "body.address.municipality_code" not in paths
    assert "body.preferred_language" not in paths  # not in schema version 1
    assert all(f.value is not None for f in fields)
    started = jobseeker_event("ASSIGNMENT_STARTED", random.Random(4), body={"valid_to": None})
    rules = POLICY.rules_for("ASSIGNMENT_STARTED", "lov.compensation")
    paths = [
        f.path
        for f in minimise(started, rules, protected_identity=False, pseudonymise=fake_pseudonym)
    ]
    assert paths == ["body.assignment_id", "body.service_code", "body.valid_from"]


def test_rules_of_several_purposes_deliver_each_path_once() -> None:
    event = jobseeker_event("REGISTRATION", random.Random(6))
    rules = [
        *POLICY.rules_for("REGISTRATION", "lov.matching"),
        *POLICY.rules_for("REGISTRATION", "lov.preparation"),
        FieldRule(path="body.languages", transform=Transform.KEEP, personal=True),
    ]
    fields = minimise(event, rules, protected_identity=False, pseudonymise=fake_pseudonym)
    assert [f.path for f in fields].count("body.education_level") == 1
    assert next(f for f in fields if f.path == "body.languages").personal  # any rule says so


def test_arrays_stay_aligned_and_pseudonyms_are_per_recipient() -> None:
    event = jobseeker_event("PLAN_UPDATED", random.Random(7))
    rules = POLICY.rules_for("PLAN_UPDATED", "lov.preparation")
    pseudonymiser = Pseudonymiser(b"k" * 32)
    results = {
        recipient: minimise(
            event,
            rules,
            protected_identity=False,
            pseudonymise=functools.partial(pseudonymiser.for_field, recipient),
        )
        for recipient in ("jobbcoach-syd", "karriarbron")
    }
    plan_id = event["body"][1]["plan_id"]
    first, second = results["jobbcoach-syd"], results["karriarbron"]
    assert first[0].path == "body.plan_id"
    assert first[0].value != second[0].value
    assert first[0].value == pseudonymiser.for_field("jobbcoach-syd", "body.plan_id", plan_id)
    assert plan_id not in repr(first)
    starts, ends = first[2].value, first[3].value
    assert isinstance(starts, list)
    assert isinstance(ends, list)
    assert len(starts) == len(ends) == 2
    assert ends[0] == ""  # open-ended activity


def test_unusable_rule_fails_closed_without_values() -> None:
    event = jobseeker_event("ASSESSMENT", random.Random(8))
    rule = FieldRule(path="body.reasons", transform=Transform.KEEP, personal=True)
    with pytest.raises(MinimisationError) as caught:
        minimise(event, [rule], protected_identity=False, pseudonymise=fake_pseudonym)
    assert isinstance(caught.value, LovhubError)
    assert "body.reasons" in str(caught.value)
    assert "Kort" not in str(caught.value)
    assert "R12" not in str(caught.value)
    bad_date = FieldRule(path="body.birth_date", transform=Transform.BIRTH_YEAR, personal=False)
    registration = jobseeker_event("REGISTRATION", random.Random(8), body={"birth_date": "1980"})
    with pytest.raises(MinimisationError, match="not a date"):
        minimise(registration, [bad_date], protected_identity=False, pseudonymise=fake_pseudonym)


def test_source_value() -> None:
    event = jobseeker_event("ASSESSMENT", random.Random(9))
    codes = [reason["code"] for reason in event["body"][1]["reasons"]]
    assert source_value(event, "body.reasons[].code") == codes
    assert source_value(event, "body.nothing") is None
    started = jobseeker_event("ASSIGNMENT_STARTED", random.Random(9))
    assert source_value(started, "body.provider_id") == started["body"][1]["provider_id"]


@pytest.mark.parametrize(
    ("path", "contact"),
    [
        ("body.address", True),
        ("body.address.municipality_code", True),
        ("body.phone", True),
        ("body.email", True),
        ("body", True),
        ("body.contact.mobile_phone", True),
        ("body.postal_code", True),
        ("body.given_name", False),
        ("body.languages", False),
        ("body.reasons[].code", False),
        ("body.registered", False),
    ],
)
def test_contact_paths(path: str, contact: bool) -> None:
    assert is_contact_path(path) is contact
