"""The last record of a partition: where a hash chain continues after a restart."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from lovhub.audit.canonical import canonical_encoder
from lovhub.audit.chain import ChainHead
from lovhub.audit.resume import ResumeRefused, resume_head
from lovhub.audit.signing import VerifyingKeys
from lovhub.codec import AUDIT_CHECKPOINT, SingleObjectCodec
from lovhub.codec.errors import SchemaRegistryError
from lovhub.codec.store import default_store
from lovhub.errors import LovhubError

__all__ = [
    "BOUNDED_READ_FETCH_WAIT_MS",
    "newest_checkpoint",
    "read_last_record",
    "read_range",
    "read_records_from",
    "verified_tail",
]

BOUNDED_READ_FETCH_WAIT_MS = 20
POLL_MS = 100
# A committed reader's position crosses aborted records and transaction markers without
# returning records; no progress at all for this long means the range cannot be read.
STUCK_SECONDS = 10.0


async def read_range(
    reader: AIOKafkaConsumer, tp: TopicPartition, start: int, end: int
) -> AsyncIterator[list[ConsumerRecord[Any, Any]]]:
    """The committed records of ``tp`` in ``[start, end)``, chunk by chunk.

    Follows the reader's position, not the records: the last offsets of a range may hold
    only what a committed reader is never given. Short polls, because a poll that crosses
    only such offsets returns nothing and would otherwise wait out its whole timeout
    (one second per aborted transaction, measured on restarts after SIGKILL)."""
    reader.seek(tp, start)
    moved_at, last_position = time.monotonic(), start
    while (position := await reader.position(tp)) < end:
        if position != last_position:
            moved_at, last_position = time.monotonic(), position
        elif time.monotonic() - moved_at > STUCK_SECONDS:
            raise RuntimeError(f"cannot read {tp.topic}[{tp.partition}] up to offset {end}")
        records = (await reader.getmany(tp, timeout_ms=POLL_MS)).get(tp, [])
        inside = [r for r in records if r.offset < end]
        if inside:
            yield inside


async def read_last_record(
    client_config: dict[str, Any], topic: str, partition: int, *, window: int = 100
) -> bytes | None:
    """The value of the last committed record of one partition, or None when it has none.

    Reads backwards in growing windows rather than exactly the last offset: the final
    offsets may hold no record a committed reader sees (a transaction marker, an aborted
    transaction's records), and waiting for them would hang the restore.
    """
    reader = _committed_reader(client_config)
    await reader.start()
    try:
        tp = TopicPartition(topic, partition)
        reader.assign([tp])
        end = (await reader.end_offsets([tp]))[tp]
        first = (await reader.beginning_offsets([tp]))[tp]
        upper = end
        while upper > first:
            lower = max(first, upper - window)
            last: bytes | None = None
            async for records in read_range(reader, tp, lower, upper):
                last = records[-1].value
            if last is not None:
                return last
            upper, window = lower, window * 4
        return None
    finally:
        await reader.stop()


def _committed_reader(client_config: dict[str, Any]) -> AIOKafkaConsumer:
    """Hub-written topics are transactional: only committed records are evidence. The
    readers read up to an end known in advance: a fetch never waits for new records
    (the broker's default wait of 0.5 s per empty fetch slowed every restart)."""
    return AIOKafkaConsumer(
        **client_config,
        enable_auto_commit=False,
        isolation_level="read_committed",
        fetch_max_wait_ms=BOUNDED_READ_FETCH_WAIT_MS,
    )


async def read_records_from(
    client_config: dict[str, Any], topic: str, partition: int, start: int
) -> tuple[list[tuple[int, bytes]], int]:
    """Every ``(offset, value)`` of one partition from ``start`` (clamped to the log start)
    to its end as of now, and that end offset."""
    reader = _committed_reader(client_config)
    await reader.start()
    try:
        tp = TopicPartition(topic, partition)
        reader.assign([tp])
        end = (await reader.end_offsets([tp]))[tp]
        first = (await reader.beginning_offsets([tp]))[tp]
        out: list[tuple[int, bytes]] = []
        if end <= max(start, first):
            return out, end
        async for records in read_range(reader, tp, max(start, first), end):
            out.extend((r.offset, r.value) for r in records)
        return out, end
    finally:
        await reader.stop()


async def newest_checkpoint(
    client_config: dict[str, Any],
    checkpoint_topic: str,
    chain: tuple[str, int],
    decode: Callable[[bytes], Mapping[str, Any]],
    *,
    window: int = 500,
) -> Mapping[str, Any] | None:
    """The newest checkpoint of ``chain`` (audit topic, partition) in the single-partition
    checkpoint topic, read backwards in windows; None when the chain has none."""
    reader = _committed_reader(client_config)
    await reader.start()
    try:
        tp = TopicPartition(checkpoint_topic, 0)
        reader.assign([tp])
        end = (await reader.end_offsets([tp]))[tp]
        first = (await reader.beginning_offsets([tp]))[tp]
        key = f"{chain[0]}/{chain[1]}".encode()
        upper = end
        while upper > first:
            lower = max(first, upper - window)
            found: Mapping[str, Any] | None = None
            async for records in read_range(reader, tp, lower, upper):
                for record in records:
                    if record.key == key and record.value:
                        found = decode(record.value)
            if found is not None:
                return found
            upper = lower
        return None
    finally:
        await reader.stop()


async def verified_tail(
    client_config: dict[str, Any],
    *,
    topic: str,
    partition: int,
    checkpoint_topic: str,
    keys: VerifyingKeys,
    decode_record: Callable[[bytes], Mapping[str, Any]],
    record_encode: Callable[[Mapping[str, Any]], bytes],
) -> tuple[bytes | None, ChainHead]:
    """The last record of a chain and the head after it, only when the tail extends the
    chain's newest checkpoint signed with ``keys`` (lovhub.audit.resume); otherwise
    :class:`ResumeRefused`, and the writer must not append."""
    codec = SingleObjectCodec(default_store())

    def refused(detail: str) -> ResumeRefused:
        return ResumeRefused(topic, partition, detail)

    try:
        checkpoint = await newest_checkpoint(
            client_config,
            checkpoint_topic,
            (topic, partition),
            lambda value: codec.decode(value, AUDIT_CHECKPOINT),
        )
    except LovhubError as error:
        raise refused(f"unreadable checkpoint ({type(error).__name__})") from error
    start = 0 if checkpoint is None else int(checkpoint["offset"])
    raw, _ = await read_records_from(client_config, topic, partition, start)
    decoded = []
    for offset, value in raw:
        try:
            decoded.append((offset, decode_record(value)))
        except SchemaRegistryError:
            raise  # transient: the caller holds and retries
        except LovhubError as error:
            raise refused(f"unreadable record at offset {offset}") from error
    head = resume_head(
        topic=topic,
        partition=partition,
        checkpoint=checkpoint,
        records=decoded,
        keys=keys,
        checkpoint_encode=canonical_encoder(default_store(), AUDIT_CHECKPOINT),
        record_encode=record_encode,
    )
    return (raw[-1][1] if raw else None), head
