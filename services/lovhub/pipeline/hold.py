"""Input the hub cannot decide *yet*: the record is held, never rejected.

A Schema Registry that does not answer, or a schema the hub does not know yet, says nothing
about the record: the same bytes decode once the cause is gone. Dead-lettering such a record
would lose it for good, and when it is a consent withdrawal, sharing would go on. So the
pipeline raises :class:`InputHeld` instead of rejecting, and the worker holds the record's
partition (nothing at or after it is decided, delivered or committed) and retries with
backoff, reporting the reason in ``lovhub health``. Only bytes that can never decode are
dead letters.
"""

from __future__ import annotations

__all__ = ["InputHeld"]


class InputHeld(Exception):
    """The current record must be retried later, not rejected. Carries codes only."""

    def __init__(self, reason: str, cause_name: str) -> None:
        super().__init__(f"{reason} ({cause_name})")
        self.reason = reason
        self.cause_name = cause_name
