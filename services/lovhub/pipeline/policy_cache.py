"""The policy's answers, memoised: the decision core asks the same few questions for every
event and recipient, and the validated pydantic model answers them slowly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lovhub.policy import Policy
from lovhub.registry import Recipient

__all__ = ["CachedPolicy", "RecipientFacts", "recipient_facts"]


class CachedPolicy:
    """A :class:`~lovhub.core.PolicyView` over a frozen :class:`Policy` (answers never change).

    One dict per question, looked up first and answered only on a miss: the decision core
    asks several questions per candidate recipient, so a lookup must not build a closure.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.version = policy.version
        self._open: dict[tuple[str, bool], bool] = {}
        self._category: dict[str, str] = {}
        self._special: dict[str, bool] = {}
        self._rules: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._consent: dict[tuple[str, str], bool] = {}
        self._addressee: dict[tuple[str, str], str | None] = {}
        self._follow_up: dict[tuple[str, str], int | None] = {}
        self._held: dict[str, tuple[str, ...]] = {}
        self._countries = frozenset(policy.allowed_countries)
        self._purpose_ids = frozenset(p.id for p in policy.purposes)
        self._category_ids = frozenset(c.id for c in policy.data_categories)

    def has_purpose(self, purpose_id: str) -> bool:
        return purpose_id in self._purpose_ids

    def has_category(self, category_id: str) -> bool:
        return category_id in self._category_ids

    def purpose_open_to(self, purpose_id: str, *, provider: bool) -> bool:
        key = (purpose_id, provider)
        try:
            return self._open[key]
        except KeyError:
            answer = self._open[key] = self.policy.purpose_open_to(purpose_id, provider=provider)
            return answer

    def category_of(self, event_type: str) -> str:
        try:
            return self._category[event_type]
        except KeyError:
            answer = self._category[event_type] = self.policy.category_of(event_type)
            return answer

    def is_special(self, event_type: str) -> bool:
        try:
            return self._special[event_type]
        except KeyError:
            answer = self._special[event_type] = self.policy.is_special(event_type)
            return answer

    def rules_for(self, event_type: str, purpose_id: str) -> tuple[Any, ...]:
        key = (event_type, purpose_id)
        try:
            return self._rules[key]
        except KeyError:
            answer = self._rules[key] = tuple(self.policy.rules_for(event_type, purpose_id))
            return answer

    def requires_consent(self, event_type: str, purpose_id: str) -> bool:
        key = (event_type, purpose_id)
        try:
            return self._consent[key]
        except KeyError:
            answer = self._consent[key] = self.policy.requires_consent(event_type, purpose_id)
            return answer

    def deliverable_paths(self, event_type: str) -> tuple[str, ...]:
        try:
            return self._held[event_type]
        except KeyError:
            answer = self._held[event_type] = self.policy.deliverable_paths(event_type)
            return answer

    def follow_up_months(self, purpose_id: str, event_type: str) -> int | None:
        key = (purpose_id, event_type)
        try:
            return self._follow_up[key]
        except KeyError:
            answer = self._follow_up[key] = self.policy.follow_up_months(purpose_id, event_type)
            return answer

    def country_allowed(self, country: str) -> bool:
        return country in self._countries

    def addressee_path(self, event_type: str, purpose_id: str) -> str | None:
        key = (event_type, purpose_id)
        try:
            return self._addressee[key]
        except KeyError:
            answer = self._addressee[key] = self.policy.addressee_path(event_type, purpose_id)
            return answer


@dataclass(frozen=True, slots=True)
class RecipientFacts:
    """The :class:`~lovhub.core.RecipientView` of a recipient, as plain attributes."""

    id: str
    is_provider: bool
    status: str
    contracted_purposes: frozenset[str]
    #: Providers only; the core treats a provider insured before the event's day as suspended.
    insurance_valid_until: dt.date | None
    #: Providers only; None: no confidentiality undertaking on record (``NO_UNDERTAKING``).
    undertaking_signed_on: dt.date | None
    #: The LOV contract or, for a third party, its data-sharing agreement (``NO_AGREEMENT``).
    contract_id: str | None
    #: Its own and its sub-processors' countries; empty: not on record (``RESIDENCY``).
    storage_countries: frozenset[str]


def recipient_facts(recipients: Iterable[Recipient]) -> Mapping[str, RecipientFacts]:
    return {
        r.id: RecipientFacts(
            r.id,
            r.is_provider,
            str(r.status),
            r.contracted_purposes,
            r.insurance_valid_until,
            r.undertaking_signed_on,
            r.contract_id,
            r.storage_countries,
        )
        for r in recipients
    }
