"""Building one recipient's record: minimise, pseudonymise, encrypt, encode."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from lovhub.codec import RECIPIENT_RECORD, Codec
from lovhub.core import Decision
from lovhub.core.outputs import OutboundRecord
from lovhub.crypto import RecordEncryptor
from lovhub.minimise import MinimisedField, minimise
from lovhub.pseudonyms import Pseudonymiser

__all__ = ["BuiltDelivery", "build_delivery"]


@dataclass(frozen=True, slots=True)
class BuiltDelivery:
    record: OutboundRecord
    delivery_id: str
    field_paths: tuple[str, ...]
    key_id: str | None


def _clear_value(value: Any) -> str | int | bool | None:
    # The record's clear values are scalars; a list travels as a JSON array in a string.
    kind = type(value)
    if kind is str or kind is int or kind is bool:  # the common case, without isinstance
        return value  # type: ignore[no-any-return]
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


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
    delivery_id: str,
    decision_id: str,
    policy_version: str,
    encryptor: RecordEncryptor | None,
    codec: Codec,
    schema_fingerprint: bytes,
    redelivery: bool = False,
) -> BuiltDelivery:
    """The encoded record. ``encryptor`` must be given when any field is personal."""
    personal = [(f.path, f.value) for f in fields if f.personal]
    sealed = None
    if personal:
        if encryptor is None:
            raise ValueError("personal fields without an encryptor")  # caller checks first
        sealed = encryptor.seal_record(topic, event["event_id"], personal)
    envelopes = iter(sealed.envelopes if sealed else ())
    delivered = [
        {"path": f.path, "value": None, "encrypted": next(envelopes)}
        if f.personal
        else {"path": f.path, "value": _clear_value(f.value), "encrypted": None}
        for f in fields
    ]
    wrapped = sealed.wrapped_key if sealed else None
    record = {
        "delivery_id": delivery_id,
        "decision_id": decision_id,
        "event_id": event["event_id"],
        "event_type": event["event_type"],
        "occurred_at": event["occurred_at"],
        "recipient_id": decision.recipient_id,
        "jobseeker_pseudonym": jobseeker_pseudonym,
        "purposes": list(decision.purposes),
        "legal_basis": decision.legal_basis.value,
        "policy_version": policy_version,
        "redelivery": redelivery,
        "fields": delivered,
        "data_key": wrapped.to_avro() if wrapped else None,
    }
    headers = (
        ("event_type", str(event["event_type"]).encode()),
        ("schema_fingerprint", schema_fingerprint.hex().encode()),
        ("policy_version", policy_version.encode()),
        ("decision_id", decision_id.encode()),
        ("delivery_id", delivery_id.encode()),
        ("trace_id", str(event.get("trace_id") or event["event_id"]).encode()),
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
        key_id=wrapped.key_id if wrapped else None,
    )
