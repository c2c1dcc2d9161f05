"""Record binding: one MAC over a whole recipient record (docs/envelope.md, "Record binding").

The per-field AES-GCM envelopes authenticate only the encrypted values. The binding covers
everything else a recipient acts on (pseudonym, event reference, clear values, purposes,
legal basis, ids, policy version, event type, instant, recipient, paths, the envelopes and
the wrapped data key), so a principal with WRITE on a recipient topic can neither move
genuine ciphertext onto another record nor forge or pre-empt any clear value.

- key: ``HKDF-SHA256(ikm=data key, salt=empty, info="lovhub-record-binding-v1", L=32)``;
- tag: ``HMAC-SHA256(key, binding_input(record, topic))``, 32 bytes, in the record's
  ``binding`` field.

Every version-2 record the hub writes carries a data key (one is wrapped even when no field
is encrypted), so every record is bound; recipients without a published key get nothing.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lovhub.crypto._wire import lp, lp_str

__all__ = ["BINDING_LABEL", "BINDING_LEN", "bind", "binding_input", "binding_key", "verify"]

BINDING_LABEL: Final = b"lovhub-record-binding-v1"
BINDING_LEN: Final = 32
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_I64: Final = struct.Struct(">q")
_U32: Final = struct.Struct(">I")
# Field kinds in the binding input: what the record's field holds.
_CLEAR_NULL: Final = b"\x00"
_CLEAR_STRING: Final = b"\x01"
_CLEAR_LONG: Final = b"\x02"
_CLEAR_BOOL: Final = b"\x03"
_ENCRYPTED: Final = b"\x04"


def binding_key(data_key: bytes) -> bytes:
    """The record-binding key of a data key (32 bytes)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=BINDING_LABEL)
    return hkdf.derive(data_key)


def _millis(value: Any) -> int:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("occurred_at is not a timestamp")


def _field(field: Mapping[str, Any]) -> bytes:
    out = lp_str(field["path"])
    encrypted, value = field["encrypted"], field["value"]
    if encrypted is not None:
        if value is not None:
            raise ValueError("field both clear and encrypted")
        return out + _ENCRYPTED + lp(bytes(encrypted))
    if value is None:
        return out + _CLEAR_NULL
    if isinstance(value, bool):
        return out + _CLEAR_BOOL + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        return out + _CLEAR_LONG + _I64.pack(value)
    if isinstance(value, str):
        return out + _CLEAR_STRING + lp_str(value)
    raise ValueError("clear value of an unknown type")


def binding_input(record: Mapping[str, Any], topic: str) -> bytes:
    """The canonical bytes the binding MACs (layout in docs/envelope.md)."""
    key = record["data_key"]
    if key is None:
        raise ValueError("a bound record has a data key")
    purposes = record["purposes"]
    fields = record["fields"]
    return b"".join(
        (
            lp(BINDING_LABEL),
            lp_str(topic),
            lp_str(record["recipient_id"]),
            lp_str(record["delivery_id"]),
            lp_str(record["decision_id"]),
            lp_str(record["event_id"]),
            lp_str(record["event_type"]),
            _I64.pack(_millis(record["occurred_at"])),
            lp_str(record["jobseeker_pseudonym"]),
            _U32.pack(len(purposes)),
            *(lp_str(p) for p in purposes),
            lp_str(record["legal_basis"]),
            lp_str(record["policy_version"]),
            b"\x01" if record["redelivery"] else b"\x00",
            _U32.pack(len(fields)),
            *(_field(f) for f in fields),
            lp_str(key["data_key_id"]),
            lp_str(key["key_id"]),
            lp_str(key["suite_id"]),
            lp(bytes(key["encapsulated_key"])),
            lp(bytes(key["wrapped_key"])),
        )
    )


def bind(key: bytes, record: Mapping[str, Any], topic: str) -> bytes:
    """The record's binding tag under ``key`` (from :func:`binding_key`)."""
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(binding_input(record, topic))
    return mac.finalize()


def verify(key: bytes, record: Mapping[str, Any], topic: str) -> bool:
    """True when the record's ``binding`` is the tag of exactly this record on ``topic``."""
    tag = record.get("binding")
    if not isinstance(tag, bytes) or len(tag) != BINDING_LEN:
        return False
    try:
        message = binding_input(record, topic)
    except (ValueError, KeyError, TypeError):
        return False
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(message)
    try:
        mac.verify(tag)
    except InvalidSignature:
        return False
    return True
