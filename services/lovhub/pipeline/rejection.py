"""Rejected input: a dead letter sealed to the operators, and its REJECTED audit decision."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from lovhub.codec import DEAD_LETTER_RECORD, Codec
from lovhub.core.outputs import OutboundRecord, PendingAudit, SourcePosition
from lovhub.core.reasons import Outcome
from lovhub.crypto import RecipientPublicKey, seal_for_operators
from lovhub.pipeline.audit import AuditSubject, audit_decision
from lovhub.pipeline.ids import dead_letter_id

__all__ = ["MAX_DEAD_LETTER_PAYLOAD", "Rejection", "dead_letter_record", "reject"]

#: A payload larger than this is not kept in its dead letter (the letter would exceed
#: Kafka's request limit and stall the writer): only its SHA-256 and length are sealed.
MAX_DEAD_LETTER_PAYLOAD = 512 * 1024

_SAFE_DETAIL = {
    "MALFORMED": "the bytes are not a record in a known framing",
    "UNKNOWN_SCHEMA": "the record's schema is not one this hub knows",
    "INVALID_FIELD": "a field failed validation",
    "BAD_PERSONAL_ID": "a personal id failed validation",
    "OVERSIZED": "the record is larger than the hub accepts",
    "UNKNOWN_RECIPIENT": "the event names a recipient that is not registered",
    "UNKNOWN_JOBSEEKER": "the record names a jobseeker the hub does not know",
    "NOT_ASSIGNED": "the jobseeker is not assigned to the sender on the record's date",
    "OTHER": "the hub could not process the record",
}


class Rejection(Exception):
    """Raised inside the pipeline to reject the current record; never leaves the pipeline.

    ``error_code`` and ``field_path`` are safe: codes and paths, never values.
    """

    def __init__(
        self,
        reason: str,
        error_code: str,
        field_path: str | None = None,
        *,
        audit_reason: str | None = None,
    ) -> None:
        super().__init__(error_code)
        self.reason = reason if reason in _SAFE_DETAIL else "OTHER"
        self.error_code = error_code
        self.field_path = field_path
        # The audit's reason where it says more than the dead letter's enum symbol can
        # (e.g. TOO_LONG, EVENT_ID_REUSED); the dead letter keeps it as its error code.
        self.audit_reason = audit_reason or self.reason


def dead_letter_record(
    rejection: Rejection,
    *,
    payload: bytes | None,
    source: SourcePosition,
    dead_letter_topic: str,
    operator_key: RecipientPublicKey,
    codec: Codec,
    now: dt.datetime,
    clock_seconds: float,
) -> tuple[OutboundRecord, str]:
    """The dead letter (payload sealed to the operators, nothing personal in clear) and its
    id, derived from the source position so a replay gives the same id."""
    letter_id = dead_letter_id(source.topic, source.partition, source.offset)
    kept, detail = payload or b"", _SAFE_DETAIL[rejection.reason]
    if len(kept) > MAX_DEAD_LETTER_PAYLOAD:
        kept = json.dumps(
            {"payload_sha256": hashlib.sha256(kept).hexdigest(), "payload_bytes": len(kept)}
        ).encode()
        detail += "; too large to keep: only its SHA-256 and length are sealed"
    sealed = seal_for_operators(
        kept,
        dead_letter_id=letter_id,
        operator_key=operator_key,
        clock=lambda: clock_seconds,
    )
    letter = {
        "dead_letter_id": letter_id,
        "source_topic": source.topic,
        "source_partition": source.partition,
        "source_offset": source.offset,
        "received_at": now,
        "reason": rejection.reason,
        "error_code": rejection.error_code,
        "field_path": rejection.field_path,
        "detail": detail,
        "operator_key_id": sealed.key_id,
        "encrypted_payload": sealed.sealed,
    }
    record = OutboundRecord(
        topic=dead_letter_topic,
        key=None,  # the key is a jobseeker id: personal, so it stays inside the sealed payload
        value=codec.encode(DEAD_LETTER_RECORD, letter),
        headers=(("reason", rejection.reason.encode()),),
    )
    return record, letter_id


def reject(
    rejection: Rejection,
    *,
    payload: bytes | None,
    source: SourcePosition,
    dead_letter_topic: str,
    operator_key: RecipientPublicKey,
    codec: Codec,
    now: dt.datetime,
    clock_seconds: float,
    known_event: dict[str, Any] | None,
    audit_pseudonym: str | None,
) -> tuple[OutboundRecord, PendingAudit]:
    record, letter_id = dead_letter_record(
        rejection,
        payload=payload,
        source=source,
        dead_letter_topic=dead_letter_topic,
        operator_key=operator_key,
        codec=codec,
        now=now,
        clock_seconds=clock_seconds,
    )
    event_id = known_event["event_id"] if known_event else None
    if rejection.audit_reason == "EVENT_ID_REUSED":
        event_id = None  # the id belongs to the event decided first: never derive from it
    subject = AuditSubject(
        decision_key=event_id or letter_id,
        recipient_id=None,
        event=known_event,
        audit_pseudonym=audit_pseudonym,
        policy_version=None,
        now=now,
        sequence=source.offset,
    )
    audit = audit_decision(
        subject,
        outcome=Outcome.REJECTED,
        reason=rejection.audit_reason,
        dead_letter_id=letter_id,
    )
    return record, PendingAudit(audit)
