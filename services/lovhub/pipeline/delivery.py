"""Building one recipient's record: minimise, pseudonymise, encrypt, bind, encode.

What a recipient could join on with another recipient is kept apart (issue 10, finding 7):
the record's ``event_id`` is the recipient's own event reference
(:meth:`lovhub.pseudonyms.Pseudonymiser.event_reference`), ``occurred_at`` is truncated to
its UTC day (:data:`OCCURRED_AT_PRECISION`; no rule of the policy depends on the time of
day), and the agency's trace id stays in the hub (the ``trace_id`` header carries the event
reference). The whole record is bound by a MAC (:mod:`lovhub.crypto.binding`, finding 8), so
every delivery needs the recipient's key: a data key is wrapped even when nothing is
encrypted."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any, Final

from lovhub.codec import RECIPIENT_RECORD, Codec
from lovhub.core import Decision
from lovhub.core.outputs import OutboundRecord
from lovhub.crypto import RecordEncryptor
from lovhub.crypto.binding import bind
from lovhub.minimise import MinimisedField, minimise
from lovhub.pseudonyms import Pseudonymiser

__all__ = [
    "CONSENT_REFERENCE_PATH",
    "CORRECTS_EVENT_PATH",
    "DELIVERY_KIND_PATH",
    "OCCURRED_AT_PRECISION",
    "REGISTERED_PATH",
    "STATUS_ANSWER_TYPE",
    "BuiltDelivery",
    "DeliveryKind",
    "build_delivery",
    "coarse_occurred_at",
]

#: How precisely a recipient learns when an event happened: its UTC day.
OCCURRED_AT_PRECISION = "day"
_DAY_MILLIS = 86_400_000


#: The field a hub-made delivery carries to say what it is (no policy path starts so: every
#: rule's path starts with ``body.``). A live delivery has no such field, so its record is
#: exactly what it was before handovers existed.
DELIVERY_KIND_PATH = "delivery_kind"
#: A status answer's fields (both encrypted: being registered is itself sensitive) and the
#: event type its record carries.
REGISTERED_PATH = "registered"
#: A correction's pointer to the record it corrects (that record's ``event_id``).
CORRECTS_EVENT_PATH = "corrects_event_id"
CONSENT_REFERENCE_PATH = "consent_reference"
STATUS_ANSWER_TYPE = "REGISTRATION_STATUS"


class DeliveryKind(StrEnum):
    """Why the hub sends a record. LIVE: an event as it arrives. HANDOVER: a fact held from
    before an assignment began, sent to that assignment's provider (issue 11, part 1).
    STATUS_ANSWER: "registered: yes/no" to a third party, on its consent (part 2).
    CORRECTION: the corrected version of an event the recipient received (part 4)."""

    LIVE = "LIVE"
    HANDOVER = "HANDOVER"
    STATUS_ANSWER = "STATUS_ANSWER"
    CORRECTION = "CORRECTION"

    def marker_fields(self) -> tuple[MinimisedField, ...]:
        """The clear field that marks the record (bound by the record MAC like any other)."""
        if self is DeliveryKind.LIVE:
            return ()
        return (MinimisedField(DELIVERY_KIND_PATH, self.value, personal=False),)


@dataclass(frozen=True, slots=True)
class BuiltDelivery:
    record: OutboundRecord
    delivery_id: str
    field_paths: tuple[str, ...]
    key_id: str | None


# json.dumps with options builds a new encoder per call; the same settings, built once.
_LIST_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _clear_value(value: Any) -> str | int | bool | None:
    # The record's clear values are scalars; a list travels as a JSON array in a string.
    kind = type(value)
    if kind is str or kind is int or kind is bool:  # the common case, without isinstance
        return value  # type: ignore[no-any-return]
    if isinstance(value, list):
        return _LIST_JSON.encode(value)
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def coarse_occurred_at(value: Any) -> Any:
    """``occurred_at`` truncated to the start of its UTC day (datetime or epoch millis)."""
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC)
        return dt.datetime(utc.year, utc.month, utc.day, tzinfo=dt.UTC)
    return value - value % _DAY_MILLIS


def minimised_fields(
    event: Mapping[str, Any],
    decision: Decision,
    *,
    protected_identity: bool,
    pseudonymiser: Pseudonymiser,
    protected_paths: tuple[str, ...],
) -> tuple[MinimisedField, ...]:
    assert decision.recipient_id is not None
    fields = minimise(
        event,
        decision.rules,
        protected_identity=protected_identity,
        pseudonymise=partial(pseudonymiser.for_field, decision.recipient_id),
        protected_paths=protected_paths,
    )
    # Two purposes may allow the same field; it is delivered once.
    seen: set[str] = set()
    unique = []
    for field in fields:
        if field.path not in seen:
            seen.add(field.path)
            unique.append(field)
    return tuple(unique)


def build_delivery(
    *,
    event: Mapping[str, Any],
    decision: Decision,
    fields: Sequence[MinimisedField],
    topic: str,
    jobseeker_pseudonym: str,
    event_reference: str,
    delivery_id: str,
    decision_id: str,
    policy_version: str,
    encryptor: RecordEncryptor | None,
    codec: Codec,
    schema_fingerprint: bytes,
    redelivery: bool = False,
) -> BuiltDelivery:
    """The encoded, bound record. ``encryptor`` is required: every record carries a wrapped
    data key, whose derived key binds the record; ``event_reference`` is the recipient's
    own reference for the event (it replaces the agency's event id on the record)."""
    if encryptor is None:
        raise ValueError("a delivery needs the recipient's key")  # caller checks first
    personal = [(f.path, f.value) for f in fields if f.personal]
    sealed = encryptor.seal_record(topic, event_reference, personal)
    envelopes = iter(sealed.envelopes)
    delivered = [
        {"path": f.path, "value": None, "encrypted": next(envelopes)}
        if f.personal
        else {"path": f.path, "value": _clear_value(f.value), "encrypted": None}
        for f in fields
    ]
    wrapped = sealed.wrapped_key
    assert wrapped is not None
    assert sealed.binding_key is not None
    record = {
        "delivery_id": delivery_id,
        "decision_id": decision_id,
        "event_id": event_reference,
        "event_type": event["event_type"],
        "occurred_at": coarse_occurred_at(event["occurred_at"]),
        "recipient_id": decision.recipient_id,
        "jobseeker_pseudonym": jobseeker_pseudonym,
        "purposes": list(decision.purposes),
        "legal_basis": decision.legal_basis.value,
        "policy_version": policy_version,
        "redelivery": redelivery,
        "fields": delivered,
        "data_key": wrapped.to_avro(),
        "binding": None,
    }
    record["binding"] = bind(sealed.binding_key, record, topic)
    headers = (
        ("event_type", str(event["event_type"]).encode()),
        ("schema_fingerprint", schema_fingerprint.hex().encode()),
        ("policy_version", policy_version.encode()),
        ("decision_id", decision_id.encode()),
        ("delivery_id", delivery_id.encode()),
        ("trace_id", event_reference.encode()),
    )
    return BuiltDelivery(
        record=OutboundRecord(
            topic=topic,
            key=jobseeker_pseudonym.encode(),
            value=codec.encode(RECIPIENT_RECORD, record),
            headers=headers,
        ),
        delivery_id=delivery_id,
        field_paths=tuple(f.path for f in fields),
        key_id=wrapped.key_id,
    )
