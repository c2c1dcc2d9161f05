"""What the pure pipeline hands the shell for one input record: nothing here does I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TypedDict

from lovhub.core.state import JobseekerState

__all__ = ["AuditRecord", "EventResult", "OutboundRecord", "PendingAudit", "SourcePosition"]


@dataclass(frozen=True, slots=True)
class SourcePosition:
    """Where an input record was read: its identity for dead letters and replays.

    ``ingested_at`` is the record's broker timestamp (UTC): the hub's clock, not the
    producer's, on a topic with ``message.timestamp.type=LogAppendTime``. The pipeline
    bounds ``occurred_at`` against it and judges expiry by the later of the two. Replays
    pass the original record's timestamp, so they decide as the first run did; None (no
    trusted ingest time) leaves both to ``occurred_at`` alone.
    """

    topic: str
    partition: int
    offset: int
    ingested_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboundRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class AuditRecord(TypedDict):
    """One audit decision as the hub builds it: the fields of ``se.lovhub.audit.AuditDecision``
    (schemas/audit), with the chain fields empty until the audit writer links it, and the
    delivery's place empty until the broker has acknowledged the delivery. A plain dict at
    run time (the Avro writers take it as it is); typed for every reader and writer."""

    decision_id: str
    sequence: int
    event_id: str | None
    event_type: str | None
    jobseeker_audit_pseudonym: str | None
    recipient_id: str | None
    outcome: str
    reason_code: str | None
    purposes: list[str]
    legal_basis: str
    consent_id: str | None
    delivered_fields: list[str]
    policy_version: str | None
    key_id: str | None
    decided_at: dt.datetime
    event_occurred_at: dt.datetime | None
    delivery_topic: str | None
    delivery_partition: int | None
    delivery_offset: int | None
    delivery_id: str | None
    dead_letter_id: str | None
    redelivery: bool
    prev_hash: bytes
    hash: bytes


@dataclass(frozen=True, slots=True)
class PendingAudit:
    """An audit decision waiting for the offset of the delivery it accounts for.

    ``delivery_index`` points into :attr:`EventResult.deliveries`; the shell fills in the
    delivery's topic, partition and offset once the broker has acknowledged it.
    """

    decision: AuditRecord
    delivery_index: int | None = None


@dataclass(frozen=True, slots=True)
class EventResult:
    source: SourcePosition
    jobseeker_key: bytes | None
    state: JobseekerState | None  # None: the event did not change the jobseeker's state
    deliveries: tuple[OutboundRecord, ...] = ()
    audits: tuple[PendingAudit, ...] = ()
    dead_letters: tuple[OutboundRecord, ...] = field(default=())
    # (event id, content digest) of an event id decided for the first time: the shell keeps
    # it so that a later, different event under the same id is recognised (EVENT_ID_REUSED).
    new_event_id: tuple[str, bytes] | None = None
