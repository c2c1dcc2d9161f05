"""What the report processor does with one report, without any I/O.

An accepted report becomes an ``AgencyProviderReport`` (the agency's jobseeker id restored,
keyed by it) plus a pending ``PROVIDER_REPORT`` audit decision, DELIVERED once the shell
knows the forwarded record's offset. A refused one becomes a dead letter (the report sealed
to the operators, only codes in clear) plus a REJECTED decision with the reason code. Ids are
derived from the report's place in its topic, so a replay after a crash repeats them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lovhub.codec import AGENCY_PROVIDER_REPORT, Codec
from lovhub.core.outputs import AuditRecord, OutboundRecord, SourcePosition
from lovhub.core.reasons import Outcome
from lovhub.crypto import RecipientPublicKey
from lovhub.pipeline.audit import AuditSubject, audit_decision
from lovhub.pipeline.ids import dead_letter_id
from lovhub.pipeline.rejection import Rejection, dead_letter_record
from lovhub.policy import Policy
from lovhub.provisioning.topology import AGENCY_REPORTS, DEAD_LETTER
from lovhub.pseudonyms import Pseudonymiser
from lovhub.registry import Recipient
from lovhub.reports.index import PseudonymIndex
from lovhub.reports.validate import Accepted, Refused, validate_report

__all__ = ["PROVIDER_REPORT_EVENT", "ReportCore", "ReportResult", "with_delivery"]

PROVIDER_REPORT_EVENT = "PROVIDER_REPORT"


@dataclass(frozen=True, slots=True)
class ReportResult:
    """Exactly one of ``forward`` and ``dead_letter`` is set; ``audit`` accounts for it."""

    source: SourcePosition
    audit: AuditRecord
    forward: OutboundRecord | None = None
    dead_letter: OutboundRecord | None = None

    @property
    def accepted(self) -> bool:
        return self.forward is not None


def with_delivery(
    audit: Mapping[str, Any], topic: str, partition: int, offset: int
) -> dict[str, Any]:
    """The DELIVERED decision completed with where the agency record was acknowledged."""
    return {
        **audit,
        "delivery_topic": topic,
        "delivery_partition": partition,
        "delivery_offset": offset,
    }


class ReportCore:
    """Validates reports against the policy, the registry and the pseudonym index."""

    def __init__(
        self,
        *,
        policy: Policy,
        recipients: Mapping[str, Recipient],
        pseudonymiser: Pseudonymiser,
        operator_key: RecipientPublicKey,
        codec: Codec,
        agency_topic: str = AGENCY_REPORTS,
        dead_letter_topic: str = DEAD_LETTER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self.recipients = dict(recipients)
        self.pseudonymiser = pseudonymiser
        self.operator_key = operator_key
        self.codec = codec
        self.agency_topic = agency_topic
        self.dead_letter_topic = dead_letter_topic
        self.clock = clock
        self.index = PseudonymIndex(pseudonymiser)

    def use_recipients(self, recipients: Mapping[str, Recipient]) -> None:
        """Apply a registry change (e.g. a termination) from the next report on."""
        self.recipients = dict(recipients)

    def process(self, value: bytes | None, source: SourcePosition) -> ReportResult:
        seconds = self.clock()
        now = dt.datetime.fromtimestamp(seconds, dt.UTC)
        verdict = validate_report(
            value,
            topic=source.topic,
            codec=self.codec,
            policy=self.policy,
            recipients=self.recipients,
            index=self.index,
            today=now.date(),
        )
        if isinstance(verdict, Accepted):
            return self._forward(verdict, source, now)
        return self._reject(verdict, value, source, now, seconds)

    def _forward(
        self, accepted: Accepted, source: SourcePosition, now: dt.datetime
    ) -> ReportResult:
        report = accepted.report
        agency_report = {
            "report_id": report["report_id"],
            "report_type": report["report_type"],
            "provider_id": accepted.provider_id,
            "jobseeker_id": accepted.jobseeker_id,
            "assignment_id": accepted.assignment_id,
            "report_date": report["report_date"],
            "submitted_at": report["submitted_at"],
            "received_at": now,
            "body": report["body"],
        }
        forward = OutboundRecord(
            topic=self.agency_topic,
            key=accepted.jobseeker_id.encode(),
            value=self.codec.encode(AGENCY_PROVIDER_REPORT, agency_report),
            headers=(
                ("report_id", str(report["report_id"]).encode()),
                ("provider_id", accepted.provider_id.encode()),
            ),
        )
        audit = self._audit(
            source,
            now,
            provider_id=accepted.provider_id,
            report=report,
            jobseeker_id=accepted.jobseeker_id,
            outcome=Outcome.DELIVERED,
            reason=None,
            purpose=accepted.purpose,
        )
        return ReportResult(source, audit, forward=forward)

    def _reject(
        self,
        refused: Refused,
        value: bytes | None,
        source: SourcePosition,
        now: dt.datetime,
        seconds: float,
    ) -> ReportResult:
        letter, letter_id = dead_letter_record(
            Rejection(refused.refusal.dead_letter_reason, refused.error_code, refused.field_path),
            payload=value,
            source=source,
            dead_letter_topic=self.dead_letter_topic,
            operator_key=self.operator_key,
            codec=self.codec,
            now=now,
            clock_seconds=seconds,
        )
        audit = self._audit(
            source,
            now,
            provider_id=refused.provider_id,
            report=refused.report,
            jobseeker_id=refused.jobseeker_id,
            outcome=Outcome.REJECTED,
            reason=str(refused.refusal),
            purpose=refused.purpose,
            dead_letter=letter_id,
        )
        return ReportResult(source, audit, dead_letter=letter)

    def _audit(
        self,
        source: SourcePosition,
        now: dt.datetime,
        *,
        provider_id: str | None,
        report: Mapping[str, Any] | None,
        jobseeker_id: str | None,
        outcome: str,
        reason: str | None,
        purpose: str | None,
        dead_letter: str | None = None,
    ) -> AuditRecord:
        event = (
            {
                "event_id": report["report_id"],
                "event_type": PROVIDER_REPORT_EVENT,
                "occurred_at": report["submitted_at"],
            }
            if report is not None
            else None
        )
        subject = AuditSubject(
            # The place in the log, not the provider-chosen report id, names the decision.
            decision_key=dead_letter_id(source.topic, source.partition, source.offset),
            recipient_id=provider_id,
            event=event,
            audit_pseudonym=self.pseudonymiser.for_audit(jobseeker_id) if jobseeker_id else None,
            policy_version=self.policy.version,
            now=now,
            sequence=0,  # the chained writer assigns the real sequence
        )
        decision = audit_decision(
            subject,
            outcome=outcome,
            reason=reason,
            purposes=(purpose,) if purpose else (),
            legal_basis="ASSIGNMENT" if outcome == Outcome.DELIVERED else "NONE",
            dead_letter_id=dead_letter,
        )
        if event is None:
            # Unreadable input still says what kind of input it was.
            decision["event_type"] = PROVIDER_REPORT_EVENT
        return decision
