"""Operators' lookups of a person leave a trace (issue 15, part 4). Pure: no I/O.

``lovhub audit report`` and ``lovhub audit replay`` naming a person need a case reference
(``--case``) and take the operator from the Kafka login; before they show anything they
append an ``OperatorLookup`` record (schema ``schemas/audit/OperatorLookup.v1.avsc``) to the
hash-chained lookup topic: who, when, for which case, with which command, and the person by
audit pseudonym only. The person's access report lists the lookups made about them.

This module checks the case reference and the operator, builds the record and selects the
lookups about one person; :mod:`lovhub.cli.audit_lookups` reads and writes the topic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from lovhub.errors import ConfigurationError, UsageError
from lovhub.identity import holds_personal_id_shape
from lovhub.operators.texts import Language, lookup_command_text

__all__ = [
    "CASE_REFERENCE_RULE",
    "CaseReferenceInvalid",
    "CaseRequired",
    "LookupCommand",
    "LookupLine",
    "case_reference",
    "lookup_lines",
    "lookup_record",
    "lookups_about",
    "operator_of",
]

CASE_REFERENCE_RULE: Final = (
    "3 to 64 letters, digits, spaces and . _ / : # -, starting with a letter or digit, "
    "with no personal identity number and no run of ten or more digits"
)
_CASE: Final = re.compile(r"[A-Za-z0-9ÅÄÖåäöÉéÜü][A-Za-z0-9ÅÄÖåäöÉéÜü ._/:#-]{2,63}")
_AUDIT_PSEUDONYM: Final = re.compile(r"au_[0-9a-f]{32}")
_MAX_OPERATOR: Final = 255


class LookupCommand(StrEnum):
    """The ``command`` symbols of ``OperatorLookup``."""

    ACCESS_REPORT = "ACCESS_REPORT"
    REPLAY = "REPLAY"
    OTHER = "OTHER"


class CaseRequired(UsageError):
    """A lookup of a person without ``--case``."""

    code = "CASE_REQUIRED"


class CaseReferenceInvalid(UsageError):
    """A ``--case`` value that is not a bounded, plain case reference (never echoed)."""

    code = "CASE_REFERENCE_INVALID"


def case_reference(value: str | None) -> str:
    """The case reference a lookup is made for, checked; refused without echoing it (it may
    hold what must not be written anywhere)."""
    if value is None or not value.strip():
        raise CaseRequired(
            "a lookup of a person needs --case REF: the case (ärende) it is made for; "
            "the lookup is recorded, with the case, before anything is shown"
        )
    text = value.strip()
    if holds_personal_id_shape(text):
        raise CaseReferenceInvalid(
            "--case looks like it holds a personal identity number (or a run of ten or more "
            "digits): give the case system's reference, never a personal id; the value is "
            "not repeated here"
        )
    if _CASE.fullmatch(text) is None:
        raise CaseReferenceInvalid(f"--case must be {CASE_REFERENCE_RULE}")
    return text


def operator_of(sasl_username: str | None) -> str:
    """Who looks: the principal the command logs in to Kafka as, which the broker
    authenticates (the same login writes the lookup record)."""
    name = (sasl_username or "").strip()
    if not name:
        raise ConfigurationError(
            "a lookup records who made it: log in to Kafka with a SASL user name "
            "(LOVHUB_KAFKA_SASL_USERNAME, or the local broker's connection file)"
        )
    if len(name) > _MAX_OPERATOR or not name.isprintable():
        raise ConfigurationError("the Kafka user name cannot name the operator of a lookup")
    return name


def lookup_record(
    *,
    lookup_id: str,
    at: dt.datetime,
    operator: str,
    case: str,
    command: LookupCommand,
    pseudonyms: Iterable[str],
) -> dict[str, Any]:
    """The ``OperatorLookup`` fields of one lookup (the chain adds sequence and hashes).

    ``pseudonyms`` must be audit pseudonyms (``au_`` and 32 hex digits): anything else, a
    personal id or an agency jobseeker id in clear above all, is refused (ValueError)."""
    if at.tzinfo is None:
        raise ValueError("lookup times must be timezone-aware")
    named = sorted(set(pseudonyms))
    if any(_AUDIT_PSEUDONYM.fullmatch(p) is None for p in named):
        raise ValueError("a lookup names the person by audit pseudonym only")
    return {
        "lookup_id": lookup_id,
        "looked_up_at": at,
        "operator": operator,
        "case_reference": case,
        "command": command.value,
        "jobseeker_audit_pseudonyms": named,
    }


def lookups_about(
    records: Iterable[Mapping[str, Any]], pseudonyms: frozenset[str]
) -> list[Mapping[str, Any]]:
    """The lookups that named any of the person's audit pseudonyms, in chain order."""
    return [r for r in records if pseudonyms.intersection(r["jobseeker_audit_pseudonyms"])]


@dataclass(frozen=True, slots=True)
class LookupLine:
    """One lookup of the person, as the access report shows it."""

    looked_up_at: dt.datetime
    case_reference: str
    operator: str
    command: str
    command_text: str
    # The lookup made to produce the report it appears in.
    this_report: bool


def lookup_lines(
    records: Iterable[Mapping[str, Any]], lang: Language, this_lookup_id: str | None = None
) -> tuple[LookupLine, ...]:
    """The person's lookups for the access report, newest first."""
    lines = [
        LookupLine(
            looked_up_at=r["looked_up_at"],
            case_reference=str(r["case_reference"]),
            operator=str(r["operator"]),
            command=str(r["command"]),
            command_text=lookup_command_text(str(r["command"]), lang),
            this_report=this_lookup_id is not None and r["lookup_id"] == this_lookup_id,
        )
        for r in records
    ]
    return tuple(sorted(lines, key=lambda line: line.looked_up_at, reverse=True))
