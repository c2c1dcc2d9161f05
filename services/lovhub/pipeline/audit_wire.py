"""Audit records on the wire without Avro-encoding each one twice.

Chaining already encodes every decision canonically (single-object Avro, ``hash`` empty) to
hash it. When the wire codec is that same encoding, the wire bytes differ from the canonical
bytes only in the ``hash`` field, and ``hash`` is the schema's last field: Avro writes a
record's fields in schema order, and ``bytes`` as a zig-zag varint length and the raw bytes.
An empty ``hash`` is the single byte ``00``; a 32-byte SHA-256 is ``40`` and the 32 bytes.
So the wire record is the canonical bytes minus their last byte, plus ``40`` and the hash.

The splice is used only when all of that is checked to hold at construction (same codec
class, same schema by fingerprint, ``hash`` last and of type ``bytes``, a probe record
identical both ways); otherwise the record is encoded again, as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from lovhub.audit import ChainHead
from lovhub.audit.chain import link_encoded
from lovhub.codec import AUDIT_DECISION, Codec, SingleObjectCodec
from lovhub.codec.store import SchemaStore
from lovhub.core.reasons import Outcome
from lovhub.pipeline.audit import AuditSubject, audit_decision

__all__ = ["AuditWireEncoder"]

_HASH_LEN = 32  # SHA-256
_EMPTY_BYTES = b"\x00"  # zig-zag varint 0: an empty ``bytes`` value
_HASH_PREFIX = b"\x40"  # zig-zag varint 32


class AuditWireEncoder:
    """The wire bytes of a chained audit decision, given its canonical unsigned bytes."""

    def __init__(
        self,
        codec: Codec,
        store: SchemaStore,
        canonical: Callable[[Mapping[str, Any]], bytes],
    ) -> None:
        self._codec = codec
        self.splices = _hash_is_last_bytes_field(codec, store) and _probe_agrees(codec, canonical)

    def encode(self, chained: Mapping[str, Any], unsigned: bytes) -> bytes:
        """``chained`` on the wire; ``unsigned`` is its canonical encoding with ``hash`` empty."""
        digest = chained["hash"]
        if self.splices and len(digest) == _HASH_LEN and unsigned.endswith(_EMPTY_BYTES):
            return unsigned[:-1] + _HASH_PREFIX + bytes(digest)
        return self._codec.encode(AUDIT_DECISION, chained)


def _hash_is_last_bytes_field(codec: Codec, store: SchemaStore) -> bool:
    if type(codec) is not SingleObjectCodec:
        return False
    wire, canonical = codec.store.resolve(AUDIT_DECISION), store.resolve(AUDIT_DECISION)
    if wire.fingerprint != canonical.fingerprint:
        return False
    fields = canonical.raw.get("fields") or []
    return bool(fields) and fields[-1].get("name") == "hash" and fields[-1].get("type") == "bytes"


def _probe_agrees(codec: Codec, canonical: Callable[[Mapping[str, Any]], bytes]) -> bool:
    """One decision with every kind of value filled, both ways (guards codec options)."""
    now = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    subject = AuditSubject(
        decision_key="probe",
        recipient_id="probe-recipient",
        event={"event_id": "probe-event", "event_type": "REGISTRATION", "occurred_at": now},
        audit_pseudonym="probe-pseudonym",
        policy_version="probe",
        now=now,
        sequence=7,
    )
    decision = audit_decision(
        subject,
        outcome=Outcome.DELIVERED,
        reason=None,
        purposes=("lov.matching",),
        legal_basis="ASSIGNMENT",
        delivered_fields=("body.registration_status",),
        key_id="probe-key",
        delivery_id="probe-delivery",
    )
    decision["delivery_topic"] = "probe.topic"
    decision["delivery_partition"] = 1
    decision["delivery_offset"] = 2
    try:
        chained, _, unsigned = link_encoded(decision, ChainHead(), canonical)
        spliced = unsigned[:-1] + _HASH_PREFIX + bytes(chained["hash"])
        return spliced == codec.encode(AUDIT_DECISION, chained)
    except Exception:  # a probe the schema rejects proves nothing: encode twice instead
        return False
