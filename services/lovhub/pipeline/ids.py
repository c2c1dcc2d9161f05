"""Deterministic ids: a replay after a crash produces the same ids, so duplicates show."""

from __future__ import annotations

import uuid

__all__ = ["dead_letter_id", "decision_id", "delivery_id"]

_NAMESPACE = uuid.UUID("6f1c3f0e-5b7a-4a53-9d0c-2b1f1a9e7c41")


def decision_id(event_id: str, recipient_id: str | None) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"decision\x1f{event_id}\x1f{recipient_id or ''}"))


def delivery_id(event_id: str, recipient_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"delivery\x1f{event_id}\x1f{recipient_id}"))


def dead_letter_id(topic: str, partition: int, offset: int) -> str:
    """Rejected input has no trustworthy event id; its place in the log identifies it."""
    return str(uuid.uuid5(_NAMESPACE, f"dead-letter\x1f{topic}\x1f{partition}\x1f{offset}"))
