"""The sharing policy: one validated, versioned, read-only object built from a YAML file.

Deny by default: an event type and purpose without a delivery get no fields; an unknown event
type or purpose is treated as special and consent-bound. See ``deploy/policy/policy.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_serializer,
    model_validator,
)

from lovhub.policy.errors import PolicyError, UnknownEventTypeError
from lovhub.policy.files import content_version, describe_validation_error, read_yaml_mapping
from lovhub.policy.guards import BUILTIN_PROTECTED_IDENTITY_PATHS, DIRECT_IDENTIFIER_PATHS, is_under
from lovhub.policy.model import (
    ActivityCode,
    DataCategory,
    Delivery,
    EventType,
    EventTypeEntry,
    FieldPath,
    FieldRule,
    LegalBasisKind,
    Purpose,
    PurposeId,
    RecipientKind,
    ReportType,
    Transform,
)
from lovhub.policy.residency import EU_EEA_COUNTRIES, CountryCode

__all__ = ["Policy", "load_policy", "parse_policy"]

_NO_RULES: tuple[FieldRule, ...] = ()


class Policy(BaseModel):
    """Purposes, data categories, event types and field rules, checked as a whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(min_length=1, max_length=200)
    purposes: tuple[Purpose, ...] = Field(min_length=1)
    data_categories: tuple[DataCategory, ...] = Field(min_length=1)
    event_types: dict[EventType, EventTypeEntry]
    protected_identity_paths: tuple[FieldPath, ...]
    free_text_paths: tuple[FieldPath, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    #: Provider report type -> the contracted purpose a provider needs to send it. A type
    #: not listed here is refused from every provider (deny by default).
    reports: dict[ReportType, PurposeId] = Field(default_factory=dict)
    #: The activity catalogue: an ACTIVITY report naming any other code is refused.
    activity_codes: tuple[ActivityCode, ...] = ()
    #: Countries (ISO 3166-1 alpha-2) where recipients may store and process delivered data,
    #: themselves and through sub-processors; any other country withholds ``RESIDENCY``.
    allowed_countries: frozenset[CountryCode] = Field(default=EU_EEA_COUNTRIES, min_length=1)

    _version: str = PrivateAttr(default="")
    _purposes: dict[str, Purpose] = PrivateAttr(default_factory=dict)
    _categories: dict[str, DataCategory] = PrivateAttr(default_factory=dict)
    _deliveries: dict[tuple[str, str], Delivery] = PrivateAttr(default_factory=dict)
    _entries: dict[str, EventTypeEntry] = PrivateAttr(default_factory=dict)
    _activity_codes: frozenset[str] = PrivateAttr(default=frozenset())

    @model_validator(mode="after")
    def _check_and_index(self) -> Policy:
        problems = list(self._problems())
        if problems:
            raise ValueError("\n".join(problems))
        self._purposes = {p.id: p for p in self.purposes}
        self._categories = {c.id: c for c in self.data_categories}
        self._deliveries = {(str(d.event_type), d.purpose): d for d in self.deliveries}
        self._entries = {str(event_type): entry for event_type, entry in self.event_types.items()}
        self._activity_codes = frozenset(a.code for a in self.activity_codes)
        self._version = content_version(self)
        return self

    @field_serializer("allowed_countries")
    def _sorted_countries(self, countries: frozenset[str]) -> list[str]:
        return sorted(countries)  # a set: canonical order, so the policy version is stable

    # --- validation -------------------------------------------------------------------

    def _problems(self) -> Iterator[str]:
        yield from _duplicates("purpose", [p.id for p in self.purposes], "purposes")
        yield from _duplicates(
            "data category", [c.id for c in self.data_categories], "data_categories"
        )
        categories = {c.id: c for c in self.data_categories}
        for event_type in EventType:
            entry = self.event_types.get(event_type)
            if entry is None:
                yield f"event_types: no entry for {event_type}"
            elif entry.category not in categories:
                yield f"event_types.{event_type}: unknown data category {entry.category!r}"
        for required in BUILTIN_PROTECTED_IDENTITY_PATHS:
            if required not in self.protected_identity_paths:
                yield f"protected_identity_paths: must include {required}"
        purposes = {p.id: p for p in self.purposes}
        seen: dict[tuple[str, str], int] = {}
        for index, delivery in enumerate(self.deliveries):
            where = f"deliveries[{index}] ({delivery.key})"
            key = (str(delivery.event_type), delivery.purpose)
            if key in seen:
                yield f"{where}: duplicate delivery, also deliveries[{seen[key]}]"
            seen.setdefault(key, index)
            if delivery.purpose not in purposes:
                yield f"{where}: unknown purpose {delivery.purpose!r}"
            entry = self.event_types.get(delivery.event_type)
            category = categories.get(entry.category) if entry else None
            if category is not None and category.never_delivered:
                yield f"{where}: data category {category.id} is never delivered"
            if category is not None and category.special and not delivery.requires_consent:
                yield (
                    f"{where}: {category.id} is a special category and needs an explicit "
                    "consent basis: set requires_consent: true"
                )
            yield from self._rule_problems(where, delivery.fields)
        yield from self._consistency_problems()
        yield from self._report_problems(purposes)

    def _report_problems(self, purposes: Mapping[str, Purpose]) -> Iterator[str]:
        yield from _duplicates(
            "activity code", [a.code for a in self.activity_codes], "activity_codes"
        )
        if ReportType.ACTIVITY in self.reports and not self.activity_codes:
            yield "reports.ACTIVITY: activity reports need an activity_codes catalogue"
        for report_type, purpose_id in self.reports.items():
            purpose = purposes.get(purpose_id)
            if purpose is None:
                yield f"reports.{report_type}: unknown purpose {purpose_id!r}"
            elif RecipientKind.PROVIDER not in purpose.recipient_kinds:
                yield f"reports.{report_type}: purpose {purpose_id} is not open to providers"

    def _rule_problems(self, where: str, rules: tuple[FieldRule, ...]) -> Iterator[str]:
        for index, rule in enumerate(rules):
            at = f"{where}.fields[{index}] ({rule.path})"
            if rule.personal:
                continue
            if rule.transform is Transform.KEEP and rule.path in DIRECT_IDENTIFIER_PATHS:
                yield f"{at}: a direct identifier kept as is must be personal: true"
            if any(is_under(rule.path, text) for text in self.free_text_paths):
                yield f"{at}: free text may only be delivered as personal: true"

    def _consistency_problems(self) -> Iterator[str]:
        # The pipeline merges the rules of several purposes: one output path, one meaning.
        produced: dict[tuple[str, str], tuple[str, Transform, bool, str]] = {}
        for delivery in self.deliveries:
            for rule in delivery.fields:
                key = (str(delivery.event_type), rule.output_path)
                shape = (rule.path, rule.transform, rule.personal, delivery.purpose)
                first = produced.setdefault(key, shape)
                if first[:3] != shape[:3]:
                    yield (
                        f"deliveries: {key[0]} {key[1]} is produced differently for "
                        f"{first[3]} and {shape[3]}"
                    )
        addressees: dict[str, tuple[str | None, str]] = {}
        for delivery in self.deliveries:
            event_type = str(delivery.event_type)
            first_addressee = addressees.setdefault(
                event_type, (delivery.addressee_path, delivery.purpose)
            )
            if first_addressee[0] != delivery.addressee_path:
                yield (
                    f"deliveries: {event_type} has addressee_path {first_addressee[0]} for "
                    f"{first_addressee[1]} but {delivery.addressee_path} for {delivery.purpose}"
                )

    # --- queries ----------------------------------------------------------------------

    @property
    def version(self) -> str:
        """``sha256:<16 hex>`` of the canonical content: changes iff the content changes."""
        return self._version

    def purpose(self, purpose_id: str) -> Purpose | None:
        return self._purposes.get(purpose_id)

    def has_purpose(self, purpose_id: str) -> bool:
        return purpose_id in self._purposes

    def has_category(self, category_id: str) -> bool:
        return category_id in self._categories

    def purpose_open_to(self, purpose_id: str, *, provider: bool) -> bool:
        purpose = self._purposes.get(purpose_id)
        kind = RecipientKind.PROVIDER if provider else RecipientKind.THIRD_PARTY
        return purpose is not None and kind in purpose.recipient_kinds

    def purposes_for(self, kind: RecipientKind) -> tuple[Purpose, ...]:
        return tuple(p for p in self.purposes if kind in p.recipient_kinds)

    def category(self, category_id: str) -> DataCategory | None:
        return self._categories.get(category_id)

    def category_of(self, event_type: str) -> str:
        entry = self._entries.get(event_type)
        if entry is None:
            raise UnknownEventTypeError(f"policy {self.version}: no entry for {event_type!r}")
        return entry.category

    def is_special(self, event_type: str) -> bool:
        """True for a special category; also for an unknown event type (fail closed)."""
        entry = self._entries.get(event_type)
        category = self._categories.get(entry.category) if entry else None
        return category is None or category.special

    def delivery(self, event_type: str, purpose_id: str) -> Delivery | None:
        return self._deliveries.get((event_type, purpose_id))

    def rules_for(self, event_type: str, purpose_id: str) -> tuple[FieldRule, ...]:
        """The field rules in delivery order; empty = nothing is delivered."""
        delivery = self._deliveries.get((event_type, purpose_id))
        return _NO_RULES if delivery is None else delivery.fields

    def deliverable_paths(self, event_type: str) -> tuple[str, ...]:
        """The source paths any delivery rule reads from ``event_type``, sorted: all the hub
        may hold of such an event for a later handover (collect less)."""
        return tuple(
            sorted(
                {
                    rule.path
                    for (kind, _purpose), delivery in self._deliveries.items()
                    if kind == event_type
                    for rule in delivery.fields
                }
            )
        )

    def follow_up_months(self, purpose_id: str, event_type: str) -> int | None:
        """How many months after an assignment ends ``event_type`` still reaches its
        provider for ``purpose_id`` (None: not at all)."""
        purpose = self._purposes.get(purpose_id)
        window = purpose.follow_up_after_end if purpose is not None else None
        if window is None or event_type not in window.event_types:
            return None
        return window.months

    def requires_consent(self, event_type: str, purpose_id: str) -> bool:
        """Whether delivering needs an explicit consent (also for an assigned provider)."""
        purpose = self._purposes.get(purpose_id)
        delivery = self._deliveries.get((event_type, purpose_id))
        return (
            purpose is None
            or purpose.legal_basis is LegalBasisKind.CONSENT
            or self.is_special(event_type)
            or (delivery is not None and delivery.requires_consent)
        )

    def purpose_for_report(self, report_type: str) -> str | None:
        """The purpose a provider's contract must include to send ``report_type``; None
        when the policy does not accept that report type at all."""
        try:
            return self.reports.get(ReportType(report_type))
        except ValueError:
            return None

    def knows_activity_code(self, code: str) -> bool:
        """Whether ``code`` is in the activity catalogue (an ACTIVITY report may name it)."""
        return code in self._activity_codes

    def country_allowed(self, country: str) -> bool:
        """Whether recipients may store and process delivered data in ``country``."""
        return country in self.allowed_countries

    def addressee_path(self, event_type: str, purpose_id: str) -> str | None:
        """Path of the recipient id an event is addressed to, if only that one may get it."""
        delivery = self._deliveries.get((event_type, purpose_id))
        return None if delivery is None else delivery.addressee_path


def _duplicates(what: str, ids: list[str], section: str) -> Iterator[str]:
    first: dict[str, int] = {}
    for index, item in enumerate(ids):
        if item in first:
            yield f"{section}[{index}]: duplicate {what} {item!r}, also {section}[{first[item]}]"
        first.setdefault(item, index)


def parse_policy(data: Mapping[str, Any], *, source: Path | str = "<policy>") -> Policy:
    """A validated policy from already-parsed data; :class:`PolicyError` naming ``source``."""
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        raise PolicyError(describe_validation_error(source, error)) from error


def load_policy(path: Path | str) -> Policy:
    """Read and validate a policy file; :class:`PolicyError` naming the file and the entry."""
    path = Path(path)
    return parse_policy(read_yaml_mapping(path, PolicyError), source=path)
