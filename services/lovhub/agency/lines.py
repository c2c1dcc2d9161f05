"""Checking agency events line by line before they are sent (pure: no I/O, no clock).

Each line of JSON becomes the framed Avro value the hub will read, or a refusal naming the
line, the field and the reason. The checks are the hub's own (:func:`~lovhub.codec.
validate_jobseeker_event`, :func:`~lovhub.pipeline.ingest_time.check_occurred_at`, the
codec's size limit, the policy's purpose and category catalogue) plus one the hub makes
against its history: an event id may appear once (the hub treats a repeat as a re-send and
a different event under a used id as an error). Which recipients exist is the hub's
registry, not checked here: the hub rejects an unknown one and its operators see it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lovhub.agency.json_form import JsonFormError, NamedTypes, event_from_json
from lovhub.codec import JOBSEEKER_EVENT, CodecError, InvalidFieldError, versioned
from lovhub.codec._avro import DEFAULT_MAX_RECORD_BYTES
from lovhub.codec.protocol import Codec
from lovhub.codec.store import SchemaStore
from lovhub.codec.validation import EVENT_BODY_TYPES, validate_jobseeker_event
from lovhub.pipeline.hub import check_catalogue
from lovhub.pipeline.ingest_time import check_occurred_at
from lovhub.pipeline.rejection import Rejection
from lovhub.policy import Policy

__all__ = ["Accepted", "EventLineChecker", "Refused", "validate_event"]


@dataclass(frozen=True, slots=True)
class Accepted:
    """A line ready to send: the record key (the jobseeker id) and the encoded value."""

    line_number: int
    key: bytes
    value: bytes
    event_id: str


@dataclass(frozen=True, slots=True)
class Refused:
    """A line not sent; ``path`` and ``reason`` are field names and codes, never values."""

    line_number: int
    path: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.path}: {self.reason}"


class EventLineChecker:
    """Turns JSON lines into sendable records, one line at a time, in input order."""

    def __init__(
        self,
        codec: Codec,
        store: SchemaStore,
        *,
        now: dt.datetime,
        version: int | None = None,
        policy: Policy | None = None,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        schema = store.get(JOBSEEKER_EVENT, version)
        self._codec, self._schema_ref = codec, versioned(JOBSEEKER_EVENT, schema.version)
        self._version = schema.version
        self._types = NamedTypes(schema.raw)
        self._body_types = {
            event_type: name
            for event_type, name in EVENT_BODY_TYPES.items()
            if self._types.resolve(name) is not name
        }
        self._now, self._policy, self._max_bytes = now, policy, max_record_bytes
        self._first_line_of: dict[str, int] = {}

    @property
    def version(self) -> int:
        return self._version

    def check(self, line_number: int, line: str) -> Accepted | Refused:
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            return Refused(line_number, "(line)", "NOT_JSON")
        try:
            event = self._event(value)
            validate_event(event, self._now, self._policy)
            encoded = self._codec.encode(self._schema_ref, event)
        except JsonFormError as error:
            return Refused(line_number, error.path, f"SCHEMA_MISMATCH ({error.problem})")
        except InvalidFieldError as error:
            return Refused(line_number, error.path or "(event)", error.reason.value)
        except Rejection as error:
            return Refused(line_number, error.field_path or "(event)", error.error_code)
        except CodecError as error:
            return Refused(line_number, "(event)", error.code)
        if len(encoded) > self._max_bytes:
            return Refused(line_number, "(event)", f"OVERSIZED (over {self._max_bytes} bytes)")
        event_id = event["event_id"]
        first = self._first_line_of.setdefault(event_id, line_number)
        if first != line_number:
            return Refused(line_number, "event_id", f"EVENT_ID_REPEATED (first on line {first})")
        return Accepted(line_number, event["jobseeker_id"].encode("utf-8"), encoded, event_id)

    def _event(self, value: Any) -> dict[str, Any]:
        event = event_from_json(value, self._types, body_types=self._body_types)
        declared = event.get("schema_version")
        if declared is not None and declared != self._version:
            raise JsonFormError("schema_version", f"must be {self._version}, the version sent")
        event["schema_version"] = self._version
        return event


def validate_event(event: Mapping[str, Any], now: dt.datetime, policy: Policy | None) -> None:
    """The hub's checks that need no registry and no history, with ``now`` as the ingest
    time; raises the hub's own errors."""
    validate_jobseeker_event(dict(event))
    check_occurred_at(event["occurred_at"], now)
    if policy is not None and event["event_type"] in ("ASSIGNMENT_STARTED", "CONSENT_GIVEN"):
        check_catalogue(policy, event["body"][1])
