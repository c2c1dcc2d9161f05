"""A small policy and recipient set for the decision core's tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

PROVIDER_PURPOSES = frozenset({"matching", "contact"})
THIRD_PARTY_PURPOSES = frozenset({"regstatus"})
ALL_PURPOSES = ("matching", "contact", "regstatus", "unknown")

CATEGORY = {
    "REGISTRATION": "registration",
    "DEREGISTRATION": "registration",
    "PLAN_UPDATED": "plan",
    "HEALTH_RESTRICTION_RECORDED": "health",
    "ASSIGNMENT_STARTED": "assignment",
    "ASSIGNMENT_ENDED": "assignment",
    "CONSENT_GIVEN": "consent",
    "CONSENT_WITHDRAWN": "consent",
    "PROTECTED_IDENTITY_SET": "protection",
    "PROTECTED_IDENTITY_CLEARED": "protection",
    "RESTRICTION_SET": "restriction",
    "RESTRICTION_CLEARED": "restriction",
    "CORRECTION": "correction",
}
SPECIAL = frozenset({"HEALTH_RESTRICTION_RECORDED"})
RULES = {
    ("REGISTRATION", "matching"): ("body.birth_year",),
    ("REGISTRATION", "contact"): ("body.given_name",),
    ("REGISTRATION", "regstatus"): ("body.registered",),
    ("DEREGISTRATION", "regstatus"): ("body.reason",),
    ("HEALTH_RESTRICTION_RECORDED", "matching"): ("body.work_ability_percent",),
    ("PLAN_UPDATED", "contact"): (),
    ("ASSIGNMENT_STARTED", "matching"): ("body.assignment_id",),
    ("ASSIGNMENT_ENDED", "contact"): ("body.assignment_id",),
}
ADDRESSED = frozenset({"ASSIGNMENT_STARTED", "ASSIGNMENT_ENDED"})
CONSENT_NEEDED = frozenset({("PLAN_UPDATED", "matching")})
# (purpose, event type) -> months after an assignment's last day it still reaches the provider
FOLLOW_UP = {("contact", "REGISTRATION"): 1}
# Where recipients may keep delivered data (a policy's allowed_countries).
ALLOWED_COUNTRIES = frozenset({"SE", "NO", "DE"})


@dataclass(frozen=True)
class FakePolicy:
    version: str = "test-policy"

    def purpose_open_to(self, purpose_id: str, *, provider: bool) -> bool:
        return purpose_id in (PROVIDER_PURPOSES if provider else THIRD_PARTY_PURPOSES)

    def category_of(self, event_type: str) -> str:
        return CATEGORY[event_type]

    def is_special(self, event_type: str) -> bool:
        return event_type in SPECIAL

    def rules_for(self, event_type: str, purpose_id: str) -> Sequence[str]:
        return RULES.get((event_type, purpose_id), ())

    def requires_consent(self, event_type: str, purpose_id: str) -> bool:
        # Deliberately not folding SPECIAL in (the real Policy does): the core must apply
        # the special-category rule itself, and the tests see it when it does not.
        return (event_type, purpose_id) in CONSENT_NEEDED

    def follow_up_months(self, purpose_id: str, event_type: str) -> int | None:
        return FOLLOW_UP.get((purpose_id, event_type))

    def deliverable_paths(self, event_type: str) -> tuple[str, ...]:
        return tuple(
            sorted({p for (kind, _), paths in RULES.items() if kind == event_type for p in paths})
        )

    def addressee_path(self, event_type: str, purpose_id: str) -> str | None:
        return "body.provider_id" if event_type in ADDRESSED else None

    @property
    def allowed_countries(self) -> frozenset[str]:
        return ALLOWED_COUNTRIES

    def country_allowed(self, country: str) -> bool:
        return country in ALLOWED_COUNTRIES


@dataclass(frozen=True)
class FakeUndertaking:
    signed_on: dt.date
    reference: str = "TP-1"


@dataclass(frozen=True)
class FakeSubProcessor:
    name: str
    country: str


@dataclass(frozen=True)
class FakeResidency:
    country: str
    hosting: str = "Exempeldrift AB"
    sub_processors: tuple[FakeSubProcessor, ...] = ()


SIGNED_LONG_AGO = FakeUndertaking(dt.date.min)
IN_SWEDEN = FakeResidency("SE")


@dataclass(frozen=True)
class FakeRecipient:
    """A recipient as the registry holds it: the reference model reads ``undertaking``,
    ``residency`` and ``contract_id`` as they are; the core reads the derived properties
    (as the pipeline's ``recipient_facts`` derives them from a registry record)."""

    id: str
    is_provider: bool
    status: str
    contracted_purposes: frozenset[str]
    insurance_valid_until: dt.date | None = dt.date.max
    undertaking: FakeUndertaking | None = SIGNED_LONG_AGO
    residency: FakeResidency | None = IN_SWEDEN
    contract_id: str | None = "C-1"

    @property
    def undertaking_signed_on(self) -> dt.date | None:
        return None if self.undertaking is None else self.undertaking.signed_on

    @property
    def storage_countries(self) -> frozenset[str]:
        if self.residency is None:
            return frozenset()
        return frozenset(
            {self.residency.country, *(s.country for s in self.residency.sub_processors)}
        )
