"""Is this provider report acceptable? One pure function, checks in a fixed order.

1. The topic is a provider report topic (``lov.provider.<id>.reports.v1``); its owner is the
   only provider the report can come from (the broker lets only that provider write it).
2. The bytes decode as a ``ProviderReport`` and pass the field checks; an activity's code is
   in the policy's activity catalogue.
3. ``provider_id`` is the topic's owner.
4. The owner is a registered provider that is not terminated. A suspended provider may still
   report (absences and outcomes of its past work are what the agency needs to settle it).
5. The policy maps the report type to a purpose, and the provider's contract includes it.
6. The report date is not in the future (one day of slack for time zones).
7. The pseudonym names a jobseeker assigned to this provider, by an assignment in force on
   the report date (the named assignment, when the report names one).

The first failing check decides the reason. Reasons are codes, never values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lovhub.codec import PROVIDER_REPORT, Codec, CodecError, validate_provider_report
from lovhub.codec.errors import FieldProblem, InvalidFieldError
from lovhub.policy import Policy
from lovhub.registry import Recipient, RecipientStatus
from lovhub.reports.index import AssignedJobseeker, PseudonymIndex

__all__ = [
    "REPORT_TOPIC_PATTERN",
    "Accepted",
    "Refused",
    "ReportRefusal",
    "report_topic_owner",
    "validate_report",
]

#: Every provider's report topic (``provisioning.topology.provider_report_topic``).
REPORT_TOPIC_PATTERN = r"^lov\.provider\.([a-z0-9][a-z0-9-]*)\.reports\.v1$"
_REPORT_TOPIC = re.compile(REPORT_TOPIC_PATTERN)
DATE_SLACK = dt.timedelta(days=1)


class ReportRefusal(StrEnum):
    """Audit reason codes of a refused report; each maps to a dead-letter reason."""

    NOT_A_REPORT_TOPIC = "NOT_A_REPORT_TOPIC"
    MALFORMED = "MALFORMED"
    UNKNOWN_SCHEMA = "UNKNOWN_SCHEMA"
    OVERSIZED = "OVERSIZED"
    INVALID_FIELD = "INVALID_FIELD"
    PROVIDER_MISMATCH = "PROVIDER_MISMATCH"
    UNKNOWN_RECIPIENT = "UNKNOWN_RECIPIENT"
    REPORT_TYPE_NOT_CONTRACTED = "REPORT_TYPE_NOT_CONTRACTED"
    REPORT_DATE_IN_FUTURE = "REPORT_DATE_IN_FUTURE"
    NOT_ASSIGNED = "NOT_ASSIGNED"

    @property
    def dead_letter_reason(self) -> str:
        """The ``DeadLetterReason`` symbol (the schema's enum is coarser)."""
        return _DEAD_LETTER_REASON.get(self, "OTHER")


_DEAD_LETTER_REASON = {
    ReportRefusal.MALFORMED: "MALFORMED",
    ReportRefusal.UNKNOWN_SCHEMA: "UNKNOWN_SCHEMA",
    ReportRefusal.OVERSIZED: "OVERSIZED",
    ReportRefusal.INVALID_FIELD: "INVALID_FIELD",
    ReportRefusal.REPORT_DATE_IN_FUTURE: "INVALID_FIELD",
    ReportRefusal.UNKNOWN_RECIPIENT: "UNKNOWN_RECIPIENT",
    ReportRefusal.NOT_ASSIGNED: "NOT_ASSIGNED",
}


@dataclass(frozen=True, slots=True)
class Accepted:
    report: dict[str, Any]
    provider_id: str
    jobseeker_id: str
    assignment_id: str | None  # the report's own, else the one assignment in force
    purpose: str


@dataclass(frozen=True, slots=True)
class Refused:
    refusal: ReportRefusal
    error_code: str
    field_path: str | None = None
    provider_id: str | None = None  # the topic's owner, when the topic is a report topic
    report: dict[str, Any] | None = None  # when it decoded
    jobseeker_id: str | None = None  # when the pseudonym led to one
    purpose: str | None = None


def report_topic_owner(topic: str) -> str | None:
    """The provider whose report topic this is; None for any other topic."""
    match = _REPORT_TOPIC.fullmatch(topic)
    return match.group(1) if match else None


def validate_report(
    value: bytes | None,
    *,
    topic: str,
    codec: Codec,
    policy: Policy,
    recipients: Mapping[str, Recipient],
    index: PseudonymIndex,
    today: dt.date,
) -> Accepted | Refused:
    """Check one report read from ``topic``; see the module docstring for the order."""
    owner = report_topic_owner(topic)
    if owner is None:
        return Refused(ReportRefusal.NOT_A_REPORT_TOPIC, "NOT_A_REPORT_TOPIC")
    if not value:
        return Refused(ReportRefusal.MALFORMED, "EMPTY_RECORD", provider_id=owner)
    try:
        report = codec.decode(value, PROVIDER_REPORT)
    except CodecError as error:
        refusal = _codec_refusal(error)
        return Refused(refusal, error.code, provider_id=owner)
    try:
        validate_provider_report(report)
    except InvalidFieldError as error:
        return Refused(
            ReportRefusal.INVALID_FIELD,
            str(error.reason),
            field_path=error.path,
            provider_id=owner,
            report=report,
        )
    body_type, body = report["body"]
    if body_type.endswith(".ActivityReport") and not policy.knows_activity_code(
        body["activity_code"]
    ):
        return Refused(
            ReportRefusal.INVALID_FIELD,
            str(FieldProblem.UNKNOWN_CATALOGUE_ID),
            field_path="body.activity_code",
            provider_id=owner,
            report=report,
        )
    if report["provider_id"] != owner:
        return Refused(
            ReportRefusal.PROVIDER_MISMATCH, "PROVIDER_MISMATCH", "provider_id", owner, report
        )
    recipient = recipients.get(owner)
    if (
        recipient is None
        or not recipient.is_provider
        or recipient.status is RecipientStatus.TERMINATED
    ):
        return Refused(ReportRefusal.UNKNOWN_RECIPIENT, "UNKNOWN_PROVIDER", None, owner, report)
    purpose = policy.purpose_for_report(report["report_type"])
    if purpose is None or purpose not in recipient.contracted_purposes:
        return Refused(
            ReportRefusal.REPORT_TYPE_NOT_CONTRACTED,
            "REPORT_TYPE_NOT_CONTRACTED",
            "report_type",
            owner,
            report,
            purpose=purpose,
        )
    report_date: dt.date = report["report_date"]
    if report_date > today + DATE_SLACK:
        return Refused(
            ReportRefusal.REPORT_DATE_IN_FUTURE,
            "REPORT_DATE_IN_FUTURE",
            "report_date",
            owner,
            report,
            purpose=purpose,
        )
    assigned = index.lookup(owner, report["jobseeker_pseudonym"])
    in_force = _in_force(assigned, report_date, report["assignment_id"])
    if assigned is None or not in_force:
        return Refused(
            ReportRefusal.NOT_ASSIGNED,
            "NOT_ASSIGNED",
            "jobseeker_pseudonym",
            owner,
            report,
            jobseeker_id=assigned.jobseeker_id if assigned else None,
            purpose=purpose,
        )
    assignment_id = report["assignment_id"] or (
        in_force[0].assignment_id if len(in_force) == 1 else None
    )
    return Accepted(report, owner, assigned.jobseeker_id, assignment_id, purpose)


def _in_force(
    assigned: AssignedJobseeker | None, day: dt.date, assignment_id: str | None
) -> list[Any]:
    return [] if assigned is None else assigned.covering(day, assignment_id)


def _codec_refusal(error: CodecError) -> ReportRefusal:
    try:
        return ReportRefusal(error.dead_letter_reason)
    except ValueError:
        return ReportRefusal.MALFORMED
