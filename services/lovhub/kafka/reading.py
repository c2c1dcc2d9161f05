"""Reading a topic between known offsets (for tools and the demo, not the hot path)."""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer, TopicPartition

from lovhub.kafka.clients import consumer
from lovhub.kafka.unreadable import UNREADABLE_BATCH_ERRORS, UnreadableTopicError
from lovhub.settings import KafkaSettings

__all__ = ["end_offsets", "poll_assigned", "read_from"]


def poll_assigned(reader: KafkaConsumer, **options: Any) -> dict[TopicPartition, list[Any]]:
    """``reader.poll(**options)``, but a batch the client cannot decode (a codec, corruption)
    raises :class:`UnreadableTopicError` naming the topic (and the partition when only one
    is assigned, as the tools read them), never a traceback from the client."""
    try:
        polled: dict[TopicPartition, list[Any]] = reader.poll(**options)
        return polled
    except UNREADABLE_BATCH_ERRORS as error:
        assigned = sorted(reader.assignment())
        topic = assigned[0].topic if assigned else "the assigned topic"
        partition = assigned[0].partition if len(assigned) == 1 else None
        raise UnreadableTopicError(topic, partition, error) from error


def end_offsets(settings: KafkaSettings, topic: str) -> dict[int, int]:
    reader = consumer(settings)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic))]
        return {tp.partition: offset for tp, offset in reader.end_offsets(partitions).items()}
    finally:
        reader.close()


def read_from(
    settings: KafkaSettings, topic: str, starts: dict[int, int] | None = None
) -> list[Any]:
    """Every record from ``starts`` (default: the beginning) up to the current end, partition
    by partition (so an unreadable batch is reported with its partition)."""
    reader = consumer(settings)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic))]
        ends = reader.end_offsets(partitions)
        records: list[Any] = []
        for tp in partitions:
            reader.assign([tp])
            reader.seek(tp, (starts or {}).get(tp.partition, 0))
            while reader.position(tp) < ends[tp]:
                for batch in poll_assigned(reader, timeout_ms=500).values():
                    records.extend(r for r in batch if r.offset < ends[tp])
        return records
    finally:
        reader.close()
