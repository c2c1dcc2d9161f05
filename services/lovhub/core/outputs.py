"""What the pure pipeline hands the shell for one input record: nothing here does I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lovhub.core.state import JobseekerState

__all__ = ["EventResult", "OutboundRecord", "PendingAudit", "SourcePosition"]


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


@dataclass(frozen=True, slots=True)
class PendingAudit:
    """An audit decision waiting for the offset of the delivery it accounts for.

    ``delivery_index`` points into :attr:`EventResult.deliveries`; the shell fills in the
    delivery's topic, partition and offset once the broker has acknowledged it.
    """

    decision: dict[str, Any]
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
