"""Opening a recipient's deliveries: decode, check the addressee, decrypt, drop duplicates.

Pure: the caller hands in the bytes it read and where it read them; nothing here touches
Kafka or the terminal. Each record becomes exactly one of

- an :class:`OpenedDelivery` (every encrypted field opened and authenticated against this
  recipient, the record's topic, event and field path),
- a :class:`DeliveryProblem` (topic, partition, offset and a reason code; never any of the
  record's content, which may be forged or belong to someone else), or
- ``None``: a duplicate of a delivery already opened (same ``delivery_id``).

A record is opened as a whole or not at all: its binding (a MAC over the whole record under
a key derived from its data key, docs/envelope.md "Record binding") must verify before any
field is decrypted, else it is ``RECORD_FORGED``; one field that fails to authenticate
makes the whole record a problem, so nothing half-verified is ever shown as valid.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lovhub.codec import RECIPIENT_RECORD, Codec, CodecError, UnknownSchemaError
from lovhub.crypto import (
    CryptoError,
    DecryptionError,
    MissingKeyError,
    RecipientPrivateKey,
    RecordDecryptor,
    SealedRecord,
    Value,
    WrappedDataKey,
)
from lovhub.crypto.binding import verify

__all__ = [
    "DeliveryOpener",
    "DeliveryProblem",
    "OpenedDelivery",
    "OpenedField",
    "ProblemReason",
    "RecordPosition",
]

DEFAULT_DEDUP_WINDOW = 200_000


class ProblemReason(StrEnum):
    """Why a record was not shown; stable codes, safe to print and log."""

    MALFORMED = "MALFORMED"  # not a RecipientRecord in a known framing
    UNKNOWN_SCHEMA = "UNKNOWN_SCHEMA"  # a schema this client does not know
    WRONG_RECIPIENT = "WRONG_RECIPIENT"  # addressed to another recipient
    UNKNOWN_KEY = "UNKNOWN_KEY"  # wrapped to a key id none of our key files holds
    DECRYPTION_FAILED = "DECRYPTION_FAILED"  # a data key or field does not open here
    INCONSISTENT_RECORD = "INCONSISTENT_RECORD"  # e.g. a field both clear and encrypted
    RECORD_FORGED = "RECORD_FORGED"  # the record's binding is missing or does not verify


@dataclass(frozen=True, slots=True, order=True)
class RecordPosition:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class DeliveryProblem:
    """A record that could not be decoded, decrypted or verified. ``detail`` is a fixed
    text from the check that failed, never record content."""

    position: RecordPosition
    reason: ProblemReason
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.position.topic,
            "partition": self.position.partition,
            "offset": self.position.offset,
            "reason": str(self.reason),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class OpenedField:
    path: str
    value: Value
    encrypted: bool  # True: it arrived encrypted and authenticated


@dataclass(frozen=True, slots=True)
class OpenedDelivery:
    """A verified delivery with every field in clear."""

    position: RecordPosition
    delivery_id: str
    decision_id: str
    event_id: str
    event_type: str
    occurred_at: dt.datetime
    jobseeker_pseudonym: str
    purposes: tuple[str, ...]
    legal_basis: str
    policy_version: str
    redelivery: bool
    key_id: str | None
    fields: tuple[OpenedField, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: fields as ``{path: value}`` in delivery order."""
        return {
            "topic": self.position.topic,
            "partition": self.position.partition,
            "offset": self.position.offset,
            "delivery_id": self.delivery_id,
            "decision_id": self.decision_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "occurred_at": self.occurred_at.isoformat(),
            "jobseeker_pseudonym": self.jobseeker_pseudonym,
            "purposes": list(self.purposes),
            "legal_basis": self.legal_basis,
            "policy_version": self.policy_version,
            "redelivery": self.redelivery,
            "key_id": self.key_id,
            "fields": {field.path: field.value for field in self.fields},
        }


