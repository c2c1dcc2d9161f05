"""The one writer of a source partition's evidence: a transactional producer per partition.

Fencing (issue 12). Source partition ``p`` has its own transactional id
(:func:`transactional_id`). A worker that is given ``p`` opens a producer under that id
*before* it restores anything: the broker then aborts the previous owner's open
transaction and refuses every later write of its producer (``ProducerFenced``), even one
that was paused for minutes and resumes believing it still owns ``p``. The new owner
restores state, chain head and input offset only after that, so what it reads is final.

One transaction carries everything a batch decided for ``p``: deliveries and dead letters;
the audit decisions, chained and carrying the deliveries' places (acknowledged inside the
transaction, before the audit records are made); the changed states and event ids on the
changelog; and ``p``'s input offset. Readers that read committed (every lovhub reader, and
the recipients' guides say so) see all of it or none of it: an aborted attempt leaves
records that no reader sees, and the retry writes them again under the same ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, ProducerFenced

from lovhub.audit import ChainHead
from lovhub.core import JobseekerState
from lovhub.core.outputs import OutboundRecord, PendingAudit
from lovhub.provisioning.topology import HUB_PREFIX
from lovhub.worker.batch import PartitionWork, Place, WriteFailed
from lovhub.worker.store import event_id_key

__all__ = [
    "TRANSACTION_TIMEOUT_MS",
    "PartitionFenced",
    "PartitionWriter",
    "WorkerTopics",
    "Written",
    "quiet_failed_sends",
    "send_to_partition",
    "transactional_id",
]

# How long the broker lets an owner's transaction stay open before aborting it. Readers
# that read committed wait behind an open transaction, so a worker that dies mid-batch
# delays recipients by at most this much (its successor aborts it at once).
TRANSACTION_TIMEOUT_MS = 30_000
OPEN_TIMEOUT_SECONDS = 30.0
CLOSE_TIMEOUT_SECONDS = 10.0

log = logging.getLogger(__name__)

FinishAudit = Callable[[PendingAudit, Place | None, ChainHead], tuple[OutboundRecord, ChainHead]]
EncodeState = Callable[[bytes, JobseekerState], bytes]
Entry = tuple[bytes | None, bytes, list[tuple[str, bytes]]]  # key, value, headers


@dataclass(frozen=True)
class WorkerTopics:
    source: str
    audit: str
    changelog: str


def transactional_id(group_id: str, partition: int) -> str:
    """One id per (consumer group, source partition), under the hub's reserved prefix (its
    principal's TRANSACTIONAL_ID rights are granted on that prefix only)."""
    return f"{HUB_PREFIX}-txn.{group_id}.{partition}"


class PartitionFenced(Exception):
    """A newer owner opened this partition's transactional id: nothing more may be written
    for it until the group assigns it to this worker again."""

    def __init__(self, partition: int) -> None:
        super().__init__(f"source partition {partition} is fenced by a newer owner")
        self.partition = partition


@dataclass(frozen=True)
class Written:
    """A committed transaction: where the partition's audit chain now ends."""

    head: ChainHead
    last_audit_offset: int | None
    audits: int
    # The changelog offset of the partition's last state written: the local store is up
    # to date to there (no one else can have written since this producer was opened).
    last_changelog_offset: int | None = None


