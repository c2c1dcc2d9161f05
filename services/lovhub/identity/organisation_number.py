"""Swedish organisation numbers (organisationsnummer) of legal persons: ten digits
``GNXXXXXXXC``.

- ``C`` is the Luhn check digit over all ten digits (unlike personal ids, there is no
  century prefix to skip);
- the third digit is at least 2, which is what keeps an organisation number from ever
  looking like a personal id (whose third digit is the first digit of the month, 0 or 1);
- ``G``, the first digit, is the group of legal form (e.g. 2 public bodies, 5 limited
  companies, 7 economic associations, 8 non-profits, 9 partnerships); not checked here.

A sole trader's business is identified by the owner's personal id; such numbers are
deliberately *not* accepted, since they are personal data.
"""

from __future__ import annotations

import random

from lovhub.identity.errors import InvalidOrganisationNumberError
from lovhub.identity.luhn import luhn_check_digit, luhn_valid

__all__ = [
    "is_valid_organisation_number",
    "parse_organisation_number",
    "synthetic_organisation_number",
]

_SYNTHETIC_GROUPS = "25789"


def is_valid_organisation_number(value: object) -> bool:
    """True for ten ASCII digits, third digit >= 2, correct Luhn check digit."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    return value.isascii() and value.isdigit() and value[2] >= "2" and luhn_valid(value)


def parse_organisation_number(value: object, *, path: str = "organisation_number") -> str:
    """The number itself; :class:`InvalidOrganisationNumberError` naming ``path``."""
    if not isinstance(value, str) or not is_valid_organisation_number(value):
        raise InvalidOrganisationNumberError(path)
    return value


def synthetic_organisation_number(rng: random.Random) -> str:
    """A random, structurally valid organisation number for tests and demos only."""
    payload = (
        rng.choice(_SYNTHETIC_GROUPS)
        + str(rng.randrange(10))
        + str(rng.randrange(2, 10))
        + "".join(str(rng.randrange(10)) for _ in range(6))
    )
    return payload + str(luhn_check_digit(payload))
