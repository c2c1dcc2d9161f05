"""Recipients: the providers and third parties the hub may deliver to, with their keys.

Frozen, strict models: a provider must have a contract, services and insurance on record;
ids, organisation numbers and key validity are checked when the file is loaded.

Vetting (issue 15, part 7) is a rule of the model, not of one command: validated with
``context=VETTING`` (``recipient add``, ``recipient import``, :func:`parse_recipients` with
``vetted=True``) a provider also needs a functional contact, representatives, a
confidentiality undertaking and its residency, and a third party needs its data-sharing
agreement (``contract_id``) and its residency. Records written before these fields existed
stay readable without the context; the decision core then withholds from them
(``NO_UNDERTAKING``, ``NO_AGREEMENT``, ``RESIDENCY``) until a vetted record replaces them.
The purposes' vetting needs the policy: :meth:`RecipientDirectory.problems_with`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from lovhub.identity import is_reserved_id, is_valid_organisation_number, is_valid_recipient_id
from lovhub.policy import RecipientKind, describe_validation_error
from lovhub.registry.accountability import Residency, Undertaking
from lovhub.registry.errors import RegistryError

__all__ = ["VETTING", "PublicKeyEntry", "Recipient", "RecipientKind", "RecipientStatus"]

#: The validation context that applies the vetting rules (new records: add, import).
VETTING: Final[dict[str, Any]] = {"vetting": True}

_STRICT = ConfigDict(frozen=True, extra="forbid")


def _recipient_id(value: str) -> str:
    if isinstance(value, str) and is_reserved_id(value):
        raise ValueError("a reserved name: ids starting 'lovhub' are the hub's own principals")
    if not is_valid_recipient_id(value):
        raise ValueError("not a recipient id (1-48 lower-case letters, digits and inner hyphens)")
    return value


def _organisation_number(value: str) -> str:
    if not is_valid_organisation_number(value):
        raise ValueError("not a valid organisation number (10 digits, Luhn check digit)")
    return value


RecipientId = Annotated[str, AfterValidator(_recipient_id)]
OrganisationNumber = Annotated[str, AfterValidator(_organisation_number)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
PurposeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$")]


class RecipientStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # e.g. by an operator after a breach or failed vetting
    TERMINATED = "terminated"  # contract ended; kept for the audit trail


class PublicKeyEntry(BaseModel):
    """One of the recipient's public keys; ``public_key`` is opaque text here."""

    model_config = _STRICT

    key_id: Code
    suite: Code
    public_key: str = Field(min_length=1, max_length=8192)
    valid_from: AwareDatetime
    valid_to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _period(self) -> PublicKeyEntry:
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError(f"key {self.key_id}: valid_to must be after valid_from")
        return self

    def valid_at(self, at: dt.datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


class Recipient(BaseModel):
    """A provider (LOV contract, assignments) or a third party (consent only)."""

    model_config = _STRICT

    id: RecipientId
    kind: RecipientKind
    organisation_number: OrganisationNumber
    name: str = Field(min_length=1, max_length=200)
    contract_id: Code | None = None
    services: tuple[Code, ...] = ()
    purposes: tuple[PurposeId, ...] = Field(min_length=1)
    status: RecipientStatus
    insurance_valid_until: dt.date | None = None
    #: The organisation's functional contact (a shared mailbox or switchboard, not a person).
    contact: str | None = Field(default=None, min_length=3, max_length=200)
    #: Names of the people authorised to sign for the organisation (vetted before a LOV
    #: contract). Personal data: shown by ``lovhub recipient show``, never logged.
    representatives: tuple[
        Annotated[str, StringConstraints(min_length=1, max_length=200)], ...
    ] = ()
    #: Providers: the signed confidentiality undertaking (tystnadsplikt). None only in a
    #: record from before it was required: the provider then receives nothing.
    undertaking: Undertaking | None = None
    #: Where delivered data is stored and processed. None only in a record from before it
    #: was required: the recipient then receives nothing.
    residency: Residency | None = None
    keys: tuple[PublicKeyEntry, ...] = ()

    @model_validator(mode="after")
    def _vetted(self, info: ValidationInfo) -> Recipient:
        if not (info.context or {}).get("vetting"):
            return self
        missing = self.vetting_gaps()
        if missing:
            raise ValueError(
                f"recipient {self.id}: vetting needs {', '.join(missing)} on record "
                f"for a {self.kind}"
            )
        return self

    def vetting_gaps(self) -> tuple[str, ...]:
        """What the vetting requires that this record lacks (field names only)."""
        if self.is_provider:
            wanted: tuple[tuple[str, object], ...] = (
                ("contact", self.contact),
                ("representatives", self.representatives),
                ("undertaking", self.undertaking),
            )
        else:
            wanted = (("contract_id (the data-sharing agreement)", self.contract_id),)
        wanted = (*wanted, ("residency", self.residency))
        return tuple(name for name, value in wanted if not value)

    @model_validator(mode="after")
    def _consistent(self) -> Recipient:
        if self.kind is RecipientKind.PROVIDER:
            missing = [
                name
                for name, value in (
                    ("contract_id", self.contract_id),
                    ("services", self.services),
                    ("insurance_valid_until", self.insurance_valid_until),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"recipient {self.id}: a provider needs {', '.join(missing)}")
        key_ids = [key.key_id for key in self.keys]
        if len(set(key_ids)) != len(key_ids):
            raise ValueError(f"recipient {self.id}: duplicate key_id")
        if len(set(self.purposes)) != len(self.purposes):
            raise ValueError(f"recipient {self.id}: duplicate purpose")
        return self

    @property
    def is_provider(self) -> bool:
        return self.kind is RecipientKind.PROVIDER

    @property
    def is_active(self) -> bool:
        return self.status is RecipientStatus.ACTIVE

    @property
    def contracted_purposes(self) -> frozenset[str]:
        return frozenset(self.purposes)

    @property
    def undertaking_signed_on(self) -> dt.date | None:
        return None if self.undertaking is None else self.undertaking.signed_on

    @property
    def storage_countries(self) -> frozenset[str]:
        """Every country delivered data is stored or processed in; empty when not on record."""
        return frozenset() if self.residency is None else self.residency.countries

    def insured_on(self, day: dt.date) -> bool:
        return self.insurance_valid_until is not None and day <= self.insurance_valid_until

    def current_key(self, at: dt.datetime) -> PublicKeyEntry | None:
        """The key valid at ``at`` (aware) with the latest ``valid_from``; None if none."""
        valid = [key for key in self.keys if key.valid_at(at)]
        return max(valid, key=lambda key: key.valid_from, default=None)

    def with_key(self, key: PublicKeyEntry) -> Recipient:
        """A copy with ``key`` added (validated again: key ids stay unique)."""
        try:
            return Recipient.model_validate({**self.model_dump(), "keys": (*self.keys, key)})
        except ValidationError as error:
            raise RegistryError(describe_validation_error(f"recipient {self.id}", error)) from error
