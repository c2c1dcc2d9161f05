"""Recipient ids: how the hub names providers and third parties.

1 to 48 characters of lower-case ASCII letters, digits and inner hyphens, e.g.
``jobbcoach-syd``. The id is embedded in topic names (``lov.provider.<id>.v1`` and
``lov.provider.<id>.reports.v1``) and principals, so dots are excluded: an id containing
``.reports`` would otherwise name another provider's report topic. Underscores are excluded
because Kafka's metric names treat ``.`` and ``_`` alike.
"""

from __future__ import annotations

import re

__all__ = ["RECIPIENT_ID_PATTERN", "is_valid_recipient_id"]

RECIPIENT_ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?")


def is_valid_recipient_id(value: object) -> bool:
    return isinstance(value, str) and RECIPIENT_ID_PATTERN.fullmatch(value) is not None
