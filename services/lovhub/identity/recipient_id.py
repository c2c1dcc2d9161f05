"""Recipient ids: how the hub names providers and third parties.

1 to 48 characters of lower-case ASCII letters, digits and inner hyphens, e.g.
``jobbcoach-syd``. The id is embedded in topic names (``lov.provider.<id>.v1`` and
``lov.provider.<id>.reports.v1``) and principals, so dots are excluded: an id containing
``.reports`` would otherwise name another provider's report topic. Underscores are excluded
because Kafka's metric names treat ``.`` and ``_`` alike. Ids starting ``lovhub`` are the
hub's own (:func:`is_reserved_id`).
"""

from __future__ import annotations

import re

__all__ = ["RECIPIENT_ID_PATTERN", "is_reserved_id", "is_valid_recipient_id"]

RECIPIENT_ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?")


def is_reserved_id(value: str) -> bool:
    """The hub's own names: its principals (``lovhub-admin``, ``lovhub-hub``, ...) and
    groups all start ``lovhub``. A recipient so named would be given, or would reset, the
    hub's credentials and ACLs (issue 10, finding 3)."""
    return value == "lovhub" or value.startswith("lovhub-")


def is_valid_recipient_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and RECIPIENT_ID_PATTERN.fullmatch(value) is not None
        and not is_reserved_id(value)
    )
