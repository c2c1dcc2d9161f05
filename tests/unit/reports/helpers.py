"""A small world for the report processor's pure tests."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from typing import Any

from lovhub.client import absence_body, activity_body, encode_report, provider_report
from lovhub.client.reports import OutcomeKind, outcome_body
from lovhub.codec import codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.core.state import Assignment
from lovhub.core.state_codec import state_to_bytes
from lovhub.provisioning.topology import provider_report_topic
from lovhub.reports import ReportCore
from lovhub.synthetic import World, build_world

CODEC = codec_for(None)
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
JOBSEEKER = "AS-000000042"
OTHER_JOBSEEKER = "AS-000000043"


@cache
def world() -> World:
    return build_world()


def core() -> ReportCore:
    w = world()
    return ReportCore(
        policy=w.policy,
        recipients=w.recipients.as_mapping(),
        pseudonymiser=w.pseudonymiser(),
        operator_key=w.operator_key.public_key(),
        codec=CODEC,
        agency_topic="test.agency-reports",
        dead_letter_topic="test.dead-letter",
        clock=NOW.timestamp,
    )


def assignment(
    provider: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    assignment_id: str | None = None,
) -> Assignment:
    return Assignment(
        assignment_id or str(uuid.uuid4()),
        provider,
        frozenset({"lov.matching"}),
        valid_from,
        valid_to,
        since=0,
    )


def changelog_value(*assignments: Assignment) -> bytes:
    return state_to_bytes(JobseekerState(assignments={a.assignment_id: a for a in assignments}))


def pseudonym(provider: str, jobseeker: str = JOBSEEKER) -> str:
    return world().pseudonymiser().for_recipient(provider, jobseeker)


def body_for(report_type: str, day: dt.date, activity_code: str = "KROM-01") -> dict[str, Any]:
    if report_type == "ACTIVITY":
        return activity_body(
            activity_code=activity_code, occurred_on=day, duration_minutes=90, note="synthetic note"
        )
    if report_type == "ABSENCE":
        return absence_body(absent_from=day, absent_to=day, notified=False)
    return outcome_body(outcome=OutcomeKind.STARTED_WORK, outcome_date=day, extent_percent=50)


def report_bytes(
    provider: str,
    day: dt.date,
    *,
    report_type: str = "ACTIVITY",
    about: str | None = None,
    claimed_provider: str | None = None,
    assignment_id: str | None = None,
    activity_code: str = "KROM-01",
) -> bytes:
    record = provider_report(
        provider_id=claimed_provider or provider,
        report_type=report_type,
        jobseeker_pseudonym=about or pseudonym(provider),
        report_date=day,
        body=body_for(report_type, day, activity_code),
        submitted_at=NOW,
        assignment_id=assignment_id,
    )
    return encode_report(CODEC, record)[1]


def at(provider: str, offset: int = 0) -> SourcePosition:
    return SourcePosition(provider_report_topic(provider), 0, offset)
