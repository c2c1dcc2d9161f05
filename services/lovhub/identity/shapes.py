"""Whether text is, or holds, something written like a personal identity number.

By shape, not by check digit: a mistyped number is still a person's number, and a value
that merely could be one must not reach the command line (shell history, the process list)
or evidence that is kept for ever. The shapes are the ways people write the numbers: 12
or 10 digits, or the 8- or 6-digit date part, a separator (``-``, ``+`` for people over
100, or a space) and the last four digits. Never echoes the text.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["holds_personal_id_shape", "is_personal_id_shape"]

# The whole value: what `--jobseeker` refuses (lovhub.cli.audit_tools.jobseeker_argument).
_WHOLE: Final = re.compile(r"[0-9]{12}|[0-9]{10}|[0-9]{6,8}[-+ ][0-9]{4}")
# Anywhere in a text: any run of ten or more digits (a number inside a longer one
# included), or the date part, a separator and four digits.
_INSIDE: Final = re.compile(r"[0-9]{10,}|[0-9]{6}[-+ ][0-9]{4}")


def is_personal_id_shape(text: str) -> bool:
    """The whole ``text`` (surrounding spaces aside) is written like a personal id."""
    return _WHOLE.fullmatch(text.strip()) is not None


def holds_personal_id_shape(text: str) -> bool:
    """Somewhere in ``text`` is something written like a personal id."""
    return _INSIDE.search(text) is not None
