"""The policy's answers, memoised: the decision core asks the same few questions for every
event and recipient, and the validated pydantic model answers them slowly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from lovhub.policy import Policy
from lovhub.registry import Recipient

__all__ = ["CachedPolicy", "RecipientFacts", "recipient_facts"]

T = TypeVar("T")


class CachedPolicy:
    """A :class:`~lovhub.core.PolicyView` over a frozen :class:`Policy` (answers never change)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.version = policy.version
        self._memo: dict[Hashable, Any] = {}

    def _ask(self, key: Hashable, answer: Callable[[], T]) -> T:
        try:
            result: T = self._memo[key]
        except KeyError:
            result = self._memo[key] = answer()
        return result

    def purpose_open_to(self, purpose_id: str, *, provider: bool) -> bool:
        return self._ask(
            ("open", purpose_id, provider),
            lambda: self.policy.purpose_open_to(purpose_id, provider=provider),
        )

    def category_of(self, event_type: str) -> str:
        return self._ask(("category", event_type), lambda: self.policy.category_of(event_type))

    def is_special(self, event_type: str) -> bool:
        return self._ask(("special", event_type), lambda: self.policy.is_special(event_type))

    def rules_for(self, event_type: str, purpose_id: str) -> tuple[Any, ...]:
        return self._ask(
            ("rules", event_type, purpose_id),
            lambda: tuple(self.policy.rules_for(event_type, purpose_id)),
        )

    def requires_consent(self, event_type: str, purpose_id: str) -> bool:
        return self._ask(
            ("consent", event_type, purpose_id),
            lambda: self.policy.requires_consent(event_type, purpose_id),
        )

    def addressee_path(self, event_type: str, purpose_id: str) -> str | None:
        return self._ask(
            ("addressee", event_type, purpose_id),
            lambda: self.policy.addressee_path(event_type, purpose_id),
        )


@dataclass(frozen=True, slots=True)
class RecipientFacts:
    """The :class:`~lovhub.core.RecipientView` of a recipient, as plain attributes."""

    id: str
    is_provider: bool
    status: str
    contracted_purposes: frozenset[str]
    #: Providers only; the core treats a provider insured before the event's day as suspended.
    insurance_valid_until: dt.date | None


def recipient_facts(recipients: Iterable[Recipient]) -> Mapping[str, RecipientFacts]:
    return {
        r.id: RecipientFacts(
            r.id, r.is_provider, str(r.status), r.contracted_purposes, r.insurance_valid_until
        )
        for r in recipients
    }
