"""Deterministic ids: a replay after a crash produces the same ids, so duplicates show."""

from __future__ import annotations

import hashlib
import uuid

__all__ = [
    "dead_letter_id",
    "decision_id",
    "delivery_id",
    "event_key",
    "handover_key",
    "status_answer_key",
    "uuid5_text",
]

_NAMESPACE = uuid.UUID("6f1c3f0e-5b7a-4a53-9d0c-2b1f1a9e7c41")
_NAMESPACE_BYTES = _NAMESPACE.bytes


# RFC 4122 variant 10: the top two bits of the 17th hex digit are 1 and 0.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def uuid5_text(name: str) -> str:
    """``str(uuid.uuid5(_NAMESPACE, name))``, without building a UUID object (hot path:
    about three ids per event). RFC 4122 §4.3: SHA-1 of namespace and name, first 16 bytes,
    version 5 in the high nibble of byte 6 (hex digit 12), variant 10 in the top bits of
    byte 8 (hex digit 16); set on the hex text, which skips a bytearray and its hex()."""
    h = hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT_DIGIT[h[16]]}{h[17:20]}-{h[20:32]}"


def event_key(event_id: str, jobseeker_id: str) -> str:
    """What decision and delivery ids derive from: the event id *and* the jobseeker, so two
    jobseekers' events that (wrongly) share an event id never merge into one decision or
    delivery (issue 10, finding 5); one partition's reuse is caught by the worker's index."""
    return f"{event_id}\x1e{jobseeker_id}"


def handover_key(assignment_key: str, fact_event_id: str) -> str:
    """What a handover item's ids derive from: the assignment event (already keyed by its
    jobseeker) and the held fact's event, so a replay gives the same item ids and a second
    assignment a new set."""
    return f"{assignment_key}\x1fhandover\x1f{fact_event_id}"


def status_answer_key(consent_key: str) -> str:
    """What a registration-status answer's ids derive from: the consent event."""
    return f"{consent_key}\x1fstatus-answer"


def decision_id(event_id: str, recipient_id: str | None) -> str:
    return uuid5_text(f"decision\x1f{event_id}\x1f{recipient_id or ''}")


def delivery_id(event_id: str, recipient_id: str) -> str:
    return uuid5_text(f"delivery\x1f{event_id}\x1f{recipient_id}")


def dead_letter_id(topic: str, partition: int, offset: int) -> str:
    """Rejected input has no trustworthy event id; its place in the log identifies it."""
    return uuid5_text(f"dead-letter\x1f{topic}\x1f{partition}\x1f{offset}")
