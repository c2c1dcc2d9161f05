"""What a recipient has undertaken and where it keeps delivered data (issue 15, parts 3 and 6).

A provider's confidentiality undertaking (tystnadsplikt) and every recipient's residency:
the country where it stores and processes what the hub delivers, its hosting provider, and
the sub-processors that handle the data for it, each with its own country. The decision core
withholds ``NO_UNDERTAKING`` from a provider without an undertaking in force and
``RESIDENCY`` from a recipient any of whose countries the policy does not allow.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from lovhub.policy.residency import CountryCode

__all__ = ["Residency", "SubProcessor", "Undertaking"]

_STRICT = ConfigDict(frozen=True, extra="forbid")
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")]
OrganisationName = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Undertaking(BaseModel):
    """A provider's signed confidentiality undertaking: in force from ``signed_on``."""

    model_config = _STRICT

    signed_on: dt.date
    #: The agency's reference of the signed document (a code, never free text).
    reference: Reference


class SubProcessor(BaseModel):
    """An organisation that stores or processes delivered data for the recipient."""

    model_config = _STRICT

    name: OrganisationName
    country: CountryCode


class Residency(BaseModel):
    """Where the recipient stores and processes delivered data, and who else handles it."""

    model_config = _STRICT

    country: CountryCode
    #: The hosting provider (an organisation or "own data centre"), not a person.
    hosting: OrganisationName
    sub_processors: tuple[SubProcessor, ...] = Field(default=(), max_length=50)

    @model_validator(mode="after")
    def _distinct(self) -> Residency:
        names = [s.name for s in self.sub_processors]
        if len(set(names)) != len(names):
            raise ValueError("residency: a sub-processor is listed twice")
        return self

    @property
    def countries(self) -> frozenset[str]:
        """Every country the delivered data is stored or processed in."""
        return frozenset({self.country, *(s.country for s in self.sub_processors)})
