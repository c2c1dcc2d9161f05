"""The worker's evidence beside its transactions (lovhub.worker.transactions): signed
checkpoints of its audit chains, where a chain continues (its verified tail), and holding a
batch while a write fails. Each takes its collaborators, not the worker: nothing here
imports the loop in runner.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from lovhub.audit.canonical import canonical_audit_encoder, canonical_encoder
from lovhub.audit.checkpoints import CheckpointSchedule, build_checkpoint
from lovhub.audit.resume import REFUSED_REASON, ResumeRefused
from lovhub.codec import (
    AUDIT_CHECKPOINT,
    AUDIT_DECISION,
    Codec,
    codec_for,
    default_store,
)
from lovhub.kafka.tail import read_last_record, verified_tail
from lovhub.worker.batch import WriteFailed
from lovhub.worker.health import Checkpointing, WorkerHealth

__all__ = ["CheckpointPublisher", "TailRefused", "hold_batch", "verified_audit_tail"]

log = logging.getLogger(__name__)


class CheckpointPublisher:
    """Signs and publishes the due checkpoints of a worker's audit partitions.

    ``producer`` is asked for on each publish: the worker renews its producer after a
    failure."""

    def __init__(
        self,
        settings: Checkpointing,
        schedule: CheckpointSchedule,
        producer: Callable[[], AIOKafkaProducer | None],
        health: WorkerHealth,
    ) -> None:
        self._settings = settings
        self._schedule = schedule
        self._producer = producer
        self._health = health
        self._codec = codec_for(None)
        self._encode = canonical_encoder(default_store(), AUDIT_CHECKPOINT)

    async def publish(
        self, now: float, *, only: set[int] | None = None, everything: bool = False
    ) -> None:
        """Checkpoint the chains that are due (``everything``: all with pending records)."""
        producer = self._producer()
        assert producer is not None
        due = self._schedule.due(now, all_pending=everything)
        due = [entry for entry in due if only is None or entry[0][1] in only]
        sends: list[asyncio.Future[Any]] = []
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
            try:
                sends.append(
                    await producer.send(
                        self._settings.topic,
                        value=self._codec.encode(AUDIT_CHECKPOINT, signed),
                        key=f"{topic}/{partition}".encode(),
                        partition=0,
                    )
                )
            except (KafkaError, OSError) as error:
                raise WriteFailed("checkpoints", error) from error
        for outcome in await asyncio.gather(*sends, return_exceptions=True):
            if isinstance(outcome, KafkaError | OSError | asyncio.TimeoutError):
                raise WriteFailed("checkpoints", outcome)
            if isinstance(outcome, BaseException):
                raise outcome
        for (topic, partition), offset, _ in due:
            self._schedule.done((topic, partition), offset)
        self._health.checkpoints += len(due)
        if due:
            self._health.last_checkpoint_at = time.time()


async def hold_batch(
    consumer: AIOKafkaConsumer,
    seconds: float,
    *,
    beat: Callable[[], None],
    stopping: Callable[[], bool],
) -> bool:
    """Wait ``seconds`` without taking new records but staying in the consumer group.

    Polls with every partition paused (a consumer that stops polling is thrown out of its
    group); records of partitions assigned meanwhile are sought back, not skipped. ``beat``
    on every poll: holding is not hanging (the liveness probe stays green). Returns False
    when ``stopping()`` says the worker is asked to stop.
    """
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            beat()
            if stopping():
                return False
            consumer.pause(*consumer.assignment())  # again: a rebalance may assign more
            fetched = await consumer.getmany(timeout_ms=100)
            for tp, records in fetched.items():
                if records:
                    consumer.seek(tp, records[0].offset)
    finally:
        consumer.resume(*consumer.assignment())
    return not stopping()


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


async def verified_audit_tail(
    client_config: dict[str, Any],
    topic: str,
    partition: int,
    checkpointing: Checkpointing | None,
    codec: Codec,
) -> bytes | None:
    """The last record of an audit partition, once its tail is proven to extend the newest
    checkpoint signed with the worker's key (lovhub.audit.resume).

    Without a signing key (checkpoints off) there is nothing to check against: the plain
    tail. A refusal raises :class:`TailRefused`; the worker's retry loop holds the batch and
    reports ``fail closed: ... (audit tail does not extend the last checkpoint)``.
    """
    if checkpointing is None:
        return await read_last_record(client_config, topic, partition)
    try:
        tail, _ = await verified_tail(
            client_config,
            topic=topic,
            partition=partition,
            checkpoint_topic=checkpointing.topic,
            keys=checkpointing.key.verifying_keys(),
            decode_record=lambda value: codec.decode(value, AUDIT_DECISION),
            record_encode=canonical_audit_encoder(default_store()),
        )
    except ResumeRefused as refused:
        log.error("fail closed: %s", refused)
        raise TailRefused(refused) from refused
    return tail
