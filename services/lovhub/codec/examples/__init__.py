"""Realistic, entirely synthetic example records for every top-level schema version.

Used by the codec tests (every schema version must have one), the demo and the benchmarks.
All values come from a seeded :class:`random.Random`, so a seed reproduces the same records.
Personal ids are Skatteverket's published test numbers
(:func:`lovhub.identity.synthetic_personal_id`).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from lovhub.codec import names
from lovhub.codec.examples._common import PROVIDERS, THIRD_PARTIES, Record
from lovhub.codec.examples.agency import (
    EVENT_TYPES,
    LATEST_VERSION,
    event_types_in,
    jobseeker_event,
)
from lovhub.codec.examples.records import (
    agency_provider_report,
    audit_checkpoint,
    audit_decision,
    dead_letter,
    provider_report,
    recipient_record,
)
from lovhub.codec.examples.registry import operator_lookup, recipient_change

__all__ = [
    "EVENT_TYPES",
    "LATEST_VERSION",
    "PROVIDERS",
    "THIRD_PARTIES",
    "Record",
    "agency_provider_report",
    "audit_checkpoint",
    "audit_decision",
    "dead_letter",
    "event_types_in",
    "example_record",
    "example_refs",
    "jobseeker_event",
    "operator_lookup",
    "provider_report",
    "recipient_change",
    "recipient_record",
]

_EXAMPLES: dict[str, Callable[[random.Random], Record]] = {
    f"{names.JOBSEEKER_EVENT}@1": lambda rng: jobseeker_event("REGISTRATION", rng, version=1),
    f"{names.JOBSEEKER_EVENT}@2": lambda rng: jobseeker_event("REGISTRATION", rng, version=2),
    # A consent shows what v3 adds to a body an older reader also knows.
    f"{names.JOBSEEKER_EVENT}@3": lambda rng: jobseeker_event("CONSENT_GIVEN", rng, version=3),
    f"{names.RECIPIENT_RECORD}@1": recipient_record,
    f"{names.RECIPIENT_RECORD}@2": lambda rng: {
        **recipient_record(rng),
        "binding": rng.randbytes(32),
    },
    f"{names.PROVIDER_REPORT}@1": lambda rng: provider_report(rng, report_type="OUTCOME"),
    f"{names.AGENCY_PROVIDER_REPORT}@1": agency_provider_report,
    f"{names.AUDIT_DECISION}@1": audit_decision,
    f"{names.AUDIT_CHECKPOINT}@1": audit_checkpoint,
    f"{names.DEAD_LETTER_RECORD}@1": dead_letter,
    f"{names.RECIPIENT_CHANGE}@1": recipient_change,
    f"{names.OPERATOR_LOOKUP}@1": operator_lookup,
}


def example_refs() -> frozenset[str]:
    """The ``name@version`` references that have an example."""
    return frozenset(_EXAMPLES)


def example_record(name: str, version: int, *, rng: random.Random | None = None) -> Record:
    """An example record for one version of a top-level schema; KeyError if none."""
    return _EXAMPLES[f"{name}@{version}"](rng or random.Random(0))  # noqa: S311 (test data)
