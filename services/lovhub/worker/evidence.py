"""The worker's writes, stage by stage, and its signed checkpoints (the I/O half of
lovhub.worker.batch). Separate from the loop in runner.py to keep each readable."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from lovhub.audit.canonical import canonical_audit_encoder, canonical_encoder
from lovhub.audit.checkpoints import build_checkpoint
from lovhub.audit.resume import REFUSED_REASON, ResumeRefused
from lovhub.codec import AUDIT_CHECKPOINT, AUDIT_DECISION, codec_for, default_store
from lovhub.kafka.tail import read_last_record, verified_tail
from lovhub.worker.batch import BatchWork, WriteFailed
from lovhub.worker.store import event_id_key

if TYPE_CHECKING:
    from lovhub.worker.runner import HubWorker

__all__ = [
    "CheckpointPublisher",
    "TailRefused",
    "hold_batch",
    "verified_audit_tail",
    "write_batch",
]

log = logging.getLogger(__name__)


async def _acked(stage: str, sends: list[Any]) -> list[Any]:
    """Wait for every send; raise WriteFailed (after all settled) if any failed."""
    outcomes = await asyncio.gather(*sends, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, KafkaError | OSError | asyncio.TimeoutError):
                raise outcome
            raise WriteFailed(stage, outcome)
    return outcomes


async def _send(producer: AIOKafkaProducer, stage: str, **record: Any) -> asyncio.Future[Any]:
    try:
        future: asyncio.Future[Any] = await producer.send(**record)
    except (KafkaError, OSError) as error:
        raise WriteFailed(stage, error) from error
    return future


Entry = tuple[bytes | None, bytes, list[tuple[str, bytes]]]  # key, value, headers


async def _send_to_partition(
    producer: AIOKafkaProducer, stage: str, topic: str, partition: int, entries: list[Entry]
) -> list[tuple[int, int, asyncio.Future[Any]]]:
    """Queue ``entries`` for one partition, in order, as whole record batches.

    aiokafka's per-record ``send`` costs a coroutine, a metadata check and a future per
    record (about a quarter of the worker's CPU); ``send_batch`` pays that per batch. The
    records of one batch are written or refused together, and a batch's records take
    consecutive offsets from its base offset. Returns (first index, count, future) per
    batch; a record too large for an empty batch goes alone through ``send``.
    """
    sent: list[tuple[int, int, asyncio.Future[Any]]] = []
    try:
        batch, first = producer.create_batch(), 0
        for index, (key, value, headers) in enumerate(entries):
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is not None:
                continue
            if index > first:
                future = await producer.send_batch(batch, topic, partition=partition)
                sent.append((first, index - first, future))
            batch, first = producer.create_batch(), index
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                alone = await producer.send(
                    topic, value=value, key=key, partition=partition, headers=headers
                )
                sent.append((index, 1, alone))
                batch, first = producer.create_batch(), index + 1
        if len(entries) > first:
            future = await producer.send_batch(batch, topic, partition=partition)
            sent.append((first, len(entries) - first, future))
    except (KafkaError, OSError) as error:
        raise _Queued(WriteFailed(stage, error), sent) from error
    return sent


class _Queued(Exception):
    """A queueing failure, with the batches queued before it (they may still succeed)."""

    def __init__(self, failure: WriteFailed, sent: list[tuple[int, int, asyncio.Future[Any]]]):
        super().__init__(str(failure))
        self.failure = failure
        self.sent = sent


async def write_batch(worker: HubWorker, work: BatchWork) -> None:
    """Write what is not yet acknowledged: deliveries; then the audit decisions and the
    changelog together, with one wait for both (step 3 of docs/pipeline.md: neither waits
    for the other, both come after the deliveries' acknowledgements and before the
    commit); then the checkpoints that are due."""
    assert worker.producer is not None
    producer = worker.producer
    await _write_deliveries(producer, work)
    stages = []
    if not work.audits_done:
        stages.append(_write_audits(worker, producer, work))
    if not work.changelog_done:
        stages.append(_write_changelog(worker, producer, work))
    # Each stage settles its own sends and marks itself done; a failure of one does not
    # stop the other, and the retry writes only what is still missing.
    outcomes = await asyncio.gather(*stages, return_exceptions=True)
    for outcome in outcomes:  # the audit stage's failure first, when both failed
        if isinstance(outcome, BaseException):
            raise outcome
    if worker.checkpointing is not None:
        await worker.publisher().publish(time.monotonic())


async def _write_changelog(worker: HubWorker, producer: AIOKafkaProducer, work: BatchWork) -> None:
    by_partition: dict[int, list[Entry]] = {}
    for (partition, key), value in work.encoded_states(worker.store.encode).items():
        by_partition.setdefault(partition, []).append((key, value, []))
    for (partition, event_id), digest in work.event_ids.items():
        by_partition.setdefault(partition, []).append((event_id_key(event_id), digest, []))
    sends: list[Any] = []
    failure: WriteFailed | None = None
    for partition, entries in by_partition.items():
        try:
            queued = await _send_to_partition(
                producer, "changelog", worker.topics.changelog, partition, entries
            )
        except _Queued as error:
            failure, queued = error.failure, error.sent
        sends.extend(future for _, _, future in queued)
        if failure is not None:
            break
    await _acked("changelog", sends)  # settle what was queued before raising
    if failure is not None:
        raise failure
    work.changelog_done = True


async def _write_deliveries(producer: AIOKafkaProducer, work: BatchWork) -> None:
    waiting: list[tuple[int, int, asyncio.Future[Any]]] = []
    failure: BaseException | None = None
    try:
        for index, places in enumerate(work.placed):
            for slot, record in enumerate(work.outputs(index)):
                if places[slot] is None:
                    future = await _send(
                        producer,
                        "deliveries",
                        topic=record.topic,
                        value=record.value,
                        key=record.key,
                        headers=list(record.headers),
                    )
                    waiting.append((index, slot, future))
    except WriteFailed as error:
        failure = error  # still record what was sent before, so it is not sent twice
    outcomes = await asyncio.gather(*(f for _, _, f in waiting), return_exceptions=True)
    for (index, slot, _), outcome in zip(waiting, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            failure = failure or outcome
        else:
            work.placed[index][slot] = (outcome.topic, outcome.partition, outcome.offset)
    if isinstance(failure, WriteFailed):
        raise failure
    if failure is not None:
        if not isinstance(failure, KafkaError | OSError | asyncio.TimeoutError):
            raise failure
        raise WriteFailed("deliveries", failure)


async def _write_audits(worker: HubWorker, producer: AIOKafkaProducer, work: BatchWork) -> None:
    # (partition, slot indexes of the batch, future) per queued record batch.
    waiting: list[tuple[int, list[int], asyncio.Future[Any]]] = []
    failure: BaseException | None = None
    for partition, slots in work.audit_slots().items():
        head = worker.chain_heads[partition]
        unacked: list[int] = []
        for index, slot in enumerate(slots):
            if slot.record is None:
                slot.record, slot.head = worker.pipeline.finish_audit(
                    slot.pending, slot.delivery, head
                )
            assert slot.head is not None
            head = slot.head
            if not slot.acked:
                unacked.append(index)
        if not unacked:
            continue
        records = [slots[index].record for index in unacked]
        entries: list[Entry] = [(r.key, r.value, list(r.headers)) for r in records if r]
        topic = records[0].topic if records[0] else worker.topics.audit
        assert all(r is not None and r.topic == topic for r in records)  # one audit topic
        try:
            queued = await _send_to_partition(producer, "audit", topic, partition, entries)
        except _Queued as error:
            failure, queued = error.failure, error.sent
        waiting.extend(
            (partition, unacked[first : first + count], future) for first, count, future in queued
        )
        if failure is not None:
            break  # nothing more is queued; what was queued is settled below
    outcomes = await asyncio.gather(*(f for _, _, f in waiting), return_exceptions=True)
    for (partition, indexes, _), outcome in zip(waiting, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            failure = failure or outcome
        else:
            base = outcome.offset  # a batch's base offset; its records follow in order
            for number, index in enumerate(indexes):
                slot = work.audits[partition][index]
                slot.acked, slot.offset = True, base + number
    if isinstance(failure, WriteFailed):
        raise failure
    if failure is not None:
        if not isinstance(failure, KafkaError | OSError | asyncio.TimeoutError):
            raise failure
        raise WriteFailed("audit", failure)
    # Every slot of the batch is acknowledged now (in this attempt or an earlier one).
    work.audits_done = True
    now = time.monotonic()
    for partition, slots in work.audits.items():
        if not slots:
            continue
        last = slots[-1]
        assert last.head is not None
        worker.chain_heads[partition] = last.head
        if last.offset is not None:  # unknown only when found on the tail after a retry
            worker.schedule.note(
                (worker.topics.audit, partition), last.offset, last.head, len(slots), now
            )


class CheckpointPublisher:
    """Signs and publishes the due checkpoints of a worker's audit partitions."""

    def __init__(self, worker: HubWorker) -> None:
        assert worker.checkpointing is not None
        self._worker = worker
        self._settings = worker.checkpointing
        self._codec = codec_for(None)
        self._encode = canonical_encoder(default_store(), AUDIT_CHECKPOINT)

    async def publish(
        self, now: float, *, only: set[int] | None = None, everything: bool = False
    ) -> None:
        """Checkpoint the chains that are due (``everything``: all with pending records)."""
        worker = self._worker
        assert worker.producer is not None
        due = worker.schedule.due(now, all_pending=everything)
        due = [entry for entry in due if only is None or entry[0][1] in only]
        sends = []
        for (topic, partition), offset, head in due:
            signed = build_checkpoint(
                audit_topic=topic,
                partition=partition,
                offset=offset,
                head=head,
                signed_at=dt.datetime.now(dt.UTC),
                key=self._settings.key,
                encode=self._encode,
            )
            sends.append(
                await _send(
                    worker.producer,
                    "checkpoints",
                    topic=self._settings.topic,
                    value=self._codec.encode(AUDIT_CHECKPOINT, signed),
                    key=f"{topic}/{partition}".encode(),
                    partition=0,
                )
            )
        await _acked("checkpoints", sends)
        for (topic, partition), offset, _ in due:
            worker.schedule.done((topic, partition), offset)
        worker.health.checkpoints += len(due)
        if due:
            worker.health.last_checkpoint_at = time.time()


async def hold_batch(worker: HubWorker, consumer: AIOKafkaConsumer, seconds: float) -> bool:
    """Wait ``seconds`` without taking new records but staying in the consumer group.

    Polls with every partition paused (a consumer that stops polling is thrown out of its
    group); records of partitions assigned meanwhile are sought back, not skipped. Returns
    False when the worker is asked to stop.
    """
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            worker.beat()  # holding is not hanging: the liveness probe stays green
            if worker.stopping:
                return False
            consumer.pause(*consumer.assignment())  # again: a rebalance may assign more
            fetched = await consumer.getmany(timeout_ms=100)
            for tp, records in fetched.items():
                if records:
                    consumer.seek(tp, records[0].offset)
            if worker.health_file:
                worker.health.write(worker.health_file)
    finally:
        consumer.resume(*consumer.assignment())
    return not worker.stopping


class TailRefused(WriteFailed):
    """An audit partition's tail does not extend its last checkpoint: the worker holds the
    batch (nothing delivered or committed) and reports it, as for a failed write."""

    def __init__(self, refused: ResumeRefused) -> None:
        super().__init__("audit records", refused)
        self.cause_name = REFUSED_REASON
        self.refused = refused

    def what_failed(self) -> str:
        # Not a write that failed: the log itself is not what the last signature says.
        return f"{REFUSED_REASON} ({self.refused.topic}[{self.refused.partition}])"


async def verified_audit_tail(worker: HubWorker, partition: int) -> bytes | None:
    """The last record of ``worker``'s audit partition, once its tail is proven to extend
    the newest checkpoint signed with the worker's key (lovhub.audit.resume).

    Without a signing key (checkpoints off) there is nothing to check against: the plain
    tail. A refusal raises :class:`TailRefused`; the worker's retry loop holds the batch and
    reports ``fail closed: ... (audit tail does not extend the last checkpoint)``.
    """
    config = worker._client_config
    topic = worker.topics.audit
    if worker.checkpointing is None:
        return await read_last_record(config, topic, partition)
    codec = worker.pipeline.codec  # type: ignore[attr-defined]
    try:
        tail, _ = await verified_tail(
            config,
            topic=topic,
            partition=partition,
            checkpoint_topic=worker.checkpointing.topic,
            keys=worker.checkpointing.key.verifying_keys(),
            decode_record=lambda value: codec.decode(value, AUDIT_DECISION),
            record_encode=canonical_audit_encoder(default_store()),
        )
    except ResumeRefused as refused:
        log.error("fail closed: %s", refused)
        raise TailRefused(refused) from refused
    return tail
