"""One source partition's share of a batch is one transaction (lovhub.worker.transactions):
deliveries first, then the audit decisions carrying their places, the changelog and the
input offset, then commit; after any failure none of it is visible and the producer is
closed (reopening it aborts what was open, and the worker restores before deciding again).

A fake transactional producer stands in for aiokafka here: it stages a transaction's records
and shows them only on commit, as a broker does to readers that read committed. The real
broker path (fencing a paused owner included) is covered by tests/integration and
tests/faults."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, ProducerFenced, TopicAuthorizationFailedError

from lovhub.audit import ChainHead
from lovhub.core import JobseekerState, state_to_bytes
from lovhub.core.outputs import EventResult, OutboundRecord, PendingAudit, SourcePosition
from lovhub.worker.batch import BatchWork, PartitionWork, WriteFailed
from lovhub.worker.transactions import (
    PartitionFenced,
    PartitionWriter,
    WorkerTopics,
    send_to_partition,
    transactional_id,
)


@dataclass
class _Meta:
    topic: str
    partition: int
    offset: int


class _Batch:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.records: list[bytes] = []

    def append(self, *, key: Any, value: bytes, timestamp: Any, headers: Any) -> Any:
        if len(self.records) >= self.capacity or len(value) > 100:
            return None
        self.records.append(value)
        return object()


@dataclass
class _Producer:
    """Offsets are taken at send (as on a broker: aborted records keep theirs)."""

    capacity: int = 3
    fail_topic: str | None = None
    fenced: bool = False
    fail_commit: bool = False
    ends: dict[tuple[str, int], int] = field(default_factory=dict)
    committed: dict[tuple[str, int], list[bytes]] = field(default_factory=dict)
    offsets: dict[Any, int] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)
    _staged: list[tuple[tuple[str, int], bytes]] = field(default_factory=list)
    _staged_offsets: dict[Any, int] = field(default_factory=dict)
    stopped: bool = False

    def create_batch(self) -> _Batch:
        return _Batch(self.capacity)

    async def begin_transaction(self) -> None:
        if self.fenced:
            raise ProducerFenced()
        self.steps.append("begin")

    def _future(self, topic: str, partition: int, values: list[bytes]) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if topic == self.fail_topic:
            future.set_exception(TopicAuthorizationFailedError())
            return future
        base = self.ends.get((topic, partition), 0)
        self.ends[(topic, partition)] = base + len(values)
        self._staged.extend(((topic, partition), v) for v in values)
        future.set_result(_Meta(topic, partition, base))
        self.steps.append(topic)
        return future

    async def send_batch(self, batch: _Batch, topic: str, *, partition: int) -> Any:
        return self._future(topic, partition, batch.records)

    async def send(
        self, topic: str, *, value: bytes, key: Any, headers: Any, partition: int = 0
    ) -> Any:
        return self._future(topic, partition, [value])

    async def send_offsets_to_transaction(self, offsets: dict[Any, int], group_id: str) -> None:
        self.steps.append("offsets")
        self._staged_offsets.update(offsets)

    async def commit_transaction(self) -> None:
        if self.fail_commit:
            raise KafkaConnectionError()
        self.steps.append("commit")
        for where, value in self._staged:
            self.committed.setdefault(where, []).append(value)
        self.offsets.update(self._staged_offsets)
        self._staged, self._staged_offsets = [], {}

    async def stop(self) -> None:
        # The open transaction stays open; the producer that takes the id next aborts it.
        self.stopped = True
        self._staged, self._staged_offsets = [], {}


def _finish_audit(
    pending: PendingAudit, delivery: Any, head: ChainHead
) -> tuple[OutboundRecord, ChainHead]:
    value = f"audit-{head.sequence}-at-{delivery}".encode()
    return OutboundRecord("audit", b"k", value), ChainHead(bytes(32), head.sequence + 1)


def _writer(producer: _Producer) -> PartitionWriter:
    writer = PartitionWriter(
        {},
        topics=WorkerTopics("src", "audit", "changelog"),
        group_id="g",
        partition=0,
        finish_audit=_finish_audit,
        encode_state=lambda key, state: state_to_bytes(state),
    )
    writer._producer = producer  # type: ignore[assignment]  # open() needs a broker
    return writer


def _share(deliveries: int, audits_without_delivery: int = 1) -> PartitionWork:
    records = tuple(OutboundRecord("recipient", b"k", b"d%d" % i) for i in range(deliveries))
    audits = (
        *(PendingAudit({"n": i}, i) for i in range(deliveries)),
        *(PendingAudit({}) for _ in range(audits_without_delivery)),
    )
    result = EventResult(SourcePosition("src", 0, 41), b"k", None, records, audits)
    return PartitionWork(0, commit=42, results=[result], states={b"k": JobseekerState()})


def test_a_share_is_written_in_order_inside_one_transaction() -> None:
    producer = _Producer(capacity=10)
    written = asyncio.run(_writer(producer).write(_share(2), ChainHead()))
    assert producer.steps == [
        "begin", "recipient", "recipient", "audit", "changelog", "offsets", "commit",
    ]  # fmt: skip
    assert producer.committed[("audit", 0)] == [
        b"audit-0-at-('recipient', 0, 0)",
        b"audit-1-at-('recipient', 0, 1)",
        b"audit-2-at-None",
    ]
    assert len(producer.committed[("changelog", 0)]) == 1
    assert list(producer.offsets.values()) == [42]
    assert (written.head.sequence, written.last_audit_offset, written.audits) == (3, 2, 3)
    assert written.last_changelog_offset == 0


def test_a_failed_audit_write_leaves_nothing_visible_not_even_the_deliveries() -> None:
    producer = _Producer(capacity=10, fail_topic="audit")
    writer = _writer(producer)
    with pytest.raises(WriteFailed) as failed:
        asyncio.run(writer.write(_share(2), ChainHead()))
    assert failed.value.stage == "audit"
    assert "TopicAuthorizationFailed" in failed.value.what_failed()
    assert "commit" not in producer.steps
    assert producer.committed == {}
    assert producer.offsets == {}
    assert not writer.is_open
    assert producer.stopped


def test_a_retry_on_a_reopened_producer_writes_the_share_once() -> None:
    producer = _Producer(capacity=10, fail_topic="changelog")
    writer = _writer(producer)
    share = _share(1)
    with pytest.raises(WriteFailed):
        asyncio.run(writer.write(share, ChainHead()))
    producer.fail_topic = None
    writer._producer = producer  # type: ignore[assignment]  # as open() after the failure
    written = asyncio.run(writer.write(share, ChainHead()))
    assert producer.committed[("recipient", 0)] == [b"d0"]
    assert len(producer.committed[("audit", 0)]) == 2
    # The retry's places are the new attempt's offsets, not the aborted ones.
    assert producer.committed[("audit", 0)][0] == b"audit-0-at-('recipient', 0, 1)"
    assert written.head.sequence == 2


def test_a_fenced_producer_gives_the_partition_up() -> None:
    producer = _Producer(fenced=True)
    writer = _writer(producer)
    with pytest.raises(PartitionFenced):
        asyncio.run(writer.write(_share(1), ChainHead()))
    assert not writer.is_open
    assert producer.stopped


def test_a_failed_delivery_is_named_and_writes_no_audit_record() -> None:
    producer = _Producer(fail_topic="recipient")
    writer = _writer(producer)
    with pytest.raises(WriteFailed) as failed:
        asyncio.run(writer.write(_share(1), ChainHead()))
    assert failed.value.stage == "deliveries"
    assert "audit" not in producer.steps
    assert not writer.is_open


def test_a_commit_whose_outcome_is_unknown_closes_the_producer() -> None:
    producer = _Producer(fail_commit=True)
    writer = _writer(producer)
    with pytest.raises(WriteFailed) as failed:
        asyncio.run(writer.write(_share(1), ChainHead()))
    assert failed.value.stage == "the transaction commit"
    assert not writer.is_open


def test_records_fill_batches_in_order_and_an_oversized_one_goes_alone() -> None:
    producer = _Producer(capacity=2)
    values = [b"a", b"b", b"c", b"x" * 200, b"d"]

    async def run() -> list[tuple[int, Any]]:
        entries = [(b"k", v, []) for v in values]
        return await send_to_partition(producer, "t", 0, entries)  # type: ignore[arg-type]

    sent = asyncio.run(run())
    assert [v for (_, v) in producer._staged] == values
    assert [count for count, _ in sent] == [2, 1, 1, 1]
    assert [future.result().offset for _, future in sent] == [0, 2, 3, 4]


def test_each_partition_of_each_group_has_its_own_transactional_id_under_the_hub_prefix() -> None:
    ids = {transactional_id(g, p) for g in ("lovhub-hub", "other") for p in range(12)}
    assert len(ids) == 24
    assert all(i.startswith("lovhub-hub") for i in ids)


def test_only_shares_with_decisions_are_written_and_committed_ones_are_counted() -> None:
    work = BatchWork()
    work.part(0).commit = 5
    work.part(1)  # held at its first record: nothing decided
    assert [p.partition for p in work.to_write()] == [0]
    work.parts[0].committed = True
    assert work.to_write() == []
    work.drop(0)
    assert work.committed_results() == []


def test_a_refused_topic_is_named_in_the_failure_a_worker_reports() -> None:
    from aiokafka.errors import TopicAuthorizationFailedError

    from lovhub.worker.batch import WriteFailed

    refused = WriteFailed(
        "deliveries", TopicAuthorizationFailedError({"lovhub.recipient.b", "lovhub.recipient.a"})
    )
    assert refused.what_failed() == (
        "cannot write deliveries (TopicAuthorizationFailedError: lovhub.recipient.a, "
        "lovhub.recipient.b)"
    )
    one = WriteFailed("deliveries", TopicAuthorizationFailedError("lovhub.recipient.c"))
    assert one.what_failed().endswith("(TopicAuthorizationFailedError: lovhub.recipient.c)")
    assert WriteFailed("audit", TimeoutError()).what_failed() == "cannot write audit (TimeoutError)"
