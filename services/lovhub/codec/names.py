"""Full names of the top-level schemas in ``schemas/``; use these instead of string literals.

A name without a version means the latest version in the store; ``NAME@N`` pins version N.
"""

from __future__ import annotations

__all__ = [
    "AGENCY_PROVIDER_REPORT",
    "AUDIT_CHECKPOINT",
    "AUDIT_DECISION",
    "DEAD_LETTER_RECORD",
    "JOBSEEKER_EVENT",
    "OPERATOR_LOOKUP",
    "PROVIDER_REPORT",
    "RECIPIENT_CHANGE",
    "RECIPIENT_RECORD",
    "TOP_LEVEL_SCHEMAS",
    "versioned",
]

JOBSEEKER_EVENT = "se.lovhub.agency.JobseekerEvent"
RECIPIENT_RECORD = "se.lovhub.recipient.RecipientRecord"
PROVIDER_REPORT = "se.lovhub.report.ProviderReport"
AGENCY_PROVIDER_REPORT = "se.lovhub.report.AgencyProviderReport"
AUDIT_DECISION = "se.lovhub.audit.AuditDecision"
AUDIT_CHECKPOINT = "se.lovhub.audit.AuditCheckpoint"
DEAD_LETTER_RECORD = "se.lovhub.deadletter.DeadLetterRecord"
RECIPIENT_CHANGE = "se.lovhub.registry.RecipientChange"
OPERATOR_LOOKUP = "se.lovhub.audit.OperatorLookup"

TOP_LEVEL_SCHEMAS = (
    JOBSEEKER_EVENT,
    RECIPIENT_RECORD,
    PROVIDER_REPORT,
    AGENCY_PROVIDER_REPORT,
    AUDIT_DECISION,
    AUDIT_CHECKPOINT,
    DEAD_LETTER_RECORD,
    RECIPIENT_CHANGE,
    OPERATOR_LOOKUP,
)


def versioned(name: str, version: int) -> str:
    """The reference to one version of a schema, e.g. ``versioned(JOBSEEKER_EVENT, 1)``."""
    return f"{name}@{version}"
