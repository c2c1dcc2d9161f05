"""Audit and changelog records go out as whole record batches per partition, in order, and
each audit slot learns its own offset (lovhub.worker.evidence). A fake producer stands in
for aiokafka here; the real broker path is covered by tests/integration (hub pipeline,
crash, fail-closed)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError

from lovhub.audit import ChainHead
from lovhub.audit.checkpoints import CheckpointCadence, CheckpointSchedule
from lovhub.core import JobseekerState, state_to_bytes
from lovhub.core.outputs import EventResult, OutboundRecord, PendingAudit, SourcePosition
from lovhub.worker.batch import BatchWork, WriteFailed
from lovhub.worker.evidence import _send_to_partition, _write_audits, write_batch


@dataclass
class _Meta:
    offset: int


class _Batch:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.records: list[tuple[Any, bytes, Any]] = []

    def append(self, *, key: Any, value: bytes, timestamp: Any, headers: Any) -> Any:
        if len(self.records) >= self.capacity or len(value) > 100:
            return None
        self.records.append((key, value, headers))
        return object()


@dataclass
class _Producer:
    capacity: int = 3
    fail_batch: int | None = None  # this batch's future fails (0-based)
    fail_topic: str | None = None  # every write to this topic fails
    log: dict[tuple[str, int], list[bytes]] = field(default_factory=dict)
    calls: list[tuple[str, int]] = field(default_factory=list)

    def create_batch(self) -> _Batch:
        return _Batch(self.capacity)

    def _future(self, topic: str, partition: int, values: list[bytes]) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        failing = self.fail_batch is not None and len(self.calls) - 1 == self.fail_batch
        if failing or topic == self.fail_topic:
            future.set_exception(KafkaConnectionError())
            return future
        written = self.log.setdefault((topic, partition), [])
        future.set_result(_Meta(offset=100 + len(written)))
        written.extend(values)
        return future

    async def send_batch(self, batch: _Batch, topic: str, *, partition: int) -> Any:
        self.calls.append(("batch", len(batch.records)))
        return self._future(topic, partition, [v for _, v, _ in batch.records])

    async def send(
        self, topic: str, *, value: bytes, key: Any, headers: Any, partition: int = 0
    ) -> Any:
        self.calls.append(("send", 1))
        return self._future(topic, partition, [value])


def _entries(*values: bytes) -> list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]]:
    return [(b"k", value, []) for value in values]


def test_records_fill_batches_in_order_and_an_oversized_one_goes_alone() -> None:
    producer = _Producer(capacity=2)
    values = [b"a", b"b", b"c", b"x" * 200, b"d"]

    async def run() -> list[tuple[int, int, Any]]:
        return await _send_to_partition(producer, "audit", "t", 0, _entries(*values))  # type: ignore[arg-type]

    sent = asyncio.run(run())
    assert producer.log[("t", 0)] == values
    assert producer.calls == [("batch", 2), ("batch", 1), ("send", 1), ("batch", 1)]
    assert [(first, count) for first, count, _ in sent] == [(0, 2), (2, 1), (3, 1), (4, 1)]


class _Store:
    """The changelog form of a state (facts-free states need no key)."""

    def encode(self, key: bytes, state: Any) -> bytes:
        return state_to_bytes(state)


@dataclass
class _Worker:
    producer: Any
    store: Any = field(default_factory=_Store)
    chain_heads: dict[int, ChainHead] = field(default_factory=lambda: {0: ChainHead()})
    schedule: CheckpointSchedule = field(
        default_factory=lambda: CheckpointSchedule(CheckpointCadence())
    )
    topics: Any = None
    pipeline: Any = None
    checkpointing: Any = None


class _Pipeline:
    def finish_audit(
        self, pending: PendingAudit, delivery: Any, head: ChainHead
    ) -> tuple[OutboundRecord, ChainHead]:
        value = f"audit-{head.sequence}".encode()
        return OutboundRecord("audit", b"k", value), ChainHead(bytes(32), head.sequence + 1)


@dataclass
class _Topics:
    audit: str = "audit"
    changelog: str = "changelog"


def _work(audits: int) -> BatchWork:
    result = EventResult(
        SourcePosition("src", 0, 0),
        b"k",
        None,
        audits=tuple(PendingAudit({}) for _ in range(audits)),
    )
    return BatchWork({0: 1}, [result], {})


def test_each_audit_slot_gets_its_own_offset() -> None:
    producer = _Producer(capacity=2)
    worker = _Worker(producer, topics=_Topics(), pipeline=_Pipeline())
    work = _work(5)
    asyncio.run(_write_audits(worker, producer, work))  # type: ignore[arg-type]
    slots = work.audits[0]
    assert [s.offset for s in slots] == [100, 101, 102, 103, 104]
    assert all(s.acked for s in slots)
    assert producer.log[("audit", 0)] == [f"audit-{n}".encode() for n in range(5)]
    assert worker.chain_heads[0].sequence == 5


def test_a_failed_batch_leaves_its_slots_unacknowledged_and_fails_the_stage() -> None:
    producer = _Producer(capacity=2, fail_batch=2)
    worker = _Worker(producer, topics=_Topics(), pipeline=_Pipeline())
    work = _work(5)
    with pytest.raises(WriteFailed) as failed:
        asyncio.run(_write_audits(worker, producer, work))  # type: ignore[arg-type]
    assert failed.value.stage == "audit"
    assert [s.acked for s in work.audits[0]] == [True, True, True, True, False]
    assert [s.offset for s in work.audits[0]] == [100, 101, 102, 103, None]
    assert worker.chain_heads[0] == ChainHead()  # the head moves only when all are written


def test_audits_and_changelog_are_written_together_and_retried_apart() -> None:
    """Step 3: a changelog that cannot be written does not hold back the audit records,
    fails the batch (no commit), and the retry writes only the changelog."""
    producer = _Producer(capacity=10, fail_topic="changelog")
    worker = _Worker(producer, topics=_Topics(), pipeline=_Pipeline())
    work = _work(3)
    work.states = {(0, b"k"): JobseekerState()}
    with pytest.raises(WriteFailed) as failed:
        asyncio.run(write_batch(worker, work))  # type: ignore[arg-type]
    assert failed.value.stage == "changelog"
    assert work.audits_done
    assert not work.changelog_done
    assert len(producer.log[("audit", 0)]) == 3
    producer.fail_topic = None
    asyncio.run(write_batch(worker, work))  # type: ignore[arg-type]
    assert work.changelog_done
    assert len(producer.log[("audit", 0)]) == 3  # not written again
    assert len(producer.log[("changelog", 0)]) == 1


def test_an_audit_failure_is_the_one_reported_when_both_fail() -> None:
    producer = _Producer(capacity=10, fail_topic="audit")
    worker = _Worker(producer, topics=_Topics(), pipeline=_Pipeline())
    work = _work(2)
    work.states = {(0, b"k"): JobseekerState()}
    with pytest.raises(WriteFailed) as failed:
        asyncio.run(write_batch(worker, work))  # type: ignore[arg-type]
    assert failed.value.stage == "audit"
    assert not work.audits_done
    assert work.changelog_done  # the states were written; the replay re-applies them idempotently
