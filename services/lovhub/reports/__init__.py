"""Reports back to the agency: providers' reports checked, restored and forwarded.

- :mod:`~lovhub.reports.index`: provider pseudonym -> jobseeker and assignment periods, from
  the hub's state changelog (pure).
- :mod:`~lovhub.reports.validate`: the checks on one report, in order (pure).
- :mod:`~lovhub.reports.core`: the agency record or the dead letter, and the audit decision
  (pure).
- :mod:`~lovhub.reports.processor`: the Kafka loop (``lovhub run-reports``).
"""

from lovhub.reports.core import PROVIDER_REPORT_EVENT, ReportCore, ReportResult, with_delivery
from lovhub.reports.index import AssignedJobseeker, AssignmentPeriod, PseudonymIndex
from lovhub.reports.validate import (
    REPORT_TOPIC_PATTERN,
    Accepted,
    Refused,
    ReportRefusal,
    report_topic_owner,
    validate_report,
)

__all__ = [
    "PROVIDER_REPORT_EVENT",
    "REPORT_TOPIC_PATTERN",
    "Accepted",
    "AssignedJobseeker",
    "AssignmentPeriod",
    "PseudonymIndex",
    "Refused",
    "ReportCore",
    "ReportRefusal",
    "ReportResult",
    "report_topic_owner",
    "validate_report",
    "with_delivery",
]
