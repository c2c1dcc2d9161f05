"""Record batches a client cannot read (a codec it lacks, corruption): fail closed, never crash.

Both clients decode a whole record batch at once when it is polled: aiokafka and kafka-python
raise ``UnsupportedCodecError`` for a codec whose library is missing, ``CorruptRecordException``
/ ``CorruptRecordError`` for a bad CRC, and the codec libraries their own errors for bytes that
do not decompress. The services hold (unhealthy, retrying) and the operator tools stop with one
line naming the topic, the partition and the error class (:class:`UnreadableTopicError`).
"""

from __future__ import annotations

import logging
from typing import Any

import kafka.errors
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError as AioKafkaError

from lovhub.errors import LovhubError

__all__ = [
    "READ_FAILURES",
    "UNREADABLE_BATCH_ERRORS",
    "UnreadableTopicError",
    "cannot_read_reason",
    "rewind_to_committed",
]

log = logging.getLogger("lovhub.kafka")


def _codec_errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    try:
        import cramjam

        found.append(cramjam.DecompressionError)
    except ImportError:  # then aiokafka raises UnsupportedCodecError instead
        pass
    try:
        import zstandard

        found.append(zstandard.ZstdError)
    except ImportError:
        pass
    return tuple(found)


# What polling can raise for a batch it cannot decode. RuntimeError covers aiokafka's
# KafkaError (UnsupportedCodecError, CorruptRecordException) and lz4's frame errors; OSError
# and EOFError gzip's; ValueError a truncated stream. Programming errors (TypeError, ...) are
# not in it: those must still stop the process.
UNREADABLE_BATCH_ERRORS: tuple[type[BaseException], ...] = (
    AioKafkaError,
    kafka.errors.KafkaError,
    RuntimeError,
    OSError,
    EOFError,
    ValueError,
    *_codec_errors(),
)


class UnreadableTopicError(LovhubError):
    """A topic holds a record batch this client cannot read; nothing after it was read."""

    code = "TOPIC_UNREADABLE"

    def __init__(self, topic: str, partition: int | None, cause: BaseException) -> None:
        self.topic = topic
        self.partition = partition
        self.cause_name = type(cause).__name__
        where = topic if partition is None else f"{topic} partition {partition}"
        super().__init__(
            f"cannot read {where} ({self.cause_name}): a record batch this client cannot "
            "decode (compression codec or corruption); stopped there, nothing skipped"
        )


# What a service's poll step catches: an undecodable batch, or a follower's own report of one.
READ_FAILURES: tuple[type[BaseException], ...] = (UnreadableTopicError, *UNREADABLE_BATCH_ERRORS)


def cannot_read_reason(topic: str, error: BaseException, retry_in: float) -> str:
    """The health reason of a service that holds because it cannot read ``topic``."""
    if isinstance(error, UnreadableTopicError):
        topic, cause = error.topic, error.cause_name
    else:
        cause = type(error).__name__
    return (
        f"fail closed: cannot read {topic} ({cause}); holding, nothing after it is "
        f"decided or committed; retry in {retry_in:.1f}s"
    )


async def rewind_to_committed(consumer: Any) -> None:
    """Back to the group's committed offsets after a failed poll.

    aiokafka moves a partition's position as soon as its records are drained, and a poll
    that raises for a later partition returns none of them: without this they would be
    skipped. Partitions with no commit yet go back to their beginning.
    """
    for tp in list(consumer.assignment()):
        try:
            committed = await consumer.committed(tp)
            if committed is None or committed < 0:
                await consumer.seek_to_beginning(TopicPartition(tp.topic, tp.partition))
            else:
                consumer.seek(tp, committed)
        except UNREADABLE_BATCH_ERRORS as error:  # the next poll fails again and retries
            log.warning(
                "rewinding %s[%d] failed (%s)", tp.topic, tp.partition, type(error).__name__
            )
