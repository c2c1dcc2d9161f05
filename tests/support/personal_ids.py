"""Random structurally valid personal identity numbers, for the validator's property tests.

Written from Skatteverket's description of the number (SKV 704), not from lovhub's code: the
date, a birth number and the Luhn digit over the ten digits after the century; a
coordination number adds 60 to the day. Such numbers may belong to real people, so they are
only fed to the validator and never appear in synthetic streams (those use Skatteverket's
published test numbers, lovhub.identity.synthetic_personal_id).
"""

from __future__ import annotations

import datetime
import random

__all__ = ["luhn_digit", "random_valid_personal_id"]


def luhn_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def random_valid_personal_id(rng: random.Random, *, coordination: bool = False) -> str:
    first = datetime.date(1900, 1, 1)
    born = first + datetime.timedelta(days=rng.randrange(40_000))
    day = born.day + (60 if coordination else 0)
    payload = f"{born.year:04d}{born.month:02d}{day:02d}{rng.randrange(1000):03d}"
    return payload + str(luhn_digit(payload[2:]))
