"""Deny by default: who may receive an event, for which purposes, on which legal basis.

For each candidate recipient the checks run in this order, and the first that fails gives
the reason (so every withheld decision has exactly one, reproducible reason):

1. the recipient is registered and active (``RECIPIENT_UNKNOWN``, ``RECIPIENT_SUSPENDED``,
   ``RECIPIENT_TERMINATED``); a provider whose liability insurance ended before the event's
   day counts as suspended (``RECIPIENT_SUSPENDED``); then the vetting facts of its record,
   in this order: a provider has a confidentiality undertaking signed on or before the
   event's day (``NO_UNDERTAKING``), a third party has its data-sharing agreement on record
   (``NO_AGREEMENT``), and every country where the recipient or one of its sub-processors
   stores or processes delivered data is one the policy allows (``RESIDENCY``; a record
   that does not say where counts as outside);
2. a legal basis holds at this point of the jobseeker's log: for a provider an assignment in
   force (``NOT_ASSIGNED``), or one that has ended whose purpose has a follow-up window
   (policy ``follow_up_after_end``: months after the assignment's last day, for the event
   types it names) covering the event's day (``FOLLOW_UP_ENDED`` once it has passed); for
   a third party a consent naming it and the event's data
   category, given, not withdrawn, not expired (``CONSENT_WITHDRAWN``, ``CONSENT_EXPIRED``,
   ``CONSENT_SPENT``, ``NO_CONSENT``, in that order of precedence; a consent with
   ``delivery_mode`` ONCE is spent for every event after the one that gave it);
3. the basis' purposes are in the catalogue and open to this kind of recipient
   (``PURPOSE_UNKNOWN``) and in the recipient's contract (``PURPOSE_NOT_CONTRACTED``);
4. special-category data, and any (event type, purpose) the policy marks as needing consent,
   additionally needs the jobseeker's explicit consent naming the recipient, the purpose and
   the category, even for an assigned provider (consent reasons);
5. the policy allows at least one field for (event type, purpose), and where the policy
   names an addressee (an assignment event goes only to the provider it names), the
   recipient is that addressee (``NOTHING_ALLOWED``).

After the recipient checks (1.), consent, protected-identity and restriction events only
change the hub's state and are never shared: each candidate's decision names what the event
is (``CONSENT_RECORDED``, ``CONSENT_WITHDRAWAL_RECORDED``, ``PROTECTION_RECORDED``,
``RESTRICTION_RECORDED``), not a basis that seems to lapse. Then, while a restriction of
processing is in force (``RESTRICTION_SET`` at or before this position and not cleared
since; GDPR art. 18), nothing about the jobseeker is shared: ``RESTRICTED``, whatever basis
a recipient has (handover items and follow-ups included).

Every date judgement (insurance, assignment period, follow-up window, consent expiry) is made
at the event's *judged instant*: the later of its ``occurred_at`` and, when known, the hub's
ingest time (the broker's timestamp of the record). A producer's clock can therefore make
an event look later, never earlier: a backdated event is not shared under a consent that has
expired by the time the hub sees it (issue 10, finding 10).

Encryption keys are checked later by the pipeline (``NO_KEY``), once it knows whether any
delivered field is personal. Candidates are the recipients with any assignment or consent
in the jobseeker's state at this point, so withheld decisions name the lapsed bases too.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from lovhub.core.reasons import Outcome, Reason
from lovhub.core.state import Consent, JobseekerState
from lovhub.minimise import source_value

__all__ = [
    "Decision",
    "LegalBasis",
    "PolicyView",
    "RecipientView",
    "decide_event",
    "decide_for_recipient",
    "judged_instant",
    "recipient_reason",
]


class LegalBasis(StrEnum):
    ASSIGNMENT = "ASSIGNMENT"
    CONSENT = "CONSENT"
    NONE = "NONE"


class RecipientView(Protocol):
    """What the decision needs to know about a recipient."""

    @property
    def id(self) -> str: ...
    @property
    def is_provider(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def contracted_purposes(self) -> frozenset[str]: ...
    @property
    def insurance_valid_until(self) -> dt.date | None: ...
    @property
    def undertaking_signed_on(self) -> dt.date | None: ...
    @property
    def contract_id(self) -> str | None: ...
    @property
    def storage_countries(self) -> frozenset[str]: ...


class PolicyView(Protocol):
    """What the decision needs to know about the policy."""

    @property
    def version(self) -> str: ...
    def purpose_open_to(self, purpose_id: str, *, provider: bool) -> bool: ...
    def category_of(self, event_type: str) -> str: ...
    def is_special(self, event_type: str) -> bool: ...
    def rules_for(self, event_type: str, purpose_id: str) -> Sequence[Any]: ...
    def requires_consent(self, event_type: str, purpose_id: str) -> bool: ...
    def follow_up_months(self, purpose_id: str, event_type: str) -> int | None: ...
    def addressee_path(self, event_type: str, purpose_id: str) -> str | None: ...
    def country_allowed(self, country: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Decision:
    recipient_id: str | None
    outcome: Outcome
    reason: Reason | None
    purposes: tuple[str, ...] = ()
    legal_basis: LegalBasis = LegalBasis.NONE
    consent_id: str | None = None
    rules: tuple[Any, ...] = ()

    @classmethod
    def withheld(cls, recipient_id: str | None, reason: Reason) -> Decision:
        # Decisions are immutable values and most candidates are withheld for one of a few
        # reasons: one instance per (recipient, reason) instead of one per decision.
        key = (recipient_id, reason)
        known = _WITHHELD.get(key)
        if known is None:
            if len(_WITHHELD) >= _WITHHELD_KEPT:
                _WITHHELD.clear()
            known = _WITHHELD[key] = cls(recipient_id, Outcome.WITHHELD, reason)
        return known


_WITHHELD: dict[tuple[str | None, Reason], Decision] = {}
_WITHHELD_KEPT = 4096  # recipients x reasons; a bound, never reached in practice


def decide_event(
    state: JobseekerState,
    event: Mapping[str, Any],
    position: int,
    policy: PolicyView,
    recipients: Mapping[str, RecipientView],
    *,
    ingested_at: dt.datetime | None = None,
) -> list[Decision]:
    """One decision per candidate recipient (sorted by id), or one NO_CANDIDATE decision.

    ``ingested_at``: when the hub received the event (its broker timestamp), if known."""
    candidates = sorted(state.recipients_known(position))
    if not candidates:
        return [Decision.withheld(None, Reason.NO_CANDIDATE)]
    when = judged_instant(event["occurred_at"], ingested_at)
    return [
        decide_for_recipient(
            state, event, position, policy, recipients.get(recipient_id), recipient_id, when
        )
        for recipient_id in candidates
    ]


def judged_instant(occurred_at: dt.datetime, ingested_at: dt.datetime | None) -> dt.datetime:
    """The instant dates are judged at: the later of ``occurred_at`` and the ingest time."""
    return occurred_at if ingested_at is None else max(occurred_at, ingested_at)


_STATE_ONLY: Mapping[str, Reason] = {
    "CONSENT_GIVEN": Reason.CONSENT_RECORDED,
    "CONSENT_WITHDRAWN": Reason.CONSENT_WITHDRAWAL_RECORDED,
    "PROTECTED_IDENTITY_SET": Reason.PROTECTION_RECORDED,
    "PROTECTED_IDENTITY_CLEARED": Reason.PROTECTION_RECORDED,
    "RESTRICTION_SET": Reason.RESTRICTION_RECORDED,
    "RESTRICTION_CLEARED": Reason.RESTRICTION_RECORDED,
}


def _consent_reason(
    consents: Iterable[Consent], position: int, when: dt.datetime, *, spendable: bool = False
) -> Reason:
    held = list(consents)
    if any(c.withdrawn(position) for c in held):
        return Reason.CONSENT_WITHDRAWN
    if any(c.expired(when) for c in held):
        return Reason.CONSENT_EXPIRED
    if spendable and any(c.spent(position) for c in held):
        return Reason.CONSENT_SPENT
    return Reason.NO_CONSENT


def _follow_up(
    state: JobseekerState,
    provider_id: str,
    event_type: str,
    position: int,
    day: dt.date,
    policy: PolicyView,
) -> tuple[set[str], Reason]:
    """The purposes of the provider's ended assignments whose follow-up window (policy:
    ``follow_up_after_end``) covers this event type on this day; else why not."""
    purposes: set[str] = set()
    windowed = False
    for assignment in state.assignments.values():
        if assignment.provider_id != provider_id:
            continue
        last_day = assignment.last_day_before(position, day)
        if last_day is None:
            continue
        for purpose in assignment.purposes:
            months = policy.follow_up_months(purpose, event_type)
            if months is None:
                continue
            windowed = True
            if day <= add_months(last_day, months):
                purposes.add(purpose)
    return purposes, Reason.FOLLOW_UP_ENDED if windowed else Reason.NOT_ASSIGNED


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or that month's last day (31 Jan + 1 -> 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def recipient_reason(
    recipient: RecipientView | None, when: dt.datetime, policy: PolicyView
) -> Reason | None:
    """Check 1: why this recipient may receive nothing at all at ``when``, or None."""
    if recipient is None:
        return Reason.RECIPIENT_UNKNOWN
    if recipient.status == "suspended":
        return Reason.RECIPIENT_SUSPENDED
    if recipient.status != "active":
        return Reason.RECIPIENT_TERMINATED
    day = when.date()
    if recipient.is_provider:
        insured_until = recipient.insurance_valid_until
        if insured_until is None or insured_until < day:
            return Reason.RECIPIENT_SUSPENDED
        signed_on = recipient.undertaking_signed_on
        if signed_on is None or signed_on > day:
            return Reason.NO_UNDERTAKING
    elif not recipient.contract_id:
        return Reason.NO_AGREEMENT
    countries = recipient.storage_countries
    if not countries or not all(policy.country_allowed(c) for c in countries):
        return Reason.RESIDENCY
    return None


def decide_for_recipient(
    state: JobseekerState,
    event: Mapping[str, Any],
    position: int,
    policy: PolicyView,
    recipient: RecipientView | None,
    recipient_id: str,
    when: dt.datetime,
) -> Decision:
    """The decision for one candidate, dates judged at ``when`` (:func:`judged_instant`)."""
    unfit = recipient_reason(recipient, when, policy)
    if unfit is not None:
        return Decision.withheld(recipient_id, unfit)
    assert recipient is not None
    recorded = _STATE_ONLY.get(event["event_type"])
    if recorded is not None:
        return Decision.withheld(recipient_id, recorded)
    if state.restricted(position):
        return Decision.withheld(recipient_id, Reason.RESTRICTED)

    event_type: str = event["event_type"]
    category = policy.category_of(event_type)
    own_consents = sorted(
        (
            c
            for c in state.consents.values()
            if c.recipient_id == recipient_id and c.given(position)
        ),
        key=lambda c: c.consent_id,
    )
    # A third party's ONCE consent is spent after its answer; a provider's consent only adds
    # to an assignment basis, and gives no answer, so it is never spent.
    spendable = not recipient.is_provider
    covering = [
        c
        for c in own_consents
        if c.active(position, when)
        and category in c.data_categories
        and not (spendable and c.spent(position))
    ]

    if recipient.is_provider:
        day = when.date()
        assignments = [
            a
            for a in state.assignments.values()
            if a.provider_id == recipient_id and a.active(position, day)
        ]
        if assignments:
            basis_purposes = set().union(*(a.purposes for a in assignments))
        else:
            basis_purposes, lapsed = _follow_up(
                state, recipient_id, event_type, position, day, policy
            )
            if not basis_purposes:
                return Decision.withheld(recipient_id, lapsed)
        basis = LegalBasis.ASSIGNMENT
    else:
        if not covering:
            reason = _consent_reason(own_consents, position, when, spendable=True)
            return Decision.withheld(recipient_id, reason)
        basis = LegalBasis.CONSENT
        basis_purposes = set().union(*(c.purposes for c in covering))

    known = sorted(
        p for p in basis_purposes if policy.purpose_open_to(p, provider=recipient.is_provider)
    )
    if not known:
        return Decision.withheld(recipient_id, Reason.PURPOSE_UNKNOWN)
    purposes = [p for p in known if p in recipient.contracted_purposes]
    if not purposes:
        return Decision.withheld(recipient_id, Reason.PURPOSE_NOT_CONTRACTED)

    special = policy.is_special(event_type)
    consented = [
        p
        for p in purposes
        if not (basis is LegalBasis.CONSENT or special or policy.requires_consent(event_type, p))
        or any(p in c.purposes for c in covering)
    ]
    if not consented:
        return Decision.withheld(recipient_id, _consent_reason(own_consents, position, when))
    consent_id: str | None = None
    needing_consent = [
        p
        for p in consented
        if basis is LegalBasis.CONSENT or special or policy.requires_consent(event_type, p)
    ]
    if needing_consent:
        basis = LegalBasis.CONSENT
        consent_id = next(c.consent_id for c in covering if needing_consent[0] in c.purposes)

    rules: list[Any] = []
    delivered_purposes: list[str] = []
    for purpose in consented:
        addressee = policy.addressee_path(event_type, purpose)
        if addressee is not None and source_value(event, addressee) != recipient_id:
            continue  # e.g. an assignment is told only to the provider it names
        purpose_rules = policy.rules_for(event_type, purpose)
        if purpose_rules:
            delivered_purposes.append(purpose)
            rules.extend(purpose_rules)
    if not rules:
        return Decision.withheld(recipient_id, Reason.NOTHING_ALLOWED)
    return Decision(
        recipient_id=recipient_id,
        outcome=Outcome.DELIVERED,
        reason=None,
        purposes=tuple(delivered_purposes),
        legal_basis=basis,
        consent_id=consent_id,
        rules=tuple(rules),
    )
