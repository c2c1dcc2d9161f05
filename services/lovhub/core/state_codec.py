"""A compact JSON form of :class:`JobseekerState`, for the worker's state table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from lovhub.core.state import Assignment, Consent, JobseekerState

__all__ = ["EVENT_ID_KEY_PREFIX", "state_from_bytes", "state_to_bytes"]

#: Changelog keys of the hub's per-partition event-id index (event id -> digest of the event
#: decided under it), which shares the state changelog. No jobseeker key starts so: 0xFF never
#: occurs in UTF-8 text.
EVENT_ID_KEY_PREFIX = b"\xffevent\x1f"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _instant(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def state_to_bytes(state: JobseekerState) -> bytes:
    data: dict[str, Any] = {
        "a": [
            [
                a.assignment_id,
                a.provider_id,
                sorted(a.purposes),
                _iso(a.valid_from),
                _iso(a.valid_to),
                a.since,
                a.ended_at,
                _iso(a.ended_on),
            ]
            for a in state.assignments.values()
        ],
        "c": [
            [
                c.consent_id,
                c.recipient_id,
                sorted(c.purposes),
                sorted(c.data_categories),
                _iso(c.valid_until),
                c.since,
                c.withdrawn_at,
            ]
            for c in state.consents.values()
        ],
        "p": [list(change) for change in state.protection_changes],
    }
    return json.dumps(data, separators=(",", ":")).encode()


def state_from_bytes(raw: bytes | None) -> JobseekerState:
    if not raw:
        return JobseekerState()
    data = json.loads(raw)
    assignments = {}
    for assignment_id, provider, purposes, start, end, since, ended, *rest in data["a"]:
        # rest: [ended_on] since state format 2; older changelog records lack it.
        assignments[assignment_id] = Assignment(
            assignment_id,
            provider,
            frozenset(purposes),
            dt.date.fromisoformat(start),
            _date(end),
            since,
            ended,
            _date(rest[0]) if rest else None,
        )
    consents = {
        consent_id: Consent(
            consent_id,
            recipient,
            frozenset(purposes),
            frozenset(categories),
            _instant(until),
            since,
            withdrawn,
        )
        for consent_id, recipient, purposes, categories, until, since, withdrawn in data["c"]
    }
    changes = tuple((int(since), bool(value)) for since, value in data["p"])
    return JobseekerState(assignments=assignments, consents=consents, protection_changes=changes)