class PartitionWriter:
    """Opens, writes and closes one source partition's transactional producer."""

    def __init__(
        self,
        client_config: dict[str, Any],
        *,
        topics: WorkerTopics,
        group_id: str,
        partition: int,
        finish_audit: FinishAudit,
        encode_state: EncodeState,
    ) -> None:
        self._client_config = client_config
        self._topics = topics
        self._group_id = group_id
        self.partition = partition
        self._finish_audit = finish_audit
        self._encode_state = encode_state
        self._producer: AIOKafkaProducer | None = None

    @property
    def is_open(self) -> bool:
        return self._producer is not None

    async def open(self) -> None:
        """Take the partition's transactional id, fencing every earlier holder of it."""
        producer = AIOKafkaProducer(
            **self._client_config,
            transactional_id=transactional_id(self._group_id, self.partition),
            transaction_timeout_ms=TRANSACTION_TIMEOUT_MS,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
        )
        try:
            # start() obtains the producer id and epoch: that is the fencing step.
            await asyncio.wait_for(producer.start(), OPEN_TIMEOUT_SECONDS)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), CLOSE_TIMEOUT_SECONDS)
            raise
        self._producer = producer

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            await asyncio.wait_for(producer.stop(), CLOSE_TIMEOUT_SECONDS)
        except (KafkaError, OSError, TimeoutError) as error:
            log.warning("closing partition %d's producer: %s", self.partition, type(error).__name__)

    async def write(self, work: PartitionWork, head: ChainHead) -> Written:
        """Write ``work`` in one transaction that continues the audit chain at ``head``.

        Raises :class:`PartitionFenced` when a newer owner holds the id, and
        :class:`WriteFailed` for any other failure. Either way the producer is closed: a
        transaction that failed is not aborted and retried on the same producer (aiokafka's
        transaction state is not reliable after an abortable error, and the outcome of a
        failed commit is unknown). The caller reopens it, which aborts on the broker what
        is still open, and restores before deciding again.
        """
        producer = self._producer
        assert producer is not None
        assert work.commit is not None
        stage = "a transaction"
        queued: list[asyncio.Future[Any]] = []  # every send's future, retrieved on failure
        try:
            await producer.begin_transaction()
            stage = "deliveries"
            places = await self._deliver(producer, work, queued)
            stage = "audit"
            entries, written = self._chain(work, places, head)
            audit_sends = await send_to_partition(
                producer, self._topics.audit, self.partition, entries
            )
            queued.extend(future for _, future in audit_sends)
            stage = "changelog"
            changelog_sends = await send_to_partition(
                producer, self._topics.changelog, self.partition, self._changelog_entries(work)
            )
            queued.extend(future for _, future in changelog_sends)
            stage = "audit"
            audit_bases = await _settled([future for _, future in audit_sends])
            stage = "changelog"
            changelog_bases = await _settled([future for _, future in changelog_sends])
            stage = "input offsets"
            offsets = {TopicPartition(self._topics.source, self.partition): work.commit}
            await producer.send_offsets_to_transaction(offsets, self._group_id)
            stage = "the transaction commit"
            await producer.commit_transaction()
        except ProducerFenced as fenced:
            _retrieve_later(queued)
            _transaction_error(producer)  # retrieved: its failure is this one
            await self.close()
            raise PartitionFenced(self.partition) from fenced
        except Exception as error:
            # Any failure of the client (aiokafka also raises IllegalOperation and asserts
            # on transaction states it did not expect) closes this producer: a transaction
            # whose state is unknown is never continued.
            recorded = _transaction_error(producer)
            cause = recorded if isinstance(error, AssertionError) else error
            _retrieve_later(queued)
            await self.close()
            if isinstance(cause, ProducerFenced):
                raise PartitionFenced(self.partition) from cause
            raise WriteFailed(stage, cause or error) from error
        return Written(
            written[0],
            _last_offset(audit_sends, audit_bases),
            written[1],
            _last_offset(changelog_sends, changelog_bases),
        )

    async def _deliver(
        self, producer: AIOKafkaProducer, work: PartitionWork, queued: list[asyncio.Future[Any]]
    ) -> list[list[Place]]:
        indexes: list[int] = []
        for index, record in work.outputs():
            future = await producer.send(
                record.topic, value=record.value, key=record.key, headers=list(record.headers)
            )
            queued.append(future)
            indexes.append(index)
        places: list[list[Place]] = [[] for _ in work.results]
        for index, meta in zip(indexes, await _settled(list(queued)), strict=True):
            places[index].append((meta.topic, meta.partition, meta.offset))
        return places

    def _chain(
        self, work: PartitionWork, places: list[list[Place]], head: ChainHead
    ) -> tuple[list[Entry], tuple[ChainHead, int]]:
        entries: list[Entry] = []
        for result, result_places in zip(work.results, places, strict=True):
            for pending in result.audits:
                where = (
                    result_places[pending.delivery_index]
                    if pending.delivery_index is not None
                    else None
                )
                record, head = self._finish_audit(pending, where, head)
                entries.append((record.key, record.value, list(record.headers)))
        return entries, (head, len(entries))

    def _changelog_entries(self, work: PartitionWork) -> list[Entry]:
        entries: list[Entry] = [
            (key, value, []) for key, value in work.encoded_states(self._encode_state).items()
        ]
        entries.extend((event_id_key(e), digest, []) for e, digest in work.event_ids.items())
        return entries


