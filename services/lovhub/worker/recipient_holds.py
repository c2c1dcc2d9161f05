"""Recipients whose topic refuses the hub's writes, held until an operator releases them
(issue 12, part 6: one recipient's failure is not everyone's outage).

Without holds, a delivery to an unwritable topic fails its partition's transaction, and
every partition that delivers to that recipient stops: in practice, every recipient. With
them, the worker that meets the refusal writes a hold for the recipient to the holds topic
(compacted, one partition, keyed by recipient id), every worker follows that topic, and the
pipeline withholds the recipient's deliveries as ``RECIPIENT_UNAVAILABLE`` (audited with the
purposes they would have been delivered under) while everything else flows.

A hold is never lifted by the hub itself. If the hub resumed the recipient as soon as its
topic took writes again, its new deliveries would overtake the withheld ones, which an
operator re-delivers later: reordered. So the operator, after repairing the topic, first
re-delivers the held window (``lovhub redeliver --recipient R --unavailable``) while the
recipient is still held, and then releases it (``lovhub recipient release R``); deliveries
resume after the re-delivered ones. A hold outlives worker restarts: it is on the topic.

The values are small JSON documents (recipient id, topic, time, error class, and the
operator's login that released it; nothing about jobseekers). :class:`HoldBook` is the
fold; :class:`RecipientHolds` reads, follows and writes the topic.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from lovhub.kafka.tail import BOUNDED_READ_FETCH_WAIT_MS, read_range
from lovhub.kafka.unreadable import UNREADABLE_BATCH_ERRORS, UnreadableTopicError

__all__ = ["HoldBook", "RecipientHold", "RecipientHolds", "release_value"]

log = logging.getLogger("lovhub.worker")


@dataclass(frozen=True)
class RecipientHold:
    recipient_id: str
    topic: str  # the recipient topic that refused the write
    since: dt.datetime  # when the hub first held it (UTC): where re-delivery starts
    cause: str  # the client error's class name

    def value(self) -> bytes:
        return json.dumps(
            {
                "recipient_id": self.recipient_id,
                "held": True,
                "topic": self.topic,
                "since": self.since.isoformat(),
                "cause": self.cause,
            },
            sort_keys=True,
        ).encode()

    def describe(self) -> str:
        """How health and the CLI name it (topic names and error classes only)."""
        since = self.since.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"recipient {self.recipient_id} held since {since}: its topic {self.topic} "
            f"refused the hub's writes ({self.cause})"
        )


def release_value(recipient_id: str, *, by: str, at: dt.datetime) -> bytes:
    """The record that ends a hold (written by ``lovhub recipient release``)."""
    return json.dumps(
        {"recipient_id": recipient_id, "held": False, "released_by": by, "at": at.isoformat()},
        sort_keys=True,
    ).encode()


class HoldBook:
    """The holds in force: the last record per recipient wins. A record that does not parse
    changes nothing (a recipient held stays held)."""

    def __init__(self) -> None:
        self.held: dict[str, RecipientHold] = {}

    def apply(self, key: bytes | None, value: bytes | None) -> bool:
        """Fold one record in; True if the set of held recipients or a hold changed."""
        if key is None:
            return False
        recipient_id = key.decode("utf-8", "replace")
        if value is None:  # a tombstone: compaction's end of a released hold
            return self.held.pop(recipient_id, None) is not None
        try:
            document = json.loads(value)
            if document["recipient_id"] != recipient_id:
                raise ValueError("key and recipient differ")
            if not document["held"]:
                return self.held.pop(recipient_id, None) is not None
            hold = RecipientHold(
                recipient_id,
                str(document["topic"]),
                dt.datetime.fromisoformat(document["since"]),
                str(document["cause"]),
            )
        except (ValueError, KeyError, TypeError):
            log.warning("a recipient hold record for %s does not parse: ignored", recipient_id)
            return False
        if recipient_id in self.held:  # held again by another worker: the first time stands
            return False
        self.held[recipient_id] = hold
        return True

    def ids(self) -> frozenset[str]:
        return frozenset(self.held)


class RecipientHolds:
    """Reads the holds topic, follows it between batches, and writes a hold when the worker
    meets a refused recipient topic.

    Started by the first :meth:`poll` (aiokafka clients bind to the running loop), as the
    registry follower is, so a failure to read goes the way of any unreadable input: the
    worker holds, names the topic and tries again, never crashes. A deployment without the
    topic (``lovhub admin init`` makes it) runs without holds: a refused recipient topic then
    holds the partitions that deliver to it, as before; the worker says so once and looks
    again at its next restore."""

    def __init__(self, client_config: dict[str, Any], topic: str) -> None:
        self._client_config = client_config
        self.topic = topic
        self.book = HoldBook()
        self._consumer: AIOKafkaConsumer | None = None
        self._tp = TopicPartition(topic, 0)
        self._said_missing = False

    @property
    def enabled(self) -> bool:
        return self._consumer is not None

    async def _start(self) -> None:
        consumer = AIOKafkaConsumer(
            **self._client_config,
            enable_auto_commit=False,
            isolation_level="read_committed",
            fetch_max_wait_ms=BOUNDED_READ_FETCH_WAIT_MS,
        )
        await consumer.start()
        try:
            if self.topic not in await consumer.topics():
                if not self._said_missing:
                    log.warning(
                        "recipient holds topic %s not found (run `lovhub admin init`): a "
                        "recipient whose topic refuses writes holds every partition that "
                        "delivers to it",
                        self.topic,
                    )
                    self._said_missing = True
                await consumer.stop()
                return
            consumer.assign([self._tp])
            await consumer.seek_to_beginning(self._tp)
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def poll(self, *, to_end: bool = False) -> bool:
        """Apply what other workers and operators wrote since; True if the holds changed.
        ``to_end``: read up to the topic's current end first (before partitions restored
        this turn are decided: a hold written by their previous owner must apply to them).
        A read that fails raises UnreadableTopicError naming the holds topic."""
        try:
            if self._consumer is None:
                if not to_end:
                    return False
                await self._start()
                if self._consumer is None:
                    return False
            consumer = self._consumer
            records = []
            if to_end:
                end = (await consumer.end_offsets([self._tp]))[self._tp]
                async for chunk in read_range(
                    consumer, self._tp, await consumer.position(self._tp), end
                ):
                    records.extend(chunk)
            else:
                records = (await consumer.getmany(self._tp, timeout_ms=0)).get(self._tp, [])
        except (KafkaError, OSError, RuntimeError, *UNREADABLE_BATCH_ERRORS) as error:
            raise UnreadableTopicError(self.topic, 0, error) from error
        changed = False
        for record in records:
            changed = self.book.apply(record.key, record.value) or changed
        return changed

    async def hold(self, producer: AIOKafkaProducer, hold: RecipientHold) -> None:
        """Write ``hold`` and wait for the broker's acknowledgement; applied here at once.
        Always to partition 0: the one partition every reader follows."""
        key = hold.recipient_id.encode()
        await (await producer.send(self.topic, key=key, value=hold.value(), partition=0))
        self.book.apply(key, hold.value())