class _Refused(Exception):
    def __init__(self, reason: ProblemReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class DeliveryOpener:
    """Opens one recipient's records with its private keys (several: key rotation, the
    wrapped key's ``key_id`` picks one). Remembers the last ``dedup_window`` delivery ids."""

    def __init__(
        self,
        recipient_id: str,
        private_keys: Mapping[str, RecipientPrivateKey],
        codec: Codec,
        *,
        dedup_window: int = DEFAULT_DEDUP_WINDOW,
    ) -> None:
        if dedup_window < 1:
            raise ValueError("dedup_window must be positive")
        self.recipient_id = recipient_id
        self._decryptor = RecordDecryptor(recipient_id, private_keys)
        self._codec = codec
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._window = dedup_window
        self.duplicates = 0

    def open(
        self, value: bytes | None, position: RecordPosition
    ) -> OpenedDelivery | DeliveryProblem | None:
        """The delivery, the problem, or None for a duplicate already opened."""
        try:
            delivery = self._open(value, position)
        except _Refused as refused:
            return DeliveryProblem(position, refused.reason, refused.detail)
        if delivery.delivery_id in self._seen:
            self._seen.move_to_end(delivery.delivery_id)
            self.duplicates += 1
            return None
        self._seen[delivery.delivery_id] = None
        if len(self._seen) > self._window:
            self._seen.popitem(last=False)
        return delivery

    def _open(self, value: bytes | None, position: RecordPosition) -> OpenedDelivery:
        if not value:
            raise _Refused(ProblemReason.MALFORMED, "empty record")
        try:
            record = self._codec.decode(value, RECIPIENT_RECORD)
        except UnknownSchemaError:
            raise _Refused(ProblemReason.UNKNOWN_SCHEMA, "unknown schema") from None
        except CodecError as error:
            raise _Refused(ProblemReason.MALFORMED, error.code) from None
        if record["recipient_id"] != self.recipient_id:
            raise _Refused(ProblemReason.WRONG_RECIPIENT, "addressed to another recipient")
        values = self._decrypt(record, position.topic)
        return OpenedDelivery(
            position=position,
            delivery_id=record["delivery_id"],
            decision_id=record["decision_id"],
            event_id=record["event_id"],
            event_type=record["event_type"],
            occurred_at=record["occurred_at"],
            jobseeker_pseudonym=record["jobseeker_pseudonym"],
            purposes=tuple(record["purposes"]),
            legal_basis=record["legal_basis"],
            policy_version=record["policy_version"],
            redelivery=bool(record["redelivery"]),
            key_id=record["data_key"]["key_id"] if record["data_key"] else None,
            fields=values,
        )

    def _decrypt(self, record: Mapping[str, Any], topic: str) -> tuple[OpenedField, ...]:
        fields = record["fields"]
        for field in fields:
            if field["encrypted"] is not None and field["value"] is not None:
                raise _Refused(ProblemReason.INCONSISTENT_RECORD, "field both clear and encrypted")
        encrypted = [f for f in fields if f["encrypted"] is not None]
        wrapped_avro = record["data_key"]
        if wrapped_avro is None or record.get("binding") is None:
            raise _Refused(ProblemReason.RECORD_FORGED, "record not bound")
        try:
            wrapped = WrappedDataKey.from_avro(wrapped_avro)
            if not verify(self._decryptor.binding_key(wrapped), record, topic):
                raise _Refused(ProblemReason.RECORD_FORGED, "record binding does not verify")
            opened = self._decryptor.open_record(
                SealedRecord(wrapped, [bytes(f["encrypted"]) for f in encrypted]),
                topic=topic,
                event_id=record["event_id"],
                paths=[f["path"] for f in encrypted],
            )
        except MissingKeyError:
            raise _Refused(ProblemReason.UNKNOWN_KEY, "key id not held by this recipient") from None
        except DecryptionError as error:
            raise _Refused(ProblemReason.DECRYPTION_FAILED, error.reason) from None
        except CryptoError as error:  # e.g. a plaintext that is not a well-formed value
            raise _Refused(ProblemReason.DECRYPTION_FAILED, error.code) from None
        clear = iter(opened)
        return tuple(
            OpenedField(f["path"], next(clear), True)
            if f["encrypted"] is not None
            else OpenedField(f["path"], f["value"], False)
            for f in fields
        )
