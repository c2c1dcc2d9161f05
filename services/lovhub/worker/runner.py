"""The worker loop: consume a batch, run the pipeline, write each partition's share in one
transaction, then checkpoint.

Delivery guarantee: exactly once for every reader that reads committed. For each batch the
worker (1) runs the pure pipeline over every record, then (2) for each source partition,
in one Kafka transaction of that partition's own producer (lovhub.worker.transactions):
publishes deliveries and dead letters and waits for their acknowledgements, publishes the
audit decisions (carrying the deliveries' offsets) and the changed jobseeker states, and
commits the partition's input offset with them. A crash anywhere leaves the transaction
open until the next owner of the partition aborts it: nothing of it is ever seen. Each
partition's producer fences the one before it, so a paused old owner cannot write after
its successor has started, and the successor restores state, chain head and input offset
only after fencing it.

If a partition's transaction fails the worker fails closed without crashing: nothing of the
transaction is visible, the partition's producer is closed, and the partition is paused for
a capped exponential backoff (the others keep flowing), then fenced, restored and decided
again from its committed offset; the worker reports itself unhealthy with the reason until
every partition writes again. After the audit
records are committed it publishes signed checkpoints of each partition's chain at a fixed
cadence (lovhub.audit.checkpoints; docs/audit-evidence.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from lovhub.audit import ChainHead
from lovhub.audit.checkpoints import CheckpointCadence, CheckpointSchedule
from lovhub.codec import Codec
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, OutboundRecord, PendingAudit, SourcePosition
from lovhub.crypto.state_keys import StateSealError
from lovhub.kafka.tail import BOUNDED_READ_FETCH_WAIT_MS, read_range
from lovhub.kafka.unreadable import READ_FAILURES, cannot_read_reason, rewind_to_committed
from lovhub.pipeline.hold import InputHeld
from lovhub.pipeline.ingest_time import broker_ingest_time
from lovhub.registry.follower import RegistryFollower
from lovhub.service.endpoints import Probe, loop_liveness
from lovhub.worker.batch import BatchWork, PartitionWork, WriteFailed
from lovhub.worker.evidence import (
    CheckpointPublisher,
    TailRefused,
    hold_batch,
    verified_audit_tail,
)
from lovhub.worker.health import Checkpointing, Hold, Phase, WorkerHealth
from lovhub.worker.metrics import HubMetrics
from lovhub.worker.recipient_holds import RecipientHold, RecipientHolds
from lovhub.worker.store import StateStore
from lovhub.worker.transactions import (
    PartitionFenced,
    PartitionWriter,
    WorkerTopics,
    Written,
    quiet_failed_sends,
)

__all__ = ["Checkpointing", "HubWorker", "Pipeline", "WorkerHealth", "WorkerTopics"]

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
HANDOVER_CHECKPOINT_SECONDS = 10.0
# An idle fetch is answered within the fetch wait (0.5 s); a loop turn takes well under a
# second. Silence or a stall this long means the broker is not answering.
BROKER_SILENCE_SECONDS = 4.0
HEALTH_EVERY_SECONDS = 0.5

log = logging.getLogger("lovhub.worker")


class Pipeline(Protocol):
    # The audit tail is decoded and verified with the pipeline's own codec.
    codec: Codec

    def process(
        self,
        value: bytes | None,
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
        *,
        seen_event: Callable[[str], bytes | None] | None = None,
    ) -> EventResult: ...

    def finish_audit(
        self, pending: PendingAudit, delivery: tuple[str, int, int] | None, head: ChainHead
    ) -> tuple[OutboundRecord, ChainHead]: ...

    def chain_head_of(self, last_audit: bytes | None) -> ChainHead: ...

    def recipient_of_topic(self, topic: str) -> str | None: ...

    def use_unavailable(self, recipients: frozenset[str]) -> None: ...


class _Restore(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: HubWorker) -> None:
        self._worker = worker

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        # Another worker may change these jobseekers' state before we get them back.
        self._worker.restored.difference_update(tp.partition for tp in revoked)
        # Their next owner appends to their chains: checkpoint ours while they are still ours.
        await self._worker.checkpoint_partitions({tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        # Fenced and restored by the loop before its next fetch (lovhub.worker.transactions).
        self._worker.joined = True


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
        checkpoints: Checkpointing | None = None,
        registry: RegistryFollower | None = None,
        holds: RecipientHolds | None = None,
        instance_id: str | None = None,
    ) -> None:
        """``instance_id``: static group membership (KIP-345), one stable id per worker
        (its disk): restarted, it takes its partitions back at once instead of waiting for
        the coordinator to give up on its old session."""
        self._instance_id = instance_id
        self._registry = registry  # polled between batches; the caller stops it
        # Recipients held for an unwritable topic; started, polled and stopped by run().
        self._holds = holds
        # Read the holds topic to its end before the next fetch: at start, and after
        # partitions are restored (their previous owner may have held a recipient).
        self._holds_behind = True
        self.health_file = health_file
        self.checkpointing = checkpoints
        self.schedule = CheckpointSchedule(
            checkpoints.cadence if checkpoints else CheckpointCadence()
        )
        self._publisher: CheckpointPublisher | None = None
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
        # Source partitions held at a record the pipeline cannot decide yet (InputHeld):
        # partition -> (held offset, reason, when to try again, current backoff).
        self.held: dict[int, tuple[int, str, float, float]] = {}
        # Source partitions whose last transaction failed: paused until their retry time,
        # then reopened, restored and decided again from their committed offset.
        # partition -> (when to try again, current backoff).
        self.write_retry: dict[int, tuple[float, float]] = {}
        self._stopping: asyncio.Event | None = None
        self.consumer: AIOKafkaConsumer | None = None
        # Signed checkpoints only; each source partition's evidence goes through its writer.
        self.producer: AIOKafkaProducer | None = None
        self.writers: dict[int, PartitionWriter] = {}
        self.joined = False  # the group has given this worker its partitions at least once
        # Source partitions whose idle fetches have gone unanswered, and since when.
        self._silent_since: dict[int, float] = {}
        self.turned_at = time.monotonic()  # the loop's last turn (the liveness probe)
        self.metrics = HubMetrics(self.health, ready=lambda: self.readiness().ok)

    def beat(self) -> None:
        self.turned_at = time.monotonic()

    def liveness(self) -> Probe:
        """Alive while the loop turns; holding a batch or a partition still turns it."""
        return loop_liveness(
            self.turned_at, time.monotonic(), what="worker loop", reason=self.health.reason
        )

    def readiness(self) -> Probe:
        """Ready once it has joined its group and restored every partition it owns."""
        if self.consumer is None or self.stopping:
            return Probe(False, "stopping" if self.stopping else "starting")
        if not self.joined:
            return Probe(False, "joining the consumer group")
        unrestored = {tp.partition for tp in self.consumer.assignment()} - self.restored
        if unrestored:
            return Probe(False, f"restoring {len(unrestored)} partitions")
        return Probe(True)

    def stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping is not None and self._stopping.is_set()

    async def run(self, *, idle_exit_after: float | None = None) -> None:
        """Process until stopped (or idle for ``idle_exit_after`` seconds, for batch jobs)."""
        # aiokafka clients bind to the running loop, so they are made here, not in __init__.
        self._stopping = asyncio.Event()
        quiet_failed_sends(asyncio.get_running_loop())
        self.consumer = consumer = AIOKafkaConsumer(
            **self._client_config,
            group_id=self._group_id,
            group_instance_id=self._instance_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.max_batch,
            isolation_level="read_committed",
        )
        self.producer = producer = AIOKafkaProducer(
            **self._client_config, acks="all", enable_idempotence=True, linger_ms=5
        )
        watchdog = asyncio.create_task(self._watch())
        await producer.start()
        await consumer.start()
        consumer.subscribe([self.topics.source], listener=_Restore(self))
        idle_since = time.monotonic()
        read_delay = RETRY_FIRST_SECONDS
        try:
            while not self._stopping.is_set():
                self.beat()
                due = sorted(self._due_for_restore(consumer))
                if due:
                    self.health.phase = Phase.RESTORING
                if due and not await self._restore_assigned(consumer, due, read_delay):
                    read_delay = min(read_delay * 2, RETRY_MAX_SECONDS)
                    continue
                if due:  # fencing and restoring is work, not idleness
                    idle_since = time.monotonic()
                if self.joined:
                    self.health.phase = Phase.RUNNING
                try:
                    await self._follow_registry()
                    await self._follow_holds()
                    self._release_holds(consumer)
                    batch = await consumer.getmany(timeout_ms=200, max_records=self.max_batch)
                except READ_FAILURES as error:
                    # A batch it cannot decode (codec, corruption) or an unreadable registry:
                    # held and retried in the group, never a crash loop (lovhub.kafka.unreadable).
                    reason = cannot_read_reason(self.topics.source, error, read_delay)
                    self.health.hold(Hold.READ, reason)
                    log.error("%s", reason)
                    self._report_health()
                    await rewind_to_committed(consumer)
                    await self._wait(read_delay)
                    read_delay = min(read_delay * 2, RETRY_MAX_SECONDS)
                    continue
                self.health.clear(Hold.READ)  # read again; the backoff resets once caught up
                if not batch:
                    read_delay = RETRY_FIRST_SECONDS
                    self._check_broker_answers(consumer)
                    await self._checkpoint_when_idle()
                    if idle_exit_after and time.monotonic() - idle_since > idle_exit_after:
                        break
                    continue
                idle_since = time.monotonic()
                self._broker_answers()
                await self._process_batch(consumer, batch)
        except Exception as error:
            self.health.hold(Hold.CRASHED, f"stopped without committing: {type(error).__name__}")
            log.error("worker stopped: %s", type(error).__name__)
            raise
        finally:
            self.health.phase = Phase.STOPPING
            await self.checkpoint_partitions(None)
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
            self.health.phase = Phase.STOPPED
            self._report_health()
            await asyncio.gather(*(writer.close() for writer in self.writers.values()))
            await consumer.stop()
            if self._holds is not None:
                await self._holds.stop()
            if self.producer is not None:
                await self.producer.stop()
            self.store.close()

    async def _wait(self, seconds: float) -> None:
        """A backoff: the loop is waiting on purpose, not stalled (the watchdog, liveness)."""
        assert self._stopping is not None
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not self._stopping.is_set():
            self.beat()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), min(left, HEALTH_EVERY_SECONDS))

    async def _watch(self) -> None:
        """Report health every HEALTH_EVERY_SECONDS, also while the loop awaits the broker.
        The loop beats on every turn and through its backoffs; a loop that has not turned
        for BROKER_SILENCE_SECONDS is waiting on a broker that does not answer."""
        while True:
            stalled = time.monotonic() - self.turned_at
            if stalled > BROKER_SILENCE_SECONDS and self.health.phase is Phase.RUNNING:
                if not self.health.holding(Hold.STALLED):
                    log.error("the worker has waited %.0fs on the broker", stalled)
                self.health.hold(
                    Hold.STALLED,
                    f"fail closed: waiting on the broker for {stalled:.0f}s; nothing is "
                    "committed meanwhile",
                )
            elif self.health.clear(Hold.STALLED):
                log.warning("the broker answers the worker again")
            self._report_health()
            await asyncio.sleep(HEALTH_EVERY_SECONDS)

    def _report_health(self) -> None:
        if self.health_file:
            self.health.write(self.health_file)

    def _check_broker_answers(self, consumer: AIOKafkaConsumer) -> None:
        """On an idle turn every fetching partition's fetch is answered within the fetch
        wait, records or not; partitions unanswered for BROKER_SILENCE_SECONDS mean the
        broker (or their leader) is away."""
        now = time.monotonic()
        now_ms = time.time() * 1000
        paused = consumer.paused()
        unanswered = set()
        for tp in consumer.assignment():
            if tp in paused or tp.partition not in self.restored:
                continue
            answered = consumer.last_poll_timestamp(tp)
            if answered is None or now_ms - answered > 1000 * HEALTH_EVERY_SECONDS * 2:
                unanswered.add(tp.partition)
        self._silent_since = {p: self._silent_since.get(p, now) for p in unanswered}
        silent = sorted(
            p for p, since in self._silent_since.items() if now - since >= BROKER_SILENCE_SECONDS
        )
        if not silent:
            self._broker_answers()
            return
        if not self.health.holding(Hold.BROKER):
            log.error(
                "no answer from the broker for %d partitions of %s", len(silent), self.topics.source
            )
        longest = now - min(self._silent_since[p] for p in silent)
        self.health.hold(
            Hold.BROKER,
            f"fail closed: no answer from the broker for {longest:.0f}s "
            f"({self.topics.source} partitions {', '.join(map(str, silent))})",
        )

    def _broker_answers(self) -> None:
        self._silent_since.clear()
        if self.health.clear(Hold.BROKER):
            log.warning("the broker answers the worker's fetches again")

    async def _follow_registry(self) -> None:
        """Registry changes (suspensions, new keys) apply from the next batch on."""
        if self._registry is None:
            return
        directory = await self._registry.poll()
        if directory is not None:
            self.pipeline.use_recipients(directory)  # type: ignore[attr-defined]
            log.info("registry changed: %d recipients, %s", len(directory), directory.version)

    async def _follow_holds(self) -> None:
        """Holds written by other workers, and releases by operators, apply from the next
        batch on; after a restore, before any record of the restored partitions is decided.
        A holds topic it cannot read holds the worker like unreadable input (the caller)."""
        if self._holds is None:
            return
        changed = await self._holds.poll(to_end=self._holds_behind)
        if changed or self._holds_behind:
            self._apply_holds()
        self._holds_behind = False

    def _apply_holds(self) -> None:
        assert self._holds is not None
        held = self._holds.book.held
        self.pipeline.use_unavailable(self._holds.book.ids())
        if not held:
            if self.health.clear(Hold.RECIPIENT):
                log.warning("no recipient is held any more")
            return
        self.health.hold(
            Hold.RECIPIENT,
            "; ".join(hold.describe() for _, hold in sorted(held.items()))
            + ": their deliveries are withheld (RECIPIENT_UNAVAILABLE) and audited, the other "
            "recipients receive theirs; repair the topic, re-deliver from that time "
            "(lovhub redeliver), then lovhub recipient release",
        )

    async def _hold_refused_recipients(self, failures: list[WriteFailed]) -> None:
        """Hold every recipient whose topic refused a write: its partitions' next attempt
        withholds its deliveries and commits the rest. Without holds, or if the hold cannot
        be written, those partitions stay held and retried, as for any failed write."""
        if self._holds is None or not self._holds.enabled or self.producer is None:
            return
        try:
            # Another worker may have held it a moment ago: its hold (and its time, where
            # re-delivery starts) stands; compaction would keep only the later one.
            if await self._holds.poll(to_end=True):
                self._apply_holds()
        except READ_FAILURES as error:
            log.error("cannot read the recipient holds (%s)", type(error).__name__)
            return
        now = dt.datetime.now(dt.UTC)
        for failure in failures:
            for topic in failure.topics:
                recipient = self.pipeline.recipient_of_topic(topic)
                if recipient is None or recipient in self._holds.book.held:
                    continue
                hold = RecipientHold(recipient, topic, now, failure.cause_name)
                try:
                    await self._holds.hold(self.producer, hold)
                except (KafkaError, OSError) as error:
                    log.error("cannot write the hold of a recipient (%s)", type(error).__name__)
                    continue
                log.error("%s: its deliveries are withheld from now on", hold.describe())
                self._apply_holds()

    async def _restore_assigned(
        self, consumer: AIOKafkaConsumer, stale: list[int], retry_in: float
    ) -> bool:
        """Fence and restore newly assigned partitions before fetching: the worker is ready
        (the readiness probe) only with every owned partition's writer open and its state,
        chain head and input position known. False after a broker error: the worker holds
        (no fetch) and tries again later."""
        try:
            await self._open_writers(stale)
            await self.restore_state(stale)
            await self._seek_committed(consumer, stale)
        except (KafkaError, OSError, TimeoutError, TailRefused) as error:
            what = (
                error.what_failed()
                if isinstance(error, TailRefused)
                else f"cannot restore {len(stale)} partitions ({type(error).__name__})"
            )
            self.health.hold(
                Hold.RESTORE, f"fail closed: {what}; nothing is fetched; retry in {retry_in:.1f}s"
            )
            log.error("restore failed (%s); retrying", type(error).__name__)
            assert self._stopping is not None
            await self._wait(retry_in)
            return False
        self.restored.update(stale)
        self._holds_behind = True
        self.health.clear(Hold.RESTORE)
        return True

    def _due_for_restore(self, consumer: AIOKafkaConsumer) -> set[int]:
        """Unrestored partitions, except those waiting out a write failure (paused: the
        others keep flowing)."""
        assigned = {tp.partition: tp for tp in consumer.assignment()}
        now = time.monotonic()
        for partition in list(self.write_retry):
            if partition not in assigned:
                del self.write_retry[partition]  # its next owner tries
        waiting = {p for p, (retry_at, _) in self.write_retry.items() if retry_at > now}
        if waiting:
            consumer.pause(*(assigned[p] for p in waiting))
        due = set(assigned) - self.restored - waiting
        if due:
            consumer.resume(*(assigned[p] for p in due))
        if not self.write_retry:
            self.health.clear(Hold.WRITE)
        return due

    async def _open_writers(self, partitions: list[int]) -> None:
        """Open the transactional producer of each partition that has none: from here on
        no earlier owner of these partitions can write to them (lovhub.worker.transactions)."""
        closed = [p for p in partitions if not self._writer(p).is_open]
        if closed:
            await asyncio.gather(*(self.writers[p].open() for p in closed))

    def _writer(self, partition: int) -> PartitionWriter:
        writer = self.writers.get(partition)
        if writer is None:
            writer = self.writers[partition] = PartitionWriter(
                self._client_config,
                topics=self.topics,
                group_id=self._group_id,
                partition=partition,
                finish_audit=self.pipeline.finish_audit,
                encode_state=self.store.encode,
            )
        return writer

    async def _seek_committed(self, consumer: AIOKafkaConsumer, partitions: list[int]) -> None:
        """Continue each partition at its committed offset, read after fencing: the
        previous owner's last transaction (and the offsets in it) is final by then."""
        for partition in partitions:
            tp = TopicPartition(self.topics.source, partition)
            committed = await consumer.committed(tp)
            if committed is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, committed)

    async def restore_state(self, partitions: list[int]) -> None:
        """Bring the local store up to the changelog's end for newly assigned partitions,
        and find where their audit chains continue."""
        for partition in partitions:
            tail = await verified_audit_tail(
                self._client_config,
                self.topics.audit,
                partition,
                self.checkpointing,
                self.pipeline.codec,
            )
            self.chain_heads[partition] = self.pipeline.chain_head_of(tail)
        reader = AIOKafkaConsumer(
            **self._client_config,
            enable_auto_commit=False,
            isolation_level="read_committed",
            fetch_max_wait_ms=BOUNDED_READ_FETCH_WAIT_MS,
        )
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
                async for records in read_range(reader, tp, start, ends[tp]):
                    self.beat()  # a long restore is progress, not a hang
                    self.store.apply_changelog(
                        tp.partition, ((r.key, r.value) for r in records), records[-1].offset
                    )
        finally:
            await reader.stop()

    async def _process_batch(
        self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Any]]
    ) -> None:
        """Decide, then write each partition's share in its transaction. A share that does
        not commit is not retried here: its partition is paused for a backoff, then fenced,
        restored and decided again from its committed offset (_due_for_restore)."""
        started = time.monotonic()
        work = self._decide(batch)
        self.beat()  # deciding is work; the watchdog measures the wait on the broker
        await self._write_shares(consumer, work)
        delay = RETRY_FIRST_SECONDS
        while (failure := await self._publish_due_checkpoints()) is not None:
            self._fail_closed(Hold.CHECKPOINT, failure, f"holding the batch; retry in {delay:.1f}s")
            if not await hold_batch(
                consumer, delay, beat=self.beat, stopping=lambda: self.stopping
            ):
                return
            delay = min(delay * 2, RETRY_MAX_SECONDS)
        self.health.clear(Hold.CHECKPOINT)
        if self.held:
            self._pause_held(consumer)
        if not self.write_retry:
            self.health.clear(Hold.WRITE)
        committed = work.committed_results()
        self._count(committed)
        self.metrics.observe_batch(committed, time.monotonic() - started)
        self._observe_lag(consumer, work)

    def _observe_lag(self, consumer: AIOKafkaConsumer, work: BatchWork) -> None:
        """Each committed partition's lag behind its highwater mark. A partition revoked
        while its share was written (a rebalance, a successor's fencing) is skipped: it has
        no highwater here any more, and aiokafka asserts on it (a fault test met it)."""
        assigned = consumer.assignment()
        for part in work.parts.values():
            tp = TopicPartition(self.topics.source, part.partition)
            if not part.committed or part.commit is None or tp not in assigned:
                continue
            highwater = consumer.highwater(tp)
            if highwater is not None:
                self.metrics.observe_lag(part.partition, highwater - part.commit)

    def _fail_closed(self, cause: Hold, failure: WriteFailed, then: str) -> None:
        self.health.write_failures += 1
        self.health.hold(cause, f"fail closed: {failure.what_failed()}; {then}")
        log.error("fail closed: %s failed (%s); retrying", failure.stage, failure.cause_name)
        self._report_health()

    async def _write_shares(self, consumer: AIOKafkaConsumer, work: BatchWork) -> None:
        """One transaction per partition share, all at once."""
        owned = {tp.partition for tp in consumer.assignment()} & self.restored
        for part in work.to_write():
            if part.partition not in owned:
                work.drop(part.partition)  # revoked meanwhile: its next owner decides it
        shares = work.to_write()
        outcomes = await asyncio.gather(
            *(self.writers[p.partition].write(p, self.chain_heads[p.partition]) for p in shares),
            return_exceptions=True,
        )
        failed: list[tuple[int, WriteFailed]] = []
        for part, outcome in zip(shares, outcomes, strict=True):
            if isinstance(outcome, Written):
                self._committed(part, outcome)
                self.write_retry.pop(part.partition, None)
            elif isinstance(outcome, PartitionFenced):
                log.warning(
                    "%s[%d] has a newer owner: its share of the batch is left to it",
                    self.topics.source,
                    part.partition,
                )
                self._forget(work, part.partition)
            elif isinstance(outcome, WriteFailed):
                self._forget(work, part.partition)
                failed.append((part.partition, outcome))
            else:
                raise outcome
        if not failed:
            return
        await self._hold_refused_recipients([failure for _, failure in failed])
        now = time.monotonic()
        for partition, _ in failed:
            previous = self.write_retry.get(partition)
            delay = (
                RETRY_FIRST_SECONDS if previous is None else min(previous[1] * 2, RETRY_MAX_SECONDS)
            )
            self.write_retry[partition] = (now + delay, delay)
        longest = max(self.write_retry[p][1] for p, _ in failed)
        self._fail_closed(
            Hold.WRITE,
            failed[0][1],
            f"holding {len(self.write_retry)} partitions, nothing of theirs delivered or "
            f"committed; retry in {longest:.1f}s",
        )

    def _committed(self, part: PartitionWork, written: Written) -> None:
        part.committed = True
        self.store.put_many(
            ((part.partition, key, value) for key, value in part.encoded.items()),
            ((part.partition, event_id, digest) for event_id, digest in part.event_ids.items()),
            changelog_at=(
                None
                if written.last_changelog_offset is None
                else (part.partition, written.last_changelog_offset)
            ),
        )
        self.chain_heads[part.partition] = written.head
        if written.last_audit_offset is not None:
            self.schedule.note(
                (self.topics.audit, part.partition),
                written.last_audit_offset,
                written.head,
                written.audits,
                time.monotonic(),
            )

    def _forget(self, work: BatchWork, partition: int) -> None:
        """Decide this partition again from its committed state before writing it."""
        work.drop(partition)
        self.restored.discard(partition)
        self.held.pop(partition, None)

    async def _publish_due_checkpoints(self) -> WriteFailed | None:
        if self.checkpointing is None:
            return None
        try:
            await self.publisher().publish(time.monotonic())
        except WriteFailed as error:
            await self._renew_producer()
            return error
        return None

    def _decide(self, batch: dict[TopicPartition, list[Any]]) -> BatchWork:
        """Run the pure pipeline over the batch's records of restored partitions (records of
        any other partition were fetched around a rebalance: they come again after its
        restore, which seeks to its committed offset)."""
        work = BatchWork()
        for tp, records in batch.items():
            if tp.partition not in self.restored:
                continue
            part = work.part(tp.partition)

            def seen_event(event_id: str, part: PartitionWork = part) -> bytes | None:
                known = part.event_ids.get(event_id)
                return (
                    known
                    if known is not None
                    else self.store.event_digest(part.partition, event_id)
                )

            for record in records:
                key = record.key or b""
                current = part.states.get(key)
                if current is None:
                    try:
                        current = self.store.get(tp.partition, key)
                    except StateSealError as error:
                        # The held facts do not open (a retired or missing state key):
                        # deciding without them would be deciding on a false state.
                        held = InputHeld(error.code, type(error).__name__)
                        self._hold_partition(tp.partition, record.offset, held)
                        break
                source = SourcePosition(
                    tp.topic,
                    tp.partition,
                    record.offset,
                    broker_ingest_time(record.timestamp, record.timestamp_type),
                )
                try:
                    result = self.pipeline.process(
                        record.value, record.key, source, current, seen_event=seen_event
                    )
                except InputHeld as held:
                    # Nothing at or after this record is decided: the partition waits here.
                    self._hold_partition(tp.partition, record.offset, held)
                    break
                if result.state is not None:
                    part.states[key] = result.state
                if result.new_event_id is not None:
                    event_id, digest = result.new_event_id
                    part.event_ids[event_id] = digest
                part.results.append(result)
                part.commit = record.offset + 1
            else:
                self._clear_hold(tp.partition)
        return work

    def _hold_partition(self, partition: int, offset: int, held: InputHeld) -> None:
        previous = self.held.get(partition)
        backoff = RETRY_FIRST_SECONDS if previous is None else min(previous[3] * 2, 30.0)
        self.held[partition] = (offset, held.reason, time.monotonic() + backoff, backoff)
        self.health.hold(
            Hold.INPUT,
            f"fail closed: holding {self.topics.source}[{partition}] at offset {offset}: "
            f"{held.reason} ({held.cause_name}); nothing there is decided or committed; "
            f"retry in {backoff:.1f}s",
        )
        log.error(
            "holding %s[%d] at %d: %s (%s)",
            self.topics.source,
            partition,
            offset,
            held.reason,
            held.cause_name,
        )

    def _clear_hold(self, partition: int) -> None:
        if self.held.pop(partition, None) is not None:
            log.warning("%s[%d] decodes again: no longer held", self.topics.source, partition)
            if not self.held:
                self.health.clear(Hold.INPUT)

    def _pause_held(self, consumer: AIOKafkaConsumer) -> None:
        """Back to the held record: later records of its partition were fetched, not decided."""
        for tp in consumer.assignment():
            hold = self.held.get(tp.partition)
            if hold is not None:
                consumer.seek(tp, hold[0])
                consumer.pause(tp)

    def _release_holds(self, consumer: AIOKafkaConsumer) -> None:
        """Held partitions are paused at their held record until their retry time."""
        if not self.held:
            return
        assigned = {tp.partition: tp for tp in consumer.assignment()}
        now = time.monotonic()
        for partition, (offset, _, retry_at, _) in list(self.held.items()):
            tp = assigned.get(partition)
            if tp is None:  # revoked: its next owner starts from the commit, before it
                del self.held[partition]
                continue
            if now >= retry_at:
                consumer.seek(tp, offset)
                consumer.resume(tp)
            else:
                consumer.pause(tp)
        if not self.held:
            self.health.clear(Hold.INPUT)

    async def _renew_producer(self) -> None:
        """A fresh idempotent producer: the old one's sequence state is unreliable after
        a failed batch."""
        if self.producer is not None:
            try:
                await self.producer.stop()
            except (KafkaError, OSError) as error:
                log.warning("closing the failed producer: %s", type(error).__name__)
        self.producer = AIOKafkaProducer(
            **self._client_config, acks="all", enable_idempotence=True, linger_ms=5
        )
        await self.producer.start()

    def publisher(self) -> CheckpointPublisher:
        if self._publisher is None:
            assert self.checkpointing is not None
            self._publisher = CheckpointPublisher(
                self.checkpointing, self.schedule, lambda: self.producer, self.health
            )
        return self._publisher

    async def _checkpoint_when_idle(self) -> None:
        """Time-based checkpoints also when no new records arrive."""
        if self.checkpointing is None or not len(self.schedule):
            return
        try:
            await self.publisher().publish(time.monotonic())
        except WriteFailed as error:
            self.health.hold(
                Hold.CHECKPOINT, f"fail closed: cannot write checkpoints ({error.cause_name})"
            )
            log.error("checkpoint write failed (%s)", error.cause_name)
            await self._renew_producer()
            return
        self.health.clear(Hold.CHECKPOINT)

    async def checkpoint_partitions(self, partitions: set[int] | None) -> None:
        """Checkpoint everything pending (of ``partitions``; None: all) before handing over."""
        if self.checkpointing is None or self.producer is None:
            return
        try:
            # Bounded: a rebalance or a shutdown must not wait on an unreachable topic; the
            # chain's next writer checkpoints these records anyway.
            await asyncio.wait_for(
                self.publisher().publish(time.monotonic(), only=partitions, everything=True),
                HANDOVER_CHECKPOINT_SECONDS,
            )
        except (WriteFailed, TimeoutError) as error:
            log.error("checkpoint before handing over failed (%s)", type(error).__name__)
        for partition in partitions or set():
            self.schedule.forget((self.topics.audit, partition))

    def _count(self, results: list[EventResult]) -> None:
        self.health.events += len(results)
        self.health.deliveries += sum(len(r.deliveries) for r in results)
        self.health.dead_letters += sum(len(r.dead_letters) for r in results)
        self.health.audits += sum(len(r.audits) for r in results)
