"""The last record of a partition: where a hash chain continues after a restart."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

__all__ = ["read_last_record"]


async def read_last_record(
    client_config: dict[str, Any], topic: str, partition: int, *, window: int = 100
) -> bytes | None:
    """The value of the last record of one partition, or None when it is empty.

    Reads the last ``window`` offsets rather than exactly the last one: the final offset
    may hold no record a consumer sees (a transaction marker), and waiting for it would
    hang the restore. Nothing readable in the window is an error, not a silent default.
    """
    reader = AIOKafkaConsumer(**client_config, enable_auto_commit=False)
    await reader.start()
    try:
        tp = TopicPartition(topic, partition)
        reader.assign([tp])
        end = (await reader.end_offsets([tp]))[tp]
        if end == 0:
            return None
        reader.seek(tp, max(0, end - window))
        last: bytes | None = None
        empty_polls = 0
        while await reader.position(tp) < end and empty_polls < 10:
            records = (await reader.getmany(tp, timeout_ms=1000)).get(tp, [])
            empty_polls = 0 if records else empty_polls + 1
            for record in records:
                if record.offset < end:
                    last = record.value
        if last is None:
            raise RuntimeError(f"no readable record in the last {window} offsets of {topic}")
        return last
    finally:
        await reader.stop()
