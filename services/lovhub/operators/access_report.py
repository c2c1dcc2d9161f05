"""The GDPR art. 15 access report: who received what about one person, when and why.

Built from that person's audit decisions only (selected by their audit pseudonyms before
they reach this module), so it cannot say anything about anyone else. Pure: the renderers
in :mod:`lovhub.operators.report_render` turn it into text, JSON or HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lovhub.core.reasons import Outcome
from lovhub.operators.lookups import LookupLine
from lovhub.operators.texts import (
    Language,
    event_type_text,
    field_text,
    legal_basis_text,
    purpose_name,
    reason_text,
)
from lovhub.registry import Recipient

__all__ = [
    "AccessReport",
    "DeliveryLine",
    "PurposeLine",
    "RecipientLine",
    "RecipientLocation",
    "WithheldLine",
    "build_access_report",
    "recipient_locations",
]


@dataclass(frozen=True, slots=True)
class PurposeLine:
    id: str
    name: str


# The report processor's decisions (lov.hub.audit.reports.v1) name the reporting provider as
# recipient_id; they record data the agency received, never a disclosure by the hub.
PROVIDER_REPORT_EVENT = "PROVIDER_REPORT"


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """One delivery to one recipient."""

    decided_at: dt.datetime
    occurred_at: dt.datetime | None
    recipient_id: str
    recipient_name: str
    event_type: str
    event_text: str
    fields: tuple[str, ...]
    field_texts: tuple[str, ...]
    purposes: tuple[PurposeLine, ...]
    legal_basis: str
    legal_basis_text: str
    consent_id: str | None
    redelivery: bool


@dataclass(frozen=True, slots=True)
class WithheldLine:
    """One event a named recipient was considered for and did not get."""

    decided_at: dt.datetime
    recipient_id: str
    recipient_name: str
    event_type: str
    event_text: str
    reason_code: str
    reason_text: str
    redelivery: bool


@dataclass(frozen=True, slots=True)
class ProviderReportLine:
    """A report a provider sent the agency about the person: data flowing in, not out."""

    decided_at: dt.datetime
    provider_id: str
    provider_name: str
    forwarded: bool
    reason_code: str | None
    reason_text: str | None


@dataclass(frozen=True, slots=True)
class RecipientLocation:
    """Where a recipient stores and processes delivered data, as its registry record says
    when the report is made (issue 15, part 6): country (ISO 3166-1 alpha-2), hosting
    provider, and each sub-processor as (name, country)."""

    country: str
    hosting: str
    sub_processors: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RecipientLine:
    recipient_id: str
    name: str
    deliveries: int
    first: dt.datetime
    last: dt.datetime
    #: None: the registry does not say (a record from before residency was required).
    location: RecipientLocation | None = None


@dataclass(frozen=True, slots=True)
class AccessReport:
    lang: Language
    generated_at: dt.datetime
    recipients: tuple[RecipientLine, ...]
    deliveries: tuple[DeliveryLine, ...]
    withheld: tuple[WithheldLine, ...]
    # Events no recipient was considered for, and input the hub rejected, by reason code.
    not_shared_with_anyone: int
    not_processed: tuple[tuple[str, str, int], ...]
    provider_reports: tuple[ProviderReportLine, ...] = ()
    # How many audit decisions mention the person at all. Zero means the hub has no record
    # of them (an id that never existed, or nothing about them ever reached the hub), which
    # the report must say as such: "nothing was shared" would claim the hub knows them.
    decisions_found: int = 0
    # Operators' lookups of the person, newest first, this report's own among them
    # (lovhub.operators.lookups; issue 15, part 4).
    lookups: tuple[LookupLine, ...] = ()

    @property
    def no_record(self) -> bool:
        return self.decisions_found == 0


def build_access_report(
    decisions: Iterable[Mapping[str, Any]],
    *,
    recipient_names: Mapping[str, str],
    purpose_descriptions: Mapping[str, str],
    lang: Language,
    generated_at: dt.datetime,
    lookups: Iterable[LookupLine] = (),
    recipient_locations: Mapping[str, RecipientLocation] | None = None,
) -> AccessReport:
    """The report over one person's decisions, newest first.

    ``recipient_names`` maps recipient ids to display names (an unknown id is shown as
    itself); ``purpose_descriptions`` maps catalogue purpose ids to their descriptions;
    ``lookups`` are the operators' lookups of the person
    (:func:`lovhub.operators.lookups.lookup_lines`); ``recipient_locations`` maps recipient
    ids to where they keep the data (an id without one is shown as not on record).
    """
    deliveries: list[DeliveryLine] = []
    withheld: list[WithheldLine] = []
    reports: list[ProviderReportLine] = []
    unshared = 0
    found = 0
    rejected: dict[str, int] = {}

    def name_of(recipient_id: str) -> str:
        return recipient_names.get(recipient_id, recipient_id)

    for decision in decisions:
        found += 1
        outcome = decision.get("outcome")
        recipient_id = decision.get("recipient_id")
        event_type = str(decision.get("event_type") or "")
        redelivery = bool(decision.get("redelivery"))
        if event_type == PROVIDER_REPORT_EVENT and recipient_id:
            code = decision.get("reason_code")
            reports.append(
                ProviderReportLine(
                    decided_at=decision["decided_at"],
                    provider_id=recipient_id,
                    provider_name=name_of(recipient_id),
                    forwarded=outcome == Outcome.DELIVERED,
                    reason_code=code,
                    reason_text=reason_text(code, lang) if code else None,
                )
            )
        elif outcome == Outcome.DELIVERED and recipient_id:
            fields = tuple(decision.get("delivered_fields") or ())
            basis = str(decision.get("legal_basis") or "NONE")
            deliveries.append(
                DeliveryLine(
                    decided_at=decision["decided_at"],
                    occurred_at=decision.get("event_occurred_at"),
                    recipient_id=recipient_id,
                    recipient_name=name_of(recipient_id),
                    event_type=event_type,
                    event_text=event_type_text(event_type, lang),
                    fields=fields,
                    field_texts=_unique(field_text(f, lang) for f in fields),
                    purposes=tuple(
                        PurposeLine(p, purpose_name(p, purpose_descriptions.get(p), lang))
                        for p in decision.get("purposes") or ()
                    ),
                    legal_basis=basis,
                    legal_basis_text=legal_basis_text(basis, lang),
                    consent_id=decision.get("consent_id") if basis == "CONSENT" else None,
                    redelivery=redelivery,
                )
            )
        elif outcome == Outcome.WITHHELD and recipient_id:
            code = str(decision.get("reason_code") or "")
            withheld.append(
                WithheldLine(
                    decided_at=decision["decided_at"],
                    recipient_id=recipient_id,
                    recipient_name=name_of(recipient_id),
                    event_type=event_type,
                    event_text=event_type_text(event_type, lang),
                    reason_code=code,
                    reason_text=reason_text(code, lang),
                    redelivery=redelivery,
                )
            )
        elif outcome == Outcome.WITHHELD:
            unshared += 1
        elif outcome == Outcome.REJECTED:
            code = str(decision.get("reason_code") or "OTHER")
            rejected[code] = rejected.get(code, 0) + 1

    deliveries.sort(key=lambda line: (line.decided_at, line.recipient_id), reverse=True)
    withheld.sort(key=lambda line: (line.decided_at, line.recipient_id), reverse=True)
    reports.sort(key=lambda line: (line.decided_at, line.provider_id), reverse=True)
    return AccessReport(
        lang=lang,
        generated_at=generated_at,
        recipients=_recipients(deliveries, recipient_locations or {}),
        deliveries=tuple(deliveries),
        withheld=tuple(withheld),
        not_shared_with_anyone=unshared,
        not_processed=tuple(
            (code, reason_text(code, lang), count) for code, count in sorted(rejected.items())
        ),
        provider_reports=tuple(reports),
        decisions_found=found,
        lookups=tuple(sorted(lookups, key=lambda line: line.looked_up_at, reverse=True)),
    )


def recipient_locations(recipients: Iterable[Recipient]) -> dict[str, RecipientLocation]:
    """Where each recipient keeps delivered data, from its registry record (none: unknown)."""
    return {
        r.id: RecipientLocation(
            r.residency.country,
            r.residency.hosting,
            tuple((s.name, s.country) for s in r.residency.sub_processors),
        )
        for r in recipients
        if r.residency is not None
    }


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _recipients(
    deliveries: list[DeliveryLine], locations: Mapping[str, RecipientLocation]
) -> tuple[RecipientLine, ...]:
    by_id: dict[str, list[DeliveryLine]] = {}
    for line in deliveries:
        by_id.setdefault(line.recipient_id, []).append(line)
    lines = [
        RecipientLine(
            recipient_id=recipient_id,
            name=lines[0].recipient_name,
            deliveries=len(lines),
            first=min(line.decided_at for line in lines),
            last=max(line.decided_at for line in lines),
            location=locations.get(recipient_id),
        )
        for recipient_id, lines in by_id.items()
    ]
    return tuple(sorted(lines, key=lambda line: line.last, reverse=True))
