"""The default policy loads and says what the reference case needs; broken files are refused
with messages that name the file and the offending entry."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lovhub.codec.validation import EVENT_BODY_TYPES
from lovhub.core import is_state_event
from lovhub.errors import LovhubError
from lovhub.policy import (
    BUILTIN_PROTECTED_IDENTITY_PATHS,
    EventType,
    LegalBasisKind,
    Policy,
    PolicyError,
    RecipientKind,
    Transform,
    UnknownEventTypeError,
    load_policy,
    parse_policy,
)
from tests.unit.policy.helpers import DEFAULT_POLICY, PolicyData, delivery, schema_paths

Writer = Callable[[PolicyData], Path]
PROVIDER_PURPOSES = ("lov.matching", "lov.preparation", "lov.contact", "lov.compensation")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(DEFAULT_POLICY)


def test_default_policy_loads(policy: Policy) -> None:
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", policy.version)
    assert policy.label == "2025-03 reference policy"
    assert {e.value for e in EventType} == set(EVENT_BODY_TYPES)
    assert {str(e) for e in policy.event_types} == set(EVENT_BODY_TYPES)


def test_default_purposes(policy: Policy) -> None:
    for purpose_id in (*PROVIDER_PURPOSES, "lov.follow-up"):
        purpose = policy.purpose(purpose_id)
        assert purpose is not None
        assert purpose.recipient_kinds == {RecipientKind.PROVIDER}
        assert purpose.legal_basis is LegalBasisKind.ASSIGNMENT
        assert policy.purpose_open_to(purpose_id, provider=True)
        assert not policy.purpose_open_to(purpose_id, provider=False)
    status = policy.purpose("consent.registration-status")
    assert status is not None
    assert status.legal_basis is LegalBasisKind.CONSENT
    assert policy.purpose_open_to("consent.registration-status", provider=False)
    assert not policy.purpose_open_to("consent.registration-status", provider=True)
    assert policy.purpose("lov.unknown") is None
    assert not policy.purpose_open_to("lov.unknown", provider=True)
    assert [p.id for p in policy.purposes_for(RecipientKind.THIRD_PARTY)] == [
        "consent.registration-status"
    ]


def test_every_rule_names_a_field_of_its_event_type(policy: Policy) -> None:
    paths = schema_paths()
    for entry in policy.deliveries:
        record = EVENT_BODY_TYPES[entry.event_type].rsplit(".", 1)[-1]
        for rule in entry.fields:
            assert rule.path in paths[record], (entry.key, rule.path)
        if entry.addressee_path is not None:
            assert entry.addressee_path in paths[record]


def test_categories(policy: Policy) -> None:
    assert policy.category_of("REGISTRATION") == "registration_status"
    assert policy.category_of("DEREGISTRATION") == "registration_status"
    assert policy.category_of("HEALTH_RESTRICTION_RECORDED") == "health_restrictions"
    assert policy.is_special("HEALTH_RESTRICTION_RECORDED")
    assert not policy.is_special("REGISTRATION")


@pytest.mark.parametrize(
    ("event_type", "category_id"),
    [
        ("RESTRICTION_SET", "restriction"),
        ("RESTRICTION_CLEARED", "restriction"),
        ("CORRECTION", "correction"),
    ],
)
def test_restrictions_and_corrections_deliver_nothing_of_their_own(
    policy: Policy, event_type: str, category_id: str
) -> None:
    # A correction is decided under the corrected body's own event type, a restriction is
    # hub state: neither has a delivery, and the validator keeps it so (never_delivered).
    assert policy.category_of(event_type) == category_id
    category = policy.category(category_id)
    assert category is not None
    assert category.never_delivered
    assert not category.special
    assert all(policy.rules_for(event_type, p.id) == () for p in policy.purposes)


def test_state_events_deliver_nothing_but_a_providers_own_assignment(policy: Policy) -> None:
    for event_type in EventType:
        if not is_state_event(event_type):  # the core's list: what changes the hub's state
            continue
        for purpose in policy.purposes:
            rules = policy.rules_for(event_type, purpose.id)
            if event_type in (EventType.ASSIGNMENT_STARTED, EventType.ASSIGNMENT_ENDED):
                if rules:
                    assert policy.addressee_path(event_type, purpose.id) == "body.provider_id"
            else:
                assert rules == ()


def test_third_party_learns_registration_status_only(policy: Policy) -> None:
    purpose = "consent.registration-status"
    registered = policy.rules_for("REGISTRATION", purpose)
    assert [(r.output_path, r.transform, r.personal) for r in registered] == [
        (
            "body.registered",
            Transform.REGISTERED_FLAG,
            True,
        )  # encrypted: being registered is sensitive
    ]
    deregistered = policy.rules_for("DEREGISTRATION", purpose)
    assert [(r.output_path, r.personal) for r in deregistered] == [("body.deregistered", True)]
    others = {e for e in EventType if policy.rules_for(e, purpose)}
    assert others == {EventType.REGISTRATION, EventType.DEREGISTRATION}
    assert policy.requires_consent("REGISTRATION", purpose)


def test_health_needs_consent_even_for_an_assigned_provider(policy: Policy) -> None:
    assert policy.rules_for("HEALTH_RESTRICTION_RECORDED", "lov.preparation")
    assert policy.requires_consent("HEALTH_RESTRICTION_RECORDED", "lov.preparation")
    assert not policy.requires_consent("REGISTRATION", "lov.matching")
    assert all(
        r.personal for r in policy.rules_for("HEALTH_RESTRICTION_RECORDED", "lov.preparation")
    )


def test_unknown_event_types_and_purposes_fail_closed(policy: Policy) -> None:
    assert policy.rules_for("SOMETHING_NEW", "lov.matching") == ()
    assert policy.rules_for("REGISTRATION", "lov.unknown") == ()
    assert policy.is_special("SOMETHING_NEW")
    assert policy.requires_consent("REGISTRATION", "lov.unknown")
    with pytest.raises(UnknownEventTypeError) as caught:
        policy.category_of("SOMETHING_NEW")
    assert isinstance(caught.value, LovhubError)
    assert caught.value.code == "POLICY_UNKNOWN_EVENT_TYPE"


def test_protected_identity_paths_declared(policy: Policy) -> None:
    assert set(BUILTIN_PROTECTED_IDENTITY_PATHS) <= set(policy.protected_identity_paths)


def test_policy_is_frozen(policy: Policy) -> None:
    with pytest.raises(ValueError, match="frozen"):
        policy.label = "changed"


# --- broken files -------------------------------------------------------------------------


def _refused(write: Writer, data: PolicyData, *fragments: str) -> str:
    path = write(data)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    assert caught.value.code == "POLICY_INVALID"
    return message


def test_state_flag_of_older_policies_is_refused(
    policy_data: PolicyData, write_policy: Writer
) -> None:
    """Which events change the hub's state is the core's (lovhub.core.state), never read
    from a policy: a file still saying ``state: true`` is refused, not silently ignored."""
    policy_data["event_types"]["ASSIGNMENT_STARTED"]["state"] = True
    _refused(write_policy, policy_data, "event_types.ASSIGNMENT_STARTED.state")


def test_unknown_transform(policy_data: PolicyData, write_policy: Writer) -> None:
    delivery(policy_data, "REGISTRATION", "lov.matching")["fields"][1]["transform"] = "age_ish"
    _refused(write_policy, policy_data, "deliveries[0].fields[1].transform", "'age_band'")


def test_unknown_purpose_referenced(policy_data: PolicyData, write_policy: Writer) -> None:
    delivery(policy_data, "ASSESSMENT", "lov.matching")["purpose"] = "lov.coaching"
    _refused(write_policy, policy_data, "ASSESSMENT/lov.coaching", "unknown purpose 'lov.coaching'")


def test_duplicate_purpose(policy_data: PolicyData, write_policy: Writer) -> None:
    policy_data["purposes"].append(dict(policy_data["purposes"][0]))
    _refused(write_policy, policy_data, "purposes[6]", "duplicate purpose 'lov.matching'")


def test_duplicate_activity_code(policy_data: PolicyData, write_policy: Writer) -> None:
    policy_data["activity_codes"].append(dict(policy_data["activity_codes"][0]))
    _refused(write_policy, policy_data, "duplicate activity code 'KROM-01'")


def test_activity_reports_need_a_catalogue(policy_data: PolicyData, write_policy: Writer) -> None:
    del policy_data["activity_codes"]
    _refused(write_policy, policy_data, "reports.ACTIVITY", "activity_codes catalogue")
    del policy_data["reports"]["ACTIVITY"]
    assert not load_policy(write_policy(policy_data)).knows_activity_code("KROM-01")


def test_an_activity_code_must_have_the_catalogue_id_format(
    policy_data: PolicyData, write_policy: Writer
) -> None:
    policy_data["activity_codes"][0]["code"] = "KROM 01"
    _refused(write_policy, policy_data, "activity_codes[0].code")


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        "  DEREGISTRATION: {category: registration_status}",
        "  DEREGISTRATION: {category: registration_status}\n  REGISTRATION: {category: plan}",
    )
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match="duplicate key 'REGISTRATION'") as caught:
        load_policy(path)
    assert str(path) in str(caught.value)


def test_special_category_without_consent_basis(
    policy_data: PolicyData, write_policy: Writer
) -> None:
    del delivery(policy_data, "HEALTH_RESTRICTION_RECORDED", "lov.preparation")["requires_consent"]
    _refused(
        write_policy,
        policy_data,
        "HEALTH_RESTRICTION_RECORDED/lov.preparation",
        "health_restrictions is a special category",
        "requires_consent",
    )


def test_never_delivered_category(policy_data: PolicyData, write_policy: Writer) -> None:
    policy_data["deliveries"].append(
        {
            "event_type": "PROTECTED_IDENTITY_SET",
            "purpose": "lov.contact",
            "fields": [{"path": "body.kind", "transform": "keep", "personal": True}],
        }
    )
    _refused(write_policy, policy_data, "protected_identity is never delivered")


@pytest.mark.parametrize(
    ("event_type", "path", "category"),
    [
        ("CORRECTION", "body.corrects_event_id", "correction"),
        ("RESTRICTION_SET", "body.grounds", "restriction"),
        ("RESTRICTION_CLEARED", "body.restriction_id", "restriction"),
    ],
)
def test_corrections_and_restrictions_cannot_get_a_delivery(
    policy_data: PolicyData, write_policy: Writer, event_type: str, path: str, category: str
) -> None:
    policy_data["deliveries"].append(
        {
            "event_type": event_type,
            "purpose": "lov.preparation",
            "fields": [{"path": path, "transform": "keep", "personal": True}],
        }
    )
    _refused(write_policy, policy_data, f"{event_type}/lov.preparation", f"{category} is never")


def test_third_party_purpose_on_assignment_basis(
    policy_data: PolicyData, write_policy: Writer
) -> None:
    policy_data["purposes"][5]["legal_basis"] = "ASSIGNMENT"
    _refused(write_policy, policy_data, "purposes[5]", "consent.registration-status", "CONSENT")


@pytest.mark.parametrize(
    ("path", "transform", "fragment"),
    [
        ("body.personal_id", "keep", "direct identifier"),
        ("body.given_name", "keep", "direct identifier"),
        ("body.note", "keep", "free text"),
        ("body.reasons[].text", "keep", "free text"),
    ],
)
def test_identifiers_and_free_text_only_encrypted(
    policy_data: PolicyData, write_policy: Writer, path: str, transform: str, fragment: str
) -> None:
    fields = delivery(policy_data, "REGISTRATION", "lov.matching")["fields"]
    fields.append({"path": path, "transform": transform, "personal": False})
    _refused(write_policy, policy_data, path, fragment)
    fields[-1]["personal"] = True
    load_policy(write_policy(policy_data))  # allowed when encrypted


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"path": "body.birth_date", "transform": "municipality"}, "needs an address path"),
        ({"path": "body.address", "transform": "keep"}, "whole record"),
        ({"path": "body.languages", "transform": "age_band"}, "needs a date path"),
        ({"path": "body.reasons[].code", "transform": "birth_year"}, "array"),
        ({"path": "body.a[].b[].c", "transform": "keep"}, "at most one array"),
        ({"path": "personal_id", "transform": "keep"}, "fields[4].path"),
        ({"path": "body.Given", "transform": "keep"}, "fields[4].path"),
    ],
)
def test_transform_must_fit_its_path(
    policy_data: PolicyData, write_policy: Writer, rule: dict[str, str], fragment: str
) -> None:
    fields = delivery(policy_data, "REGISTRATION", "lov.matching")["fields"]
    fields.append({**rule, "personal": True})
    _refused(write_policy, policy_data, "deliveries[0].fields[4]", fragment)


def test_missing_event_type_and_unknown_category(
    policy_data: PolicyData, write_policy: Writer
) -> None:
    del policy_data["event_types"]["CONSENT_GIVEN"]
    policy_data["event_types"]["PLAN_UPDATED"]["category"] = "plans"
    _refused(
        write_policy,
        policy_data,
        "no entry for CONSENT_GIVEN",
        "event_types.PLAN_UPDATED: unknown data category 'plans'",
    )


def test_unknown_event_type_key(policy_data: PolicyData, write_policy: Writer) -> None:
    policy_data["event_types"]["JOB_OFFER"] = {"category": "plan"}
    _refused(write_policy, policy_data, "event_types.JOB_OFFER")


def test_protected_paths_cannot_be_weakened(policy_data: PolicyData, write_policy: Writer) -> None:
    policy_data["protected_identity_paths"] = ["body.address"]
    _refused(write_policy, policy_data, "must include body.phone", "must include body.email")


def test_unknown_keys_are_refused(policy_data: PolicyData, write_policy: Writer) -> None:
    policy_data["purposes"][0]["recipent_kinds"] = ["provider"]
    delivery(policy_data, "ASSESSMENT", "lov.matching")["fields"][0]["persnal"] = True
    _refused(write_policy, policy_data, "purposes[0].recipent_kinds", "fields[0].persnal")


def test_duplicate_delivery(policy_data: PolicyData, write_policy: Writer) -> None:
    policy_data["deliveries"].append(dict(delivery(policy_data, "ASSESSMENT", "lov.matching")))
    _refused(write_policy, policy_data, "duplicate delivery, also deliveries[7]")


def test_same_output_path_two_meanings(policy_data: PolicyData, write_policy: Writer) -> None:
    delivery(policy_data, "ASSESSMENT", "lov.compensation")["fields"][0]["personal"] = True
    _refused(write_policy, policy_data, "ASSESSMENT body.distance_category is produced differently")


def test_two_rules_one_output(policy_data: PolicyData, write_policy: Writer) -> None:
    fields = delivery(policy_data, "REGISTRATION", "lov.matching")["fields"]
    fields.append(
        {"path": "body.address.municipality_code", "transform": "keep", "personal": False}
    )
    _refused(write_policy, policy_data, "two rules deliver body.address.municipality_code")


def test_addressee_must_agree_across_purposes(
    policy_data: PolicyData, write_policy: Writer
) -> None:
    del delivery(policy_data, "ASSIGNMENT_STARTED", "lov.compensation")["addressee_path"]
    _refused(write_policy, policy_data, "ASSIGNMENT_STARTED has addressee_path")


def test_empty_delivery_refused(policy_data: PolicyData, write_policy: Writer) -> None:
    delivery(policy_data, "ASSESSMENT", "lov.matching")["fields"] = []
    _refused(write_policy, policy_data, "deliveries[7].fields")


def test_several_problems_reported_at_once(policy_data: PolicyData, write_policy: Writer) -> None:
    policy_data["purposes"].append(dict(policy_data["purposes"][1]))
    delivery(policy_data, "ASSESSMENT", "lov.matching")["purpose"] = "lov.nothing"
    _refused(write_policy, policy_data, "duplicate purpose 'lov.preparation'", "lov.nothing")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("purposes: [", "not valid YAML"), ("- a\n- b\n", "must be a mapping"), ("", "mapping")],
)
def test_not_a_policy_file(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError, match=fragment):
        load_policy(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read") as caught:
        load_policy(tmp_path / "absent.yaml")
    assert "absent.yaml" in str(caught.value)


def test_parse_policy_names_its_source(policy_data: PolicyData) -> None:
    policy_data["label"] = ""
    with pytest.raises(PolicyError, match=r"kafka-table: 1 problem\(s\)\n  label:"):
        parse_policy(policy_data, source="kafka-table")


def test_follow_up_windows_of_the_default_policy(policy: Policy) -> None:
    """Result payments come up to twelve months after the person starts work (issue 11)."""
    for purpose in ("lov.compensation", "lov.follow-up"):
        assert policy.follow_up_months(purpose, "DEREGISTRATION") == 12
        assert policy.follow_up_months(purpose, "PLAN_UPDATED") is None
    assert policy.follow_up_months("lov.contact", "DEREGISTRATION") is None


def test_a_follow_up_window_on_a_consent_purpose_is_refused(
    policy_data: PolicyData, write_policy: Writer
) -> None:
    policy_data["purposes"][5]["follow_up_after_end"] = {
        "months": 3,
        "event_types": ["DEREGISTRATION"],
    }
    _refused(write_policy, policy_data, "purposes[5]", "follow_up_after_end", "ASSIGNMENT")


@pytest.mark.parametrize(
    ("window", "fragment"),
    [
        ({"months": 0, "event_types": ["DEREGISTRATION"]}, "months"),
        ({"months": 25, "event_types": ["DEREGISTRATION"]}, "months"),
        ({"months": 3, "event_types": []}, "event_types"),
        ({"months": 3, "event_types": ["EVERYTHING"]}, "event_types"),
    ],
)
def test_follow_up_windows_are_bounded(
    policy_data: PolicyData, write_policy: Writer, window: dict[str, Any], fragment: str
) -> None:
    policy_data["purposes"][4]["follow_up_after_end"] = window
    _refused(write_policy, policy_data, "purposes[4]", fragment)
