"""The pieces of a policy: purposes, data categories, event types and field rules.

Every model is frozen and forbids unknown keys, so a typo in a policy file is an error at
start-up, never a silently ignored setting. Choices are enums; ids follow the catalogue id
format. Cross-references (a rule naming a purpose, an event type naming a category) are
checked by :class:`lovhub.policy.Policy`, which sees the whole file.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    model_validator,
)

from lovhub.policy.guards import RECORD_PATHS

__all__ = [
    "ACTIVITY_CODE_PATTERN",
    "CATEGORY_ID_PATTERN",
    "FIELD_PATH_PATTERN",
    "PURPOSE_ID_PATTERN",
    "ActivityCode",
    "DataCategory",
    "Delivery",
    "EventType",
    "EventTypeEntry",
    "FieldRule",
    "FollowUpWindow",
    "LegalBasisKind",
    "Purpose",
    "RecipientKind",
    "ReportType",
    "Transform",
    "output_path_of",
]

PURPOSE_ID_PATTERN = r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$"
CATEGORY_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
#: The catalogue id format the codec checks (``lovhub.codec._checks.CATALOGUE_ID``).
ACTIVITY_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
#: ``body.`` then dotted lower-case names; ``[]`` after a name maps over an array.
FIELD_PATH_PATTERN = r"^body(\.[a-z][a-z0-9_]*(\[\])?)+$"

PurposeId = Annotated[str, StringConstraints(pattern=PURPOSE_ID_PATTERN, max_length=64)]
CategoryId = Annotated[str, StringConstraints(pattern=CATEGORY_ID_PATTERN, max_length=64)]
FieldPath = Annotated[str, StringConstraints(pattern=FIELD_PATH_PATTERN, max_length=200)]
Description = Annotated[str, StringConstraints(min_length=1, max_length=500)]

_STRICT = ConfigDict(frozen=True, extra="forbid")


class EventType(StrEnum):
    REGISTRATION = "REGISTRATION"
    ASSESSMENT = "ASSESSMENT"
    ASSIGNMENT_STARTED = "ASSIGNMENT_STARTED"
    ASSIGNMENT_ENDED = "ASSIGNMENT_ENDED"
    PLAN_UPDATED = "PLAN_UPDATED"
    CONTACT_DETAILS_CHANGED = "CONTACT_DETAILS_CHANGED"
    HEALTH_RESTRICTION_RECORDED = "HEALTH_RESTRICTION_RECORDED"
    PROTECTED_IDENTITY_SET = "PROTECTED_IDENTITY_SET"
    PROTECTED_IDENTITY_CLEARED = "PROTECTED_IDENTITY_CLEARED"
    CONSENT_GIVEN = "CONSENT_GIVEN"
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"
    DEREGISTRATION = "DEREGISTRATION"
    # Added in JobseekerEvent v3.
    CORRECTION = "CORRECTION"
    RESTRICTION_SET = "RESTRICTION_SET"
    RESTRICTION_CLEARED = "RESTRICTION_CLEARED"


class ReportType(StrEnum):
    """Kinds of provider report (the ``ReportType`` symbols of ``ProviderReport``)."""

    ACTIVITY = "ACTIVITY"
    ABSENCE = "ABSENCE"
    OUTCOME = "OUTCOME"


class RecipientKind(StrEnum):
    PROVIDER = "provider"
    THIRD_PARTY = "third_party"


class LegalBasisKind(StrEnum):
    ASSIGNMENT = "ASSIGNMENT"  # the assignment (anvisning) under the LOV contract
    CONSENT = "CONSENT"  # the jobseeker's explicit consent naming recipient and purpose


class Transform(StrEnum):
    KEEP = "keep"  # the value as is (dates as ISO text, enums as their symbol)
    BIRTH_YEAR = "birth_year"  # date -> year, delivered at <parent>.birth_year
    AGE_BAND = "age_band"  # date -> "30-39" at the event's occurred_at, at <parent>.age_band
    MUNICIPALITY = "municipality"  # address -> <path>.municipality_code only
    REGISTERED_FLAG = "registered_flag"  # anything -> True at <parent>.registered
    DEREGISTERED_FLAG = "deregistered_flag"  # anything -> True at <parent>.deregistered
    PSEUDONYMISE = "pseudonymise"  # value -> keyed hash for the recipient, same path


_RENAMED_TO = {
    Transform.BIRTH_YEAR: "birth_year",
    Transform.AGE_BAND: "age_band",
    Transform.REGISTERED_FLAG: "registered",
    Transform.DEREGISTERED_FLAG: "deregistered",
}


@functools.lru_cache(maxsize=4096)
def output_path_of(path: str, transform: Transform) -> str:
    """Where a rule's value is delivered: the path after generalisation."""
    if transform is Transform.MUNICIPALITY:
        return f"{path}.municipality_code"
    renamed = _RENAMED_TO.get(transform)
    if renamed is None:
        return path
    return f"{path.rsplit('.', 1)[0]}.{renamed}"


