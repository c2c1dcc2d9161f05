"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer) in the 12-digit machine form ``YYYYMMDDNNNC``.

- ``YYYYMMDD`` is a real calendar date in the 1800s, 1900s or 2000s (the century digits
  Skatteverket uses); a coordination number adds 60 to the day (61-91).
- ``NNN`` is the birth number, ``C`` the Luhn check digit over the ten digits
  ``YYMMDDNNN`` + ``C`` (the century is not part of the check).

No check against today's date: validation must give the same answer on replay. Values never
appear in error messages or reprs.
"""

from __future__ import annotations

import datetime
import functools
import random
from dataclasses import dataclass, field
from importlib import resources

from lovhub.identity.errors import InvalidPersonalIdError
from lovhub.identity.luhn import luhn_valid

__all__ = [
    "COORDINATION_DAY_OFFSET",
    "PersonalId",
    "is_valid_personal_id",
    "parse_personal_id",
    "synthetic_personal_id",
    "synthetic_personal_ids",
]

COORDINATION_DAY_OFFSET = 60
_CENTURIES = frozenset({"18", "19", "20"})
_SYNTHETIC_BORN = (datetime.date(1940, 1, 1), datetime.date(2010, 12, 31))
_TEST_NUMBERS = "skatteverket-test-numbers.txt"


@dataclass(frozen=True, slots=True)
class PersonalId:
    """A validated personal identity or coordination number. The repr hides the value."""

    value: str = field(repr=False)
    birth_date: datetime.date = field(repr=False)
    coordination_number: bool


def _birth_date(value: str) -> tuple[datetime.date, bool] | None:
    """The date part and whether it is a coordination number, or None if not a date."""
    day = int(value[6:8])
    coordination = day > COORDINATION_DAY_OFFSET
    if coordination:
        day -= COORDINATION_DAY_OFFSET
    try:
        return datetime.date(int(value[0:4]), int(value[4:6]), day), coordination
    except ValueError:
        return None


def _parse(value: object) -> PersonalId | None:
    if not isinstance(value, str) or len(value) != 12:
        return None
    if not (value.isascii() and value.isdigit()) or value[:2] not in _CENTURIES:
        return None
    born = _birth_date(value)
    if born is None or not luhn_valid(value[2:]):
        return None
    return PersonalId(value=value, birth_date=born[0], coordination_number=born[1])


def is_valid_personal_id(value: object) -> bool:
    """True for a 12-digit personal identity or coordination number with a real date and a
    correct check digit; False for anything else (including non-strings)."""
    return _parse(value) is not None


def parse_personal_id(value: object, *, path: str = "personal_id") -> PersonalId:
    """The parsed number; :class:`InvalidPersonalIdError` (naming ``path``, not the value)."""
    parsed = _parse(value)
    if parsed is None:
        raise InvalidPersonalIdError(path)
    return parsed


def synthetic_personal_id(
    rng: random.Random,
    *,
    coordination: bool = False,
    born_between: tuple[datetime.date, datetime.date] = _SYNTHETIC_BORN,
) -> str:
    """One of Skatteverket's published test numbers, chosen by ``rng``: for tests, demos
    and synthetic streams only.

    Test numbers are set aside by Skatteverket and never assigned, so a synthetic record
    can never name a real person (a random valid number could). The list
    (``skatteverket-test-numbers.txt``, about 9,400 personal identity and 900 coordination
    numbers born 1940-2010) is finite: callers that need many different people take
    numbers by position with :func:`synthetic_personal_ids`.
    """
    candidates = _born_between(coordination, *born_between)
    if not candidates:
        raise ValueError("no published test number is born in that range")
    return rng.choice(candidates)


@functools.lru_cache(maxsize=64)
def _born_between(coordination: bool, first: datetime.date, last: datetime.date) -> tuple[str, ...]:
    return tuple(
        value
        for value in synthetic_personal_ids(coordination=coordination)
        if first <= _birth_date_unchecked(value) <= last
    )


@functools.cache
def synthetic_personal_ids(*, coordination: bool = False) -> tuple[str, ...]:
    """Every published test number of the kind asked for, in a fixed order."""
    text = resources.files("lovhub.identity").joinpath(_TEST_NUMBERS).read_text("ascii")
    values = (line for line in text.splitlines() if line and not line.startswith("#"))
    return tuple(v for v in values if (int(v[6:8]) > COORDINATION_DAY_OFFSET) is coordination)


def _birth_date_unchecked(value: str) -> datetime.date:
    born = _birth_date(value)
    assert born is not None, "the published list holds valid numbers only"
    return born[0]
