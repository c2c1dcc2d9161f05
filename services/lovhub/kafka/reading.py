"""Reading a topic between known offsets (for tools and the demo, not the hot path)."""

from __future__ import annotations

from typing import Any

from kafka import TopicPartition

from lovhub.kafka.clients import consumer
from lovhub.settings import KafkaSettings

__all__ = ["end_offsets", "read_from"]


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
    """Every record from ``starts`` (default: the beginning) up to the current end."""
    reader = consumer(settings)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic))]
        reader.assign(partitions)
        for tp in partitions:
            reader.seek(tp, (starts or {}).get(tp.partition, 0))
        ends = reader.end_offsets(partitions)
        records: list[Any] = []
        while any(reader.position(tp) < ends[tp] for tp in partitions):
            for batch in reader.poll(timeout_ms=500).values():
                records.extend(
                    r for r in batch if r.offset < ends[TopicPartition(topic, r.partition)]
                )
        return records
    finally:
        reader.close()
