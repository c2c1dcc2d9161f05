"""A compact JSON form of :class:`JobseekerState`, for the worker's state table.

Assignments, consents and protection changes are ids, dates and positions: they stay in
clear, so the report processor can check assignments from the changelog without holding any
key. Held facts (:mod:`lovhub.core.facts`) are personal: they are one sealed value under
``"f"`` (:mod:`lovhub.crypto.state_keys`), bound to the jobseeker's key. Writing a state with
facts and no sealer fails (never in clear); reading without an opener leaves the facts out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, Protocol

from lovhub.core.state import Assignment, Consent, Fact, JobseekerState, Receipt

__all__ = ["EVENT_ID_KEY_PREFIX", "FactSealer", "state_from_bytes", "state_to_bytes"]


class FactSealer(Protocol):
    """Seals held facts at rest (the hub state key ring)."""

    def seal(self, plaintext: bytes, owner: bytes) -> str: ...
    def open(self, sealed: str, owner: bytes) -> bytes: ...


class FactsNeedSealerError(ValueError):
    """A state holding personal facts was about to be written without the state key."""


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


def state_to_bytes(
    state: JobseekerState, *, sealer: FactSealer | None = None, owner: bytes = b""
) -> bytes:
    """``owner``: the jobseeker's key, which the sealed facts are bound to."""
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
                int(c.once),
            ]
            for c in state.consents.values()
        ],
        "p": [list(change) for change in state.protection_changes],
    }
    if state.restriction_changes:
        data["r"] = [list(change) for change in state.restriction_changes]
    if state.registration_changes:
        data["g"] = [list(change) for change in state.registration_changes]
    if state.receipts:
        data["d"] = {
            event_id: [
                r.event_type,
                r.day.isoformat(),
                {
                    rid: [list(p), basis, consent]
                    for rid, (p, basis, consent) in r.recipients.items()
                },
            ]
            for event_id, r in state.receipts.items()
        }
    if state.facts:
        if sealer is None:
            raise FactsNeedSealerError("held facts are only written sealed (state key)")
        data["f"] = sealer.seal(_facts_to_json(state.facts), owner)
    return json.dumps(data, separators=(",", ":")).encode()


def state_from_bytes(
    raw: bytes | None, *, opener: FactSealer | None = None, owner: bytes = b""
) -> JobseekerState:
    """The state; its facts only with ``opener`` (raises if they do not open)."""
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
    consents = {}
    for consent_id, recipient, purposes, categories, until, since, withdrawn, *more in data["c"]:
        # more: [once] since issue 11; an older record's consent lasts until it lapses.
        consents[consent_id] = Consent(
            consent_id,
            recipient,
            frozenset(purposes),
            frozenset(categories),
            _instant(until),
            since,
            withdrawn,
            bool(more[0]) if more else False,
        )
    changes = tuple((int(since), bool(value)) for since, value in data["p"])
    restrictions = tuple((int(since), bool(value)) for since, value in data.get("r", ()))
    registrations = tuple((int(since), bool(value)) for since, value in data.get("g", ()))
    receipts = {
        event_id: Receipt(
            event_type,
            dt.date.fromisoformat(day),
            {rid: (tuple(p), basis, consent) for rid, (p, basis, consent) in who.items()},
        )
        for event_id, (event_type, day, who) in data.get("d", {}).items()
    }
    sealed = data.get("f")
    facts = _facts_from_json(opener.open(sealed, owner)) if sealed and opener else {}
    return JobseekerState(
        assignments=assignments,
        consents=consents,
        protection_changes=changes,
        restriction_changes=restrictions,
        registration_changes=registrations,
        facts=facts,
        receipts=receipts,
    )


# Facts hold decoded Avro values: dates, instants and union branches must come back as
# they went in (minimisation transforms read them), so JSON carries them tagged.
_DATE, _INSTANT, _BRANCH = "\x00d", "\x00t", "\x00u"


def _tagged(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {_INSTANT: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    if isinstance(value, tuple):
        return {_BRANCH: [value[0], _tagged(value[1])]}
    if isinstance(value, Mapping):
        return {key: _tagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_tagged(item) for item in value]
    return value


def _untagged(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, inner),) = value.items()
            if tag == _INSTANT:
                return dt.datetime.fromisoformat(inner)
            if tag == _DATE:
                return dt.date.fromisoformat(inner)
            if tag == _BRANCH:
                return (inner[0], _untagged(inner[1]))
        return {key: _untagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_untagged(item) for item in value]
    return value


def _facts_to_json(facts: Mapping[str, Fact]) -> bytes:
    rows = [
        [f.event_id, f.event_type, f.body_type, f.occurred_at.isoformat(), _tagged(f.body), f.since]
        for f in facts.values()
    ]
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode()


def _facts_from_json(raw: bytes) -> dict[str, Fact]:
    facts = {}
    for event_id, event_type, body_type, occurred_at, body, since in json.loads(raw):
        facts[event_type] = Fact(
            event_id,
            event_type,
            body_type,
            dt.datetime.fromisoformat(occurred_at),
            _untagged(body),
            int(since),
        )
    return facts
