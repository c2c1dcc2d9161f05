"""The report processor's Kafka loop (``lovhub run-reports``): a thin shell over ReportCore.

Per batch of reports it (1) catches the pseudonym index up with the hub's state changelog,
(2) runs the pure core on every report, (3) publishes the agency records and dead letters
and waits for their acknowledgements, (4) appends one audit decision per report to the
report audit chain (which waits for its own acknowledgements), and (5) only then commits the
input offsets. A crash before (5) replays the batch: forwarded reports carry the provider's
``report_id`` (the agency treats a repeat as the same report) and decisions repeat their ids.

Runs as ONE instance: the report audit topic is a single hash chain with a single writer
(:class:`lovhub.audit.writer.ChainedRecordWriter`); a second concurrent processor would
interleave the chain and ``lovhub audit verify`` would report the break.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from lovhub.audit.signing import SigningKey
from lovhub.audit.writer import ChainedRecordWriter
from lovhub.codec import Codec
from lovhub.codec.store import SchemaStore
from lovhub.core.outputs import SourcePosition
from lovhub.kafka.unreadable import READ_FAILURES, cannot_read_reason, rewind_to_committed
from lovhub.provisioning.topology import (
    AGENCY_REPORTS,
    AUDIT_CHECKPOINTS,
    DEAD_LETTER,
    HUB_STATE_CHANGELOG,
    REPORT_AUDIT,
)
from lovhub.registry.follower import RegistryFollower
from lovhub.reports.core import ReportCore, ReportResult, with_delivery
from lovhub.reports.validate import REPORT_TOPIC_PATTERN
from lovhub.service.endpoints import Probe, loop_liveness

__all__ = ["ReportCounts", "ReportProcessor", "ReportTopics"]

log = logging.getLogger(__name__)

_JOIN_GRACE_S = 30.0
_RETRY_FIRST_S = 0.5
_RETRY_MAX_S = 30.0


@dataclass(frozen=True)
class ReportTopics:
    reports_pattern: str = REPORT_TOPIC_PATTERN
    changelog: str = HUB_STATE_CHANGELOG
    agency: str = AGENCY_REPORTS
    dead_letter: str = DEAD_LETTER
    audit: str = REPORT_AUDIT
    checkpoints: str = AUDIT_CHECKPOINTS


@dataclass
class ReportCounts:
    reports: int = 0
    forwarded: int = 0
    rejected: int = 0


class ReportProcessor:
    """Consumes every provider report topic (a pattern), forwards, dead-letters, audits."""

    def __init__(
        self,
        core: ReportCore,
        *,
        client_config: dict[str, Any],
        codec: Codec,
        store: SchemaStore,
        topics: ReportTopics,
        group_id: str,
        max_batch: int = 500,
        metadata_max_age_ms: int = 30_000,
        registry: RegistryFollower | None = None,
        signing_key: SigningKey,
    ) -> None:
        if core.agency_topic != topics.agency or core.dead_letter_topic != topics.dead_letter:
            raise ValueError("the core and the processor must name the same output topics")
        self.core = core
        self.topics = topics
        self.counts = ReportCounts()
        self._client_config = client_config
        self._codec = codec
        self._store = store
        self._group_id = group_id
        self._max_batch = max_batch
        self._metadata_max_age_ms = metadata_max_age_ms
        self._stopping: asyncio.Event | None = None
        self._registry = registry  # polled between batches; the caller stops it
        self._signing_key = signing_key
        # Why the processor holds, while it cannot read a batch (None when it reads).
        self.unreadable: str | None = None
        self.turned_at = time.monotonic()  # the loop's last turn (the liveness probe)
        self.caught_up = False  # the assignment index restored and the group joined

    def liveness(self) -> Probe:
        return loop_liveness(
            self.turned_at, time.monotonic(), what="report loop", reason=self.unreadable or ""
        )

    def readiness(self) -> Probe:
        if self._stopping is not None and self._stopping.is_set():
            return Probe(False, "stopping")
        if not self.caught_up:
            return Probe(False, "restoring the assignment index or joining the group")
        return Probe(True)

    def stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    async def run(self, *, idle_exit_after: float | None = None) -> None:
        """Process until stopped (or idle for ``idle_exit_after`` seconds, for batch jobs)."""
        self._stopping = asyncio.Event()
        changelog = _ChangelogFollower(self._client_config, self.topics.changelog, self.core)
        writer = ChainedRecordWriter(
            client_config=self._client_config,
            topic=self.topics.audit,
            codec=self._codec,
            store=self._store,
            signing_key=self._signing_key,
            checkpoint_topic=self.topics.checkpoints,
        )
        producer: AIOKafkaProducer | None = None
        consumer: AIOKafkaConsumer | None = None
        try:
            await changelog.start()
            await changelog.catch_up()
            await writer.start()
            producer = AIOKafkaProducer(**self._client_config, acks="all", enable_idempotence=True)
            await producer.start()
            consumer = AIOKafkaConsumer(
                **self._client_config,
                group_id=self._group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self._max_batch,
                metadata_max_age_ms=self._metadata_max_age_ms,
            )
            await consumer.start()
            consumer.subscribe(pattern=self.topics.reports_pattern)
            started = time.monotonic()
            # Idle time counts from the group's first assignment (joining takes a moment),
            # or after a grace period when no report topic matches the pattern.
            idle_since: float | None = None
            read_delay = _RETRY_FIRST_S
            while not self._stopping.is_set():
                self.turned_at = time.monotonic()
                try:
                    batch = await self._read(consumer, changelog)
                except READ_FAILURES as error:
                    # A report batch (or changelog, registry) it cannot decode: hold every
                    # report and retry, never crash (one provider must not stop the others'
                    # reports for good, nor be skipped).
                    self.unreadable = cannot_read_reason(
                        self.topics.reports_pattern, error, read_delay
                    )
                    log.error("%s", self.unreadable)
                    await rewind_to_committed(consumer)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), read_delay)
                    read_delay = min(read_delay * 2, _RETRY_MAX_S)
                    continue
                if self.unreadable is not None:
                    log.warning("report topics read again: the report processor continues")
                    self.unreadable = None
                now = time.monotonic()
                # Ready once joined, or after the grace period when no report topic exists.
                self.caught_up |= bool(consumer.assignment()) or now - started > _JOIN_GRACE_S
                if not batch:
                    if idle_since is None and (
                        consumer.assignment() or now - started > _JOIN_GRACE_S
                    ):
                        idle_since = now
                    idle_for = 0.0 if idle_since is None else now - idle_since
                    read_delay = _RETRY_FIRST_S
                    if idle_exit_after and idle_for > idle_exit_after:
                        break
                    continue
                idle_since = now
                await self._process_batch(consumer, producer, writer, batch)
        except Exception as error:
            log.error("report processor stopped without committing: %s", type(error).__name__)
            raise
        finally:
            if consumer is not None:
                await consumer.stop()
            if producer is not None:
                await producer.stop()
            await writer.stop()
            await changelog.stop()

    async def _read(
        self, consumer: AIOKafkaConsumer, changelog: _ChangelogFollower
    ) -> dict[TopicPartition, list[Any]]:
        """The next batch, with the pseudonym index and the recipients brought up to date."""
        batch: dict[TopicPartition, list[Any]] = await consumer.getmany(
            timeout_ms=200, max_records=self._max_batch
        )
        if batch:
            await changelog.catch_up()
            if self._registry is not None:
                directory = await self._registry.poll()
                if directory is not None:
                    self.core.use_recipients(directory.as_mapping())
        return batch

    async def _process_batch(
        self,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        writer: ChainedRecordWriter,
        batch: dict[TopicPartition, list[Any]],
    ) -> None:
        results: list[ReportResult] = []
        for tp, records in batch.items():
            for record in records:
                source = SourcePosition(tp.topic, tp.partition, record.offset)
                results.append(self.core.process(record.value, source))
        sent = []
        for result in results:
            outbound = result.forward or result.dead_letter
            assert outbound is not None  # the core sets exactly one of them
            sent.append(
                await producer.send(
                    outbound.topic,
                    outbound.value,
                    key=outbound.key,
                    headers=list(outbound.headers),
                )
            )
        acknowledged = await asyncio.gather(*sent)
        audits = [
            with_delivery(result.audit, meta.topic, meta.partition, meta.offset)
            if result.accepted
            else result.audit
            for result, meta in zip(results, acknowledged, strict=True)
        ]
        await writer.append(audits)
        await consumer.commit(
            {tp: records[-1].offset + 1 for tp, records in batch.items() if records}
        )
        self.counts.reports += len(results)
        self.counts.forwarded += sum(1 for result in results if result.accepted)
        self.counts.rejected += sum(1 for result in results if not result.accepted)


class _ChangelogFollower:
    """Reads every partition of the hub's state changelog into the core's pseudonym index."""

    def __init__(self, client_config: dict[str, Any], topic: str, core: ReportCore) -> None:
        self._topic = topic
        self._core = core
        # The hub writes its changelog in transactions: committed states only.
        self._reader = AIOKafkaConsumer(
            **client_config, enable_auto_commit=False, isolation_level="read_committed"
        )
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        await self._reader.start()
        # aiokafka has no public call that fetches one topic's partitions on demand.
        cluster = await self._reader._client.fetch_all_metadata()
        numbers = cluster.partitions_for_topic(self._topic)
        if not numbers:
            raise RuntimeError(f"changelog topic {self._topic} not found or not readable")
        self._partitions = [TopicPartition(self._topic, p) for p in sorted(numbers)]
        self._reader.assign(self._partitions)
        await self._reader.seek_to_beginning(*self._partitions)

    async def catch_up(self) -> None:
        """Apply everything up to the changelog's current end (not waiting for more)."""
        ends = await self._reader.end_offsets(self._partitions)
        for tp in self._partitions:
            while await self._reader.position(tp) < ends[tp]:
                chunk = await self._reader.getmany(tp, timeout_ms=1000, max_records=5000)
                for record in chunk.get(tp, []):
                    self._core.index.apply(record.key, record.value)

    async def stop(self) -> None:
        await self._reader.stop()
