"""The worker loop: consume a batch, run the pipeline, publish, then commit.

Delivery guarantee: at least once, with deterministic ids. For each batch the worker
(1) runs the pure pipeline over every record, (2) publishes deliveries and dead letters and
waits for the broker's acknowledgements, (3) publishes the audit decisions, now carrying
the deliveries' offsets, and the changed jobseeker states to the changelog, and waits again,
(4) only then commits the input offsets. A crash anywhere before (4) replays the batch: the
pipeline's decision and delivery ids are derived from the event and recipient, and decisions
depend only on facts in force at each event's log position, so the replay produces the same
records again (recognisable duplicates), never different ones, and never loses an event.
If publishing fails the worker stops without committing (fail closed) and says why in its
health; it never delivers past an audit record it could not write.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener

from lovhub.audit import ChainHead
from lovhub.core import JobseekerState, state_to_bytes
from lovhub.core.outputs import EventResult, OutboundRecord, PendingAudit, SourcePosition
from lovhub.kafka.tail import read_last_record
from lovhub.worker.store import StateStore

__all__ = ["HubWorker", "Pipeline", "WorkerHealth"]

log = logging.getLogger("lovhub.worker")


class Pipeline(Protocol):
    def process(
        self,
        value: bytes | None,
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
    ) -> EventResult: ...

    def finish_audit(
        self, pending: PendingAudit, delivery: tuple[str, int, int] | None, head: ChainHead
    ) -> tuple[OutboundRecord, ChainHead]: ...

    def chain_head_of(self, last_audit: bytes | None) -> ChainHead: ...


@dataclass
class WorkerHealth:
    healthy: bool = True
    reason: str = ""
    events: int = 0
    deliveries: int = 0
    audits: int = 0
    dead_letters: int = 0
    started_at: float = field(default_factory=time.time)

    def fail(self, reason: str) -> None:
        self.healthy = False
        self.reason = reason

    def write(self, path: Path) -> None:
        """Counts and state only: no personal data ever goes into health output."""
        data = {**asdict(self), "written_at": time.time()}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)


@dataclass(frozen=True)
class WorkerTopics:
    source: str
    audit: str
    changelog: str


class _Restore(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: HubWorker) -> None:
        self._worker = worker

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        # Another worker may change these jobseekers' state before we get them back.
        self._worker.restored.difference_update(tp.partition for tp in revoked)

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        return None  # restored lazily, before the first batch that touches the partition


class HubWorker:
    def __init__(
        self,
        pipeline: Pipeline,
        *,
        client_config: dict[str, Any],
        topics: WorkerTopics,
        group_id: str,
        store: StateStore,
        max_batch: int = 2000,
        health_file: Path | None = None,
    ) -> None:
        self.health_file = health_file
        self.pipeline = pipeline
        self.topics = topics
        self.store = store
        self.health = WorkerHealth()
        self.max_batch = max_batch
        self._client_config = client_config
        self._group_id = group_id
        # Partitions whose state is up to date with the changelog. Checked before every
        # batch: records fetched around a rebalance must never meet a stale store.
        self.restored: set[int] = set()
        # Where each audit partition's hash chain continues; read from its tail on restore.
        self.chain_heads: dict[int, ChainHead] = {}
        self._stopping: asyncio.Event | None = None
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None

    def stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    async def run(self, *, idle_exit_after: float | None = None) -> None:
        """Process until stopped (or idle for ``idle_exit_after`` seconds, for batch jobs)."""
        # aiokafka clients bind to the running loop, so they are made here, not in __init__.
        self._stopping = asyncio.Event()
        self.consumer = consumer = AIOKafkaConsumer(
            **self._client_config,
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.max_batch,
        )
        self.producer = producer = AIOKafkaProducer(
            **self._client_config, acks="all", enable_idempotence=True, linger_ms=5
        )
        await producer.start()
        await consumer.start()
        consumer.subscribe([self.topics.source], listener=_Restore(self))
        idle_since = time.monotonic()
        last_health = 0.0
        try:
            while not self._stopping.is_set():
                if self.health_file and time.monotonic() - last_health > 1.0:
                    self.health.write(self.health_file)
                    last_health = time.monotonic()
                batch = await consumer.getmany(timeout_ms=200, max_records=self.max_batch)
                if not batch:
                    if idle_exit_after and time.monotonic() - idle_since > idle_exit_after:
                        break
                    continue
                idle_since = time.monotonic()
                await self._process_batch(consumer, producer, batch)
        except Exception as error:
            self.health.fail(f"stopped without committing: {type(error).__name__}")
            log.error("worker stopped: %s", type(error).__name__)
            raise
        finally:
            if self.health_file:
                self.health.write(self.health_file)
            await consumer.stop()
            await producer.stop()
            self.store.close()

    async def restore_state(self, partitions: list[int]) -> None:
        """Bring the local store up to the changelog's end for newly assigned partitions,
        and find where their audit chains continue."""
        for partition in partitions:
            tail = await read_last_record(self._client_config, self.topics.audit, partition)
            self.chain_heads[partition] = self.pipeline.chain_head_of(tail)
        reader = AIOKafkaConsumer(**self._client_config, enable_auto_commit=False)
        await reader.start()
        try:
            tps = [TopicPartition(self.topics.changelog, p) for p in partitions]
            reader.assign(tps)
            ends = await reader.end_offsets(tps)
            for tp in tps:
                done = self.store.checkpoint(tp.partition)
                start = 0 if done is None else done + 1
                if start >= ends[tp]:
                    continue
                reader.seek(tp, start)
                position = start
                while position < ends[tp]:
                    chunk = await reader.getmany(tp, timeout_ms=1000, max_records=5000)
                    records = chunk.get(tp, [])
                    if not records:
                        continue
                    self.store.apply_changelog(
                        tp.partition, ((r.key, r.value) for r in records), records[-1].offset
                    )
                    position = records[-1].offset + 1
        finally:
            await reader.stop()

    async def _process_batch(
        self,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        batch: dict[TopicPartition, list[Any]],
    ) -> None:
        stale = sorted({tp.partition for tp in batch} - self.restored)
        if stale:
            await self.restore_state(stale)
            self.restored.update(stale)
        results: list[EventResult] = []
        states: dict[tuple[int, bytes], JobseekerState] = {}
        for tp, records in batch.items():
            for record in records:
                key = record.key or b""
                current = states.get((tp.partition, key))
                if current is None:
                    current = self.store.get(tp.partition, key)
                source = SourcePosition(tp.topic, tp.partition, record.offset)
                result = self.pipeline.process(record.value, record.key, source, current)
                if result.state is not None:
                    states[(tp.partition, key)] = result.state
                results.append(result)

        delivered = await self._publish_deliveries(producer, results)
        tail: list[asyncio.Future[Any]] = []
        for result, offsets in zip(results, delivered, strict=True):
            for pending in result.audits:
                where = (
                    offsets[pending.delivery_index] if pending.delivery_index is not None else None
                )
                partition = result.source.partition
                audit, self.chain_heads[partition] = self.pipeline.finish_audit(
                    pending, where, self.chain_heads[partition]
                )
                tail.append(
                    await producer.send(
                        audit.topic,
                        audit.value,
                        key=audit.key,
                        partition=result.source.partition,
                        headers=list(audit.headers),
                    )
                )
        encoded = {where: state_to_bytes(state) for where, state in states.items()}
        for (partition, key), value in encoded.items():
            tail.append(
                await producer.send(self.topics.changelog, value, key=key, partition=partition)
            )
        await asyncio.gather(*tail)
        self.store.put_many((p, k, s) for (p, k), s in states.items())
        await consumer.commit(
            {tp: records[-1].offset + 1 for tp, records in batch.items() if records}
        )
        self._count(results)

    async def _publish_deliveries(
        self, producer: AIOKafkaProducer, results: list[EventResult]
    ) -> list[list[tuple[str, int, int]]]:
        pending: list[list[asyncio.Future[Any]]] = []
        for result in results:
            futures = []
            for record in (*result.deliveries, *result.dead_letters):
                futures.append(
                    await producer.send(
                        record.topic, record.value, key=record.key, headers=list(record.headers)
                    )
                )
            pending.append(futures)
        offsets: list[list[tuple[str, int, int]]] = []
        for futures in pending:
            metadata = await asyncio.gather(*futures)
            offsets.append([(m.topic, m.partition, m.offset) for m in metadata])
        return offsets

    def _count(self, results: list[EventResult]) -> None:
        self.health.events += len(results)
        self.health.deliveries += sum(len(r.deliveries) for r in results)
        self.health.dead_letters += sum(len(r.dead_letters) for r in results)
        self.health.audits += sum(len(r.audits) for r in results)
