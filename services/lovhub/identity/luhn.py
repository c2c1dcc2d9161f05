"""The Luhn (modulus 10, weights 2-1) check digit used by Swedish personal identity and
organisation numbers."""

from __future__ import annotations

__all__ = ["luhn_check_digit", "luhn_valid"]

# Digit sum of 2*d for d in 0..9, so each step is one table lookup.
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_check_digit(payload: str) -> int:
    """The digit that makes ``payload + digit`` pass :func:`luhn_valid`.

    ``payload`` must be ASCII digits; the rightmost payload digit is doubled.
    """
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if position % 2 == 0 else digit
    return (10 - total % 10) % 10


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (ASCII digits, check digit last) has a correct Luhn check digit."""
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    return luhn_check_digit(digits[:-1]) == ord(digits[-1]) - 48