def quiet_failed_sends(loop: asyncio.AbstractEventLoop) -> None:
    """Do not log the failed futures of a failed transaction as "never retrieved".

    A fenced or failed producer fails every record batch it holds, including the batch
    futures that aiokafka creates beside each record's future and that no caller is ever
    given; the worker has already reported that failure (once, with its partition)."""
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        unretrieved = context.get("message") == "Future exception was never retrieved"
        if unretrieved and isinstance(context.get("exception"), KafkaError):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


def _retrieve_later(futures: list[asyncio.Future[Any]]) -> None:
    """A failed transaction's sends fail too (now or when the producer closes): their
    errors are known already and must not be logged again as never retrieved."""
    for future in futures:
        future.add_done_callback(lambda done: done.cancelled() or done.exception())


async def _settled(futures: list[asyncio.Future[Any]]) -> list[Any]:
    """Every future's result; the first failure is raised only once all have settled, so
    none is left unretrieved (a fenced producer fails every queued batch at once)."""
    outcomes = await asyncio.gather(*futures, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def _transaction_error(producer: AIOKafkaProducer) -> BaseException | None:
    """Why aiokafka's transaction failed, when it says so only by an assertion: a send
    queued after the broker refused to add a partition to the transaction (a missing ACL)
    meets a transaction already in error. aiokafka keeps the refusal on its transaction
    waiter and has no public accessor for it."""
    manager = getattr(producer, "_txn_manager", None)
    waiter = getattr(manager, "_transaction_waiter", None)
    if not isinstance(waiter, asyncio.Future):
        return None
    if not waiter.done():
        # It fails when the producer closes; that failure is the one being reported.
        waiter.add_done_callback(lambda done: done.cancelled() or done.exception())
        return None
    return None if waiter.cancelled() else waiter.exception()


def _last_offset(sends: list[tuple[int, Any]], bases: list[Any]) -> int | None:
    if not sends:
        return None
    count, _ = sends[-1]
    return int(bases[-1].offset) + count - 1


async def send_to_partition(
    producer: AIOKafkaProducer, topic: str, partition: int, entries: list[Entry]
) -> list[tuple[int, asyncio.Future[Any]]]:
    """Queue ``entries`` for one partition, in order, as whole record batches.

    aiokafka's per-record ``send`` costs a coroutine, a metadata check and a future per
    record (about a quarter of the worker's CPU); ``send_batch`` pays that per batch. A
    batch's records take consecutive offsets from its base offset. Returns (record count,
    future of the base offset's metadata) per batch; a record too large for an empty batch
    goes alone through ``send``.
    """
    sent: list[tuple[int, asyncio.Future[Any]]] = []
    batch, count = producer.create_batch(), 0
    for key, value, headers in entries:
        if batch.append(key=key, value=value, timestamp=None, headers=headers) is not None:
            count += 1
            continue
        if count:
            sent.append((count, await producer.send_batch(batch, topic, partition=partition)))
        batch, count = producer.create_batch(), 0
        if batch.append(key=key, value=value, timestamp=None, headers=headers) is not None:
            count = 1
            continue
        alone = await producer.send(
            topic, value=value, key=key, partition=partition, headers=headers
        )
        sent.append((1, alone))
    if count:
        sent.append((count, await producer.send_batch(batch, topic, partition=partition)))
    return sent