class FieldRule(BaseModel):
    """One delivered field: where it comes from, how it is generalised, whether it is personal
    (``personal: true`` = the pipeline must encrypt it for the recipient)."""

    model_config = _STRICT

    path: FieldPath
    transform: Transform
    personal: bool

    @model_validator(mode="after")
    def _transform_fits_path(self) -> FieldRule:
        maps = "[]" in self.path
        if self.path.count("[]") > 1:
            raise ValueError(f"{self.path}: at most one array ([]) per path")
        if self.transform is Transform.MUNICIPALITY:
            if maps or not self.path.endswith("address"):
                raise ValueError(f"{self.path}: transform municipality needs an address path")
        elif self.path in RECORD_PATHS:
            raise ValueError(f"{self.path}: a whole record can only be delivered by municipality")
        if maps and self.transform not in (Transform.KEEP, Transform.PSEUDONYMISE):
            raise ValueError(f"{self.path}: only keep and pseudonymise can map over an array")
        if self.transform in (Transform.BIRTH_YEAR, Transform.AGE_BAND) and not self.path.endswith(
            "date"
        ):
            raise ValueError(f"{self.path}: transform {self.transform} needs a date path")
        return self

    @property
    def output_path(self) -> str:
        return output_path_of(self.path, self.transform)


class FollowUpWindow(BaseModel):
    """How long after an assignment ends its provider still learns outcomes for this
    purpose (result payments come in instalments up to a year after the person starts
    work), and which event types it learns them from."""

    model_config = _STRICT

    months: int = Field(ge=1, le=24)
    event_types: frozenset[EventType] = Field(min_length=1)

    @field_serializer("event_types")
    def _sorted_types(self, types: frozenset[EventType]) -> list[str]:
        return sorted(types)


class Purpose(BaseModel):
    """A catalogue purpose: why data is processed, for whom, on which legal basis."""

    model_config = _STRICT

    id: PurposeId
    description: Description
    recipient_kinds: frozenset[RecipientKind] = Field(min_length=1)
    legal_basis: LegalBasisKind
    follow_up_after_end: FollowUpWindow | None = None

    @field_serializer("recipient_kinds")
    def _sorted_kinds(self, kinds: frozenset[RecipientKind]) -> list[str]:
        return sorted(kinds)  # a set: canonical order, so the policy version is stable

    @model_validator(mode="after")
    def _basis_fits_kinds(self) -> Purpose:
        if (
            self.legal_basis is LegalBasisKind.ASSIGNMENT
            and RecipientKind.THIRD_PARTY in self.recipient_kinds
        ):
            raise ValueError(
                f"purpose {self.id}: third parties have no assignment; their purposes need "
                "legal_basis CONSENT"
            )
        follows_up = self.follow_up_after_end is not None
        if follows_up and self.legal_basis is not LegalBasisKind.ASSIGNMENT:
            raise ValueError(
                f"purpose {self.id}: follow_up_after_end extends an assignment; it needs "
                "legal_basis ASSIGNMENT"
            )
        return self


class ActivityCode(BaseModel):
    """An entry of the agency's activity catalogue: what a provider's ACTIVITY report (and a
    plan's activity) names by code."""

    model_config = _STRICT

    code: Annotated[str, StringConstraints(pattern=ACTIVITY_CODE_PATTERN)]
    description: Description


class DataCategory(BaseModel):
    """A kind of data an event carries; consents name categories."""

    model_config = _STRICT

    id: CategoryId
    description: Description
    #: GDPR art. 9 special category: always needs explicit consent naming it.
    special: bool = False
    #: Never leaves the hub (e.g. the fact of protected identity, consents themselves).
    never_delivered: bool = False


class EventTypeEntry(BaseModel):
    """What the policy says about one event type as a whole."""

    model_config = _STRICT

    category: CategoryId


class Delivery(BaseModel):
    """The fields one purpose gets from one event type, in delivery order."""

    model_config = _STRICT

    event_type: EventType
    purpose: PurposeId
    #: Also needs the jobseeker's explicit consent naming the recipient, purpose and category
    #: (mandatory for special categories, even for an assigned provider).
    requires_consent: bool = False
    #: Deliver only to the recipient whose id is at this path (e.g. a provider's own
    #: assignment); None = any recipient with a legal basis for the purpose.
    addressee_path: FieldPath | None = None
    fields: tuple[FieldRule, ...] = Field(min_length=1)

    @property
    def key(self) -> str:
        return f"{self.event_type}/{self.purpose}"

    @model_validator(mode="after")
    def _unique_outputs(self) -> Delivery:
        seen: set[str] = set()
        for rule in self.fields:
            if rule.output_path in seen:
                raise ValueError(f"delivery {self.key}: two rules deliver {rule.output_path}")
            seen.add(rule.output_path)
        return self
