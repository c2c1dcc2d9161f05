"""Building a provider's report (``ProviderReport``): pure, checked before it is sent.

The jobseeker is named only by the pseudonym the provider received in its deliveries; the
hub restores the agency's id after checking the provider may report on that jobseeker.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from lovhub.codec import PROVIDER_REPORT, Codec, validate_provider_report

__all__ = [
    "OutcomeKind",
    "absence_body",
    "activity_body",
    "encode_report",
    "outcome_body",
    "provider_report",
]

_NS = "se.lovhub.report."
_BODY_OF = {
    "ACTIVITY": _NS + "ActivityReport",
    "ABSENCE": _NS + "AbsenceReport",
    "OUTCOME": _NS + "OutcomeReport",
}


class OutcomeKind(StrEnum):
    """Outcomes as the command line spells them, mapped to the schema's symbols."""

    STARTED_WORK = "started-work"
    STARTED_STUDIES = "started-studies"
    OTHER = "other"

    @property
    def symbol(self) -> str:
        return self.name


def activity_body(
    *, activity_code: str, occurred_on: dt.date, duration_minutes: int, note: str | None = None
) -> dict[str, Any]:
    return {
        "activity_code": activity_code,
        "occurred_on": occurred_on,
        "duration_minutes": duration_minutes,
        "note": note,
    }


def absence_body(*, absent_from: dt.date, absent_to: dt.date, notified: bool) -> dict[str, Any]:
    return {
        "absent_from": absent_from,
        "absent_to": absent_to,
        "kind": "NOTIFIED" if notified else "NOT_NOTIFIED",
    }


def outcome_body(
    *,
    outcome: OutcomeKind,
    outcome_date: dt.date,
    employer_org_number: str | None = None,
    extent_percent: int | None = None,
) -> dict[str, Any]:
    return {
        "outcome": outcome.symbol,
        "outcome_date": outcome_date,
        "employer_org_number": employer_org_number,
        "extent_percent": extent_percent,
    }


def provider_report(
    *,
    provider_id: str,
    report_type: str,
    jobseeker_pseudonym: str,
    report_date: dt.date,
    body: dict[str, Any],
    submitted_at: dt.datetime,
    report_id: str | None = None,
    assignment_id: str | None = None,
) -> dict[str, Any]:
    """One ``ProviderReport``; raises ``InvalidFieldError`` (a path, never a value) when a
    field is unacceptable, so a bad report never leaves the provider."""
    body_name = _BODY_OF.get(report_type)
    if body_name is None:
        raise ValueError(f"unknown report type {report_type!r}")
    record = {
        "report_id": report_id or str(uuid.uuid4()),
        "report_type": report_type,
        "provider_id": provider_id,
        "jobseeker_pseudonym": jobseeker_pseudonym,
        "assignment_id": assignment_id,
        "report_date": report_date,
        "submitted_at": submitted_at,
        "body": (body_name, body),
    }
    validate_provider_report(record)
    return record


def encode_report(codec: Codec, record: dict[str, Any]) -> tuple[bytes, bytes]:
    """(key, value) to produce: keyed by pseudonym so one jobseeker's reports stay ordered."""
    return record["jobseeker_pseudonym"].encode(), codec.encode(PROVIDER_REPORT, record)
