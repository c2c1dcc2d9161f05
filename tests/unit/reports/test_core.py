"""The report processor's pure core: forwarded, or dead-lettered and audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.codec import AGENCY_PROVIDER_REPORT, DEAD_LETTER_RECORD
from lovhub.core.outputs import SourcePosition
from lovhub.crypto import open_for_operators
from lovhub.provisioning.topology import provider_report_topic
from lovhub.reports import ReportCore, ReportResult, report_topic_owner, with_delivery
from tests.unit.reports.helpers import (
    CODEC,
    JOBSEEKER,
    NOW,
    OTHER_JOBSEEKER,
    assignment,
    at,
    changelog_value,
    core,
    pseudonym,
    report_bytes,
    world,
)

MARCH = dt.date(2026, 3, 1)
POLICY_FILE = Path(__file__).resolve().parents[3] / "deploy" / "policy" / "policy.yaml"
DAY = dt.date(2026, 4, 2)


def assigned_core(*assignments: object, jobseeker: str = JOBSEEKER) -> ReportCore:
    processor = core()
    processor.index.apply(jobseeker.encode(), changelog_value(*assignments))  # type: ignore[arg-type]
    return processor


def rejected(result: ReportResult) -> str:
    assert result.forward is None
    assert result.dead_letter is not None
    assert result.audit["outcome"] == "REJECTED"
    letter = CODEC.decode(result.dead_letter.value, DEAD_LETTER_RECORD)
    assert result.audit["dead_letter_id"] == letter["dead_letter_id"]
    reason: str = result.audit["reason_code"]
    return reason


def test_a_valid_report_reaches_the_agency_with_the_jobseeker_id_restored() -> None:
    the_assignment = assignment("jobbcoach-syd", MARCH)
    processor = assigned_core(the_assignment)
    result = processor.process(report_bytes("jobbcoach-syd", DAY), at("jobbcoach-syd", 5))
    assert result.forward is not None
    assert result.dead_letter is None
    assert result.forward.topic == "test.agency-reports"
    assert result.forward.key == JOBSEEKER.encode()
    forwarded = CODEC.decode(result.forward.value, AGENCY_PROVIDER_REPORT)
    assert forwarded["jobseeker_id"] == JOBSEEKER
    assert forwarded["provider_id"] == "jobbcoach-syd"
    assert forwarded["assignment_id"] == the_assignment.assignment_id
    assert forwarded["report_date"] == DAY
    assert forwarded["received_at"] == NOW
    audit = result.audit
    assert audit["outcome"] == "DELIVERED"
    assert audit["reason_code"] is None
    assert audit["event_type"] == "PROVIDER_REPORT"
    assert audit["recipient_id"] == "jobbcoach-syd"
    assert audit["purposes"] == ["lov.follow-up"]
    assert audit["legal_basis"] == "ASSIGNMENT"
    assert audit["jobseeker_audit_pseudonym"] == world().pseudonymiser().for_audit(JOBSEEKER)
    assert audit["event_id"] == forwarded["report_id"]
    done = with_delivery(audit, "test.agency-reports", 2, 17)
    assert (done["delivery_topic"], done["delivery_partition"], done["delivery_offset"]) == (
        "test.agency-reports",
        2,
        17,
    )


def test_a_report_on_someone_assigned_to_another_provider_is_rejected() -> None:
    processor = assigned_core(assignment("framtidsvagen", MARCH))
    # jobbcoach-syd reports under the pseudonym framtidsvagen received: it names nobody here.
    stolen = pseudonym("framtidsvagen")
    result = processor.process(
        report_bytes("jobbcoach-syd", DAY, about=stolen), at("jobbcoach-syd")
    )
    assert rejected(result) == "NOT_ASSIGNED"
    assert result.audit["recipient_id"] == "jobbcoach-syd"
    assert result.audit["jobseeker_audit_pseudonym"] is None
    letter = CODEC.decode(result.dead_letter.value, DEAD_LETTER_RECORD)  # type: ignore[union-attr]
    assert letter["reason"] == "NOT_ASSIGNED"


def test_a_report_outside_the_assignment_period_is_rejected_with_the_jobseeker_known() -> None:
    processor = assigned_core(assignment("jobbcoach-syd", MARCH, dt.date(2026, 3, 31)))
    result = processor.process(report_bytes("jobbcoach-syd", DAY), at("jobbcoach-syd"))
    assert rejected(result) == "NOT_ASSIGNED"
    assert result.audit["jobseeker_audit_pseudonym"] == world().pseudonymiser().for_audit(JOBSEEKER)


@pytest.mark.parametrize(
    ("day", "accepted"),
    [
        (dt.date(2026, 2, 28), False),  # the day before the assignment starts
        (MARCH, True),  # its first day
        (dt.date(2026, 3, 31), True),  # its last day (valid_to is inclusive)
        (dt.date(2026, 4, 1), False),  # the day after
    ],
)
def test_assignment_periods_include_their_first_and_last_day(day: dt.date, accepted: bool) -> None:
    processor = assigned_core(assignment("jobbcoach-syd", MARCH, dt.date(2026, 3, 31)))
    result = processor.process(report_bytes("jobbcoach-syd", day), at("jobbcoach-syd"))
    assert result.accepted is accepted


def test_an_assignment_ended_early_covers_reports_up_to_its_end_day_only() -> None:
    planned = assignment("jobbcoach-syd", MARCH)  # open-ended when it started
    ended_early = dataclasses.replace(planned, ended_at=7, ended_on=dt.date(2026, 3, 20))
    processor = assigned_core(ended_early)
    on_last_day = processor.process(
        report_bytes("jobbcoach-syd", dt.date(2026, 3, 20)), at("jobbcoach-syd")
    )
    after_end = processor.process(
        report_bytes("jobbcoach-syd", dt.date(2026, 3, 21)), at("jobbcoach-syd", 1)
    )
    assert on_last_day.accepted
    assert rejected(after_end) == "NOT_ASSIGNED"


def test_a_report_naming_another_assignment_is_rejected() -> None:
    processor = assigned_core(assignment("jobbcoach-syd", MARCH))
    other = "0b6f5a52-8d1e-4c7a-9a51-3c1d2e4f5a6b"
    result = processor.process(
        report_bytes("jobbcoach-syd", DAY, assignment_id=other), at("jobbcoach-syd")
    )
    assert rejected(result) == "NOT_ASSIGNED"


def test_a_report_type_outside_the_contract_is_rejected() -> None:
    # karriarbron has no lov.follow-up: no activity reports; lov.compensation: outcomes.
    processor = assigned_core(assignment("karriarbron", MARCH))
    activity = processor.process(report_bytes("karriarbron", DAY), at("karriarbron"))
    assert rejected(activity) == "REPORT_TYPE_NOT_CONTRACTED"
    assert activity.audit["purposes"] == ["lov.follow-up"]
    outcome = processor.process(
        report_bytes("karriarbron", DAY, report_type="OUTCOME"), at("karriarbron", 1)
    )
    assert outcome.accepted
    assert outcome.audit["purposes"] == ["lov.compensation"]


def _catalogue() -> list[str]:
    # Read from the policy file here, not through lovhub.policy: an independent oracle.
    data = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    return [entry["code"] for entry in data["activity_codes"]]


@pytest.mark.parametrize("code", _catalogue())
def test_an_activity_with_any_catalogue_code_is_forwarded(code: str) -> None:
    processor = assigned_core(assignment("jobbcoach-syd", MARCH))
    report = report_bytes("jobbcoach-syd", DAY, activity_code=code)
    assert processor.process(report, at("jobbcoach-syd")).accepted


@pytest.mark.parametrize("code", ["KROM-99", "krom-01", "A-CV2"])
def test_an_activity_with_a_code_outside_the_catalogue_is_rejected(code: str) -> None:
    assert code not in _catalogue()
    processor = assigned_core(assignment("jobbcoach-syd", MARCH))
    result = processor.process(
        report_bytes("jobbcoach-syd", DAY, activity_code=code), at("jobbcoach-syd")
    )
    assert rejected(result) == "INVALID_FIELD"
    assert result.dead_letter is not None
    letter = CODEC.decode(result.dead_letter.value, DEAD_LETTER_RECORD)
    assert (letter["error_code"], letter["field_path"]) == (
        "UNKNOWN_CATALOGUE_ID",
        "body.activity_code",
    )


def test_a_report_claiming_another_provider_is_rejected() -> None:
    processor = assigned_core(assignment("framtidsvagen", MARCH))
    forged = report_bytes(
        "framtidsvagen", DAY, claimed_provider="framtidsvagen", about=pseudonym("framtidsvagen")
    )
    # framtidsvagen's report, but read from jobbcoach-syd's topic (its owner sent it).
    result = processor.process(forged, at("jobbcoach-syd"))
    assert rejected(result) == "PROVIDER_MISMATCH"


def test_a_report_from_an_unregistered_provider_topic_is_rejected() -> None:
    processor = core()
    result = processor.process(report_bytes("okand-aktor", DAY), at("okand-aktor"))
    assert rejected(result) == "UNKNOWN_RECIPIENT"


def test_a_report_dated_in_the_future_is_rejected() -> None:
    processor = assigned_core(assignment("jobbcoach-syd", MARCH))
    later = NOW.date() + dt.timedelta(days=3)
    result = processor.process(report_bytes("jobbcoach-syd", later), at("jobbcoach-syd"))
    assert rejected(result) == "REPORT_DATE_IN_FUTURE"


def test_unreadable_input_is_dead_lettered_sealed_to_the_operators() -> None:
    processor = core()
    garbage = b"\xc3\x01" + b"synthetic garbage AS-000000042 " * 3
    result = processor.process(garbage, at("jobbcoach-syd", 9))
    assert rejected(result) in ("MALFORMED", "UNKNOWN_SCHEMA")
    assert result.audit["event_type"] == "PROVIDER_REPORT"
    assert result.audit["event_id"] is None
    assert result.dead_letter is not None
    assert b"AS-000000042" not in result.dead_letter.value
    letter = CODEC.decode(result.dead_letter.value, DEAD_LETTER_RECORD)
    assert (letter["source_topic"], letter["source_offset"]) == (
        provider_report_topic("jobbcoach-syd"),
        9,
    )
    opened = open_for_operators(
        letter["operator_key_id"],
        letter["encrypted_payload"],
        dead_letter_id=letter["dead_letter_id"],
        private_key=world().operator_key,
    )
    assert opened == garbage


def test_a_rejected_valid_looking_report_is_not_in_clear_in_its_dead_letter() -> None:
    processor = core()
    value = report_bytes("jobbcoach-syd", DAY)
    result = processor.process(value, at("jobbcoach-syd"))
    assert rejected(result) == "NOT_ASSIGNED"
    assert result.dead_letter is not None
    assert pseudonym("jobbcoach-syd").encode() not in result.dead_letter.value
    assert b"synthetic note" not in result.dead_letter.value


def test_a_topic_that_is_not_a_report_topic_is_refused() -> None:
    processor = core()
    source = SourcePosition("lov.provider.jobbcoach-syd.v1", 0, 0)
    assert rejected(processor.process(report_bytes("jobbcoach-syd", DAY), source)) == (
        "NOT_A_REPORT_TOPIC"
    )


def test_decisions_are_named_by_the_reports_place_in_the_log() -> None:
    processor = assigned_core(assignment("jobbcoach-syd", MARCH))
    value = report_bytes("jobbcoach-syd", DAY)
    first = processor.process(value, at("jobbcoach-syd", 3))
    replay = processor.process(value, at("jobbcoach-syd", 3))
    resent = processor.process(value, at("jobbcoach-syd", 4))
    assert first.audit["decision_id"] == replay.audit["decision_id"]
    assert first.audit["decision_id"] != resent.audit["decision_id"]


def test_the_changelog_replaces_and_deletes_what_the_index_knows() -> None:
    processor = assigned_core(assignment("jobbcoach-syd", MARCH))
    processor.index.apply(
        OTHER_JOBSEEKER.encode(), changelog_value(assignment("karriarbron", MARCH))
    )
    assert processor.index.lookup("jobbcoach-syd", pseudonym("jobbcoach-syd")) is not None
    processor.index.apply(JOBSEEKER.encode(), changelog_value(assignment("framtidsvagen", MARCH)))
    assert processor.index.lookup("jobbcoach-syd", pseudonym("jobbcoach-syd")) is None
    assert processor.index.lookup("framtidsvagen", pseudonym("framtidsvagen")) is not None
    processor.index.apply(JOBSEEKER.encode(), None)
    assert processor.index.lookup("framtidsvagen", pseudonym("framtidsvagen")) is None
    assert len(processor.index) == 1
    processor.index.apply(JOBSEEKER.encode(), b"not json")
    assert processor.index.unreadable == 1


@pytest.mark.parametrize("provider", ["jobbcoach-syd", "a", "x-1-y"])
def test_report_topic_owner_inverts_the_topic_name(provider: str) -> None:
    assert report_topic_owner(provider_report_topic(provider)) == provider
    assert report_topic_owner(f"lov.provider.{provider}.v1") is None
    assert report_topic_owner(f"lov.thirdparty.{provider}.reports.v1") is None


_BASE = dt.date(2026, 1, 1)
# Small ranges, so report days often fall on a first or last day.
days = st.integers(min_value=0, max_value=20)
periods = st.lists(
    st.tuples(days, st.one_of(st.none(), st.integers(min_value=0, max_value=8))),
    max_size=3,
)


@settings(max_examples=120, deadline=None)
@given(mine=periods, theirs=periods, report_day=days)
def test_acceptance_matches_a_plain_reading_of_the_assignment_periods(
    mine: list[tuple[int, int | None]], theirs: list[tuple[int, int | None]], report_day: int
) -> None:
    def made(provider: str, spans: list[tuple[int, int | None]]) -> list[object]:
        return [
            assignment(
                provider,
                _BASE + dt.timedelta(days=start),
                None if length is None else _BASE + dt.timedelta(days=start + length),
            )
            for start, length in spans
        ]

    processor = assigned_core(*made("jobbcoach-syd", mine), *made("framtidsvagen", theirs))
    day = _BASE + dt.timedelta(days=report_day)
    result = processor.process(report_bytes("jobbcoach-syd", day), at("jobbcoach-syd"))
    # Reference: assigned to the reporter on that day, first to last day inclusive.
    expected = any(
        start <= report_day and (length is None or report_day <= start + length)
        for start, length in mine
    )
    assert result.accepted == expected
    if not expected:
        assert result.audit["reason_code"] == "NOT_ASSIGNED"
