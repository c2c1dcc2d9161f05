"""The Kafka side of the provider client: read one's own topic, send one's own reports.

Thin: decoding and decryption live in :mod:`lovhub.client.deliveries`. The reader assigns
every partition of the recipient's topic (one consuming process per consumer group) and
commits only the offsets the caller says it has finished with, after its output is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from lovhub.client.errors import ClientError
from lovhub.kafka import consumer, producer
from lovhub.settings import KafkaSettings

__all__ = ["DeliveryReader", "send_report"]


class DeliveryReader:
    """Batches of one topic's records for a recipient's own consumer group."""

    def __init__(
        self,
        settings: KafkaSettings,
        topic: str,
        group_id: str,
        *,
        from_beginning: bool = False,
        poll_timeout_ms: int = 500,
    ) -> None:
        self.topic = topic
        self._poll_timeout_ms = poll_timeout_ms
        self._consumer: KafkaConsumer = consumer(
            settings, group_id=group_id, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        try:
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                raise ClientError(
                    f"topic {topic} does not exist or these credentials may not read it"
                )
            self.partitions = [TopicPartition(topic, p) for p in sorted(numbers)]
            self._consumer.assign(self.partitions)
            if from_beginning:
                self._consumer.seek_to_beginning(*self.partitions)
            # Where "until the end" stops: the ends present when reading started.
            self.ends: dict[TopicPartition, int] = self._consumer.end_offsets(self.partitions)
        except BaseException:
            self._consumer.close()
            raise

    def __enter__(self) -> DeliveryReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._consumer.close(autocommit=False)

    def at_end(self) -> bool:
        return all(self._consumer.position(tp) >= end for tp, end in self.ends.items())

    def batches(self, *, follow: bool) -> Iterator[list[Any]]:
        """Record batches in offset order per partition. Without ``follow``, stops at the
        ends present at start (records after them are left for the next run)."""
        while follow or not self.at_end():
            polled = self._consumer.poll(timeout_ms=self._poll_timeout_ms)
            batch = [
                record
                for tp, records in sorted(polled.items(), key=lambda item: item[0].partition)
                for record in records
                if follow or record.offset < self.ends[tp]
            ]
            if batch:
                yield batch

    def commit(self, records: Sequence[Any]) -> None:
        """Commit past ``records`` (call only once their output is written and flushed)."""
        last: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            last[tp] = max(last.get(tp, -1), record.offset)
        if last:
            self._consumer.commit(
                {tp: OffsetAndMetadata(offset + 1, "", -1) for tp, offset in last.items()}
            )


def send_report(settings: KafkaSettings, topic: str, key: bytes, value: bytes) -> tuple[int, int]:
    """Produce one report and wait for the broker's acknowledgement: (partition, offset)."""
    try:
        writer = producer(settings, max_block_ms=15_000)
        try:
            metadata = writer.send(topic, key=key, value=value).get(timeout=30)
            return metadata.partition, metadata.offset
        finally:
            writer.close(timeout=5)
    except KafkaError as error:
        raise ClientError(f"the broker did not accept the report: {type(error).__name__}") from None
