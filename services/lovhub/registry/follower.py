"""Reading and following the registry topic (the I/O half; the fold is :class:`RegistryTable`).

Every hub worker reads the whole compacted topic at start (:func:`read_registry`) and then
polls it between batches (:meth:`RegistryFollower.poll`), so a suspension made by
``lovhub recipient suspend`` applies from the next batch on, in every worker.

Given the recipient-change topic (``changes_topic``), the follower reads it too and uses a
registry record only when the recipient's latest change record names its SHA-256
(:mod:`lovhub.registry.attestation`): a record written to the registry topic outside the
audited lifecycle is reported and not used (issue 10, finding 16a).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from lovhub.codec import RECIPIENT_CHANGE, Codec, CodecError, codec_for
from lovhub.kafka.unreadable import UNREADABLE_BATCH_ERRORS, UnreadableTopicError
from lovhub.policy import Policy
from lovhub.provisioning.topology import RECIPIENT_REGISTRY
from lovhub.registry.directory import RecipientDirectory
from lovhub.registry.errors import RegistryError
from lovhub.registry.records import RegistryTable

__all__ = ["RegistryFollower", "read_registry"]

_CATCH_UP_TIMEOUT_S = 60.0

log = logging.getLogger("lovhub.registry")


class RegistryFollower:
    """A consumer of the registry topic (no group: every worker reads all of it)."""

    def __init__(
        self,
        client_config: dict[str, Any],
        topic: str = RECIPIENT_REGISTRY,
        *,
        policy: Policy | None = None,
        known: RecipientDirectory | None = None,
        changes_topic: str | None = None,
        codec: Codec | None = None,
    ) -> None:
        self._client_config = client_config
        self.topic = topic
        self.changes_topic = changes_topic
        self.table = RegistryTable(
            label=f"registry {topic}", policy=policy, require_attestation=changes_topic is not None
        )
        self._codec = codec
        self._known_version = None if known is None else known.version
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        """Connect and read the topic up to its current end."""
        consumer = AIOKafkaConsumer(
            **self._client_config, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            existing = await consumer.topics()
            for needed in (self.topic, self.changes_topic):
                if needed is not None and needed not in existing:
                    raise RegistryError(f"topic {needed} not found (run `lovhub admin init`)")
            # One partition each by design (provisioning.topology): one total order of changes.
            self._partitions = [TopicPartition(self.topic, 0)]
            if self.changes_topic is not None:
                self._partitions.append(TopicPartition(self.changes_topic, 0))
            consumer.assign(self._partitions)
            await consumer.seek_to_beginning(*self._partitions)
            self._consumer = consumer
            await self._catch_up()
        except BaseException:
            await consumer.stop()
            self._consumer = None
            raise

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def _catch_up(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        ends = await consumer.end_offsets(self._partitions)
        deadline = asyncio.get_running_loop().time() + _CATCH_UP_TIMEOUT_S
        while any([await consumer.position(tp) < ends[tp] for tp in self._partitions]):
            if asyncio.get_running_loop().time() > deadline:
                raise RegistryError(f"registry topic {self.topic}: not read to its end in time")
            await self._fetch(timeout_ms=500)

    async def _fetch(self, *, timeout_ms: int) -> bool:
        assert self._consumer is not None
        try:
            batch = await self._consumer.getmany(*self._partitions, timeout_ms=timeout_ms)
        except UNREADABLE_BATCH_ERRORS as error:
            # Fail closed: no change applies past a batch this client cannot decode (a
            # suspension may be in it); the position stays before it and the next poll
            # tries again.
            raise UnreadableTopicError(self.topic, self._partitions[0].partition, error) from error
        registry = [tp for tp in self._partitions if tp.topic == self.topic]
        records = sorted(
            (record for tp in registry for record in batch.get(tp, [])),
            key=lambda r: (r.partition, r.offset),
        )
        changed = self.table.apply_all((r.offset, r.key, r.value) for r in records)
        for tp, chunk in batch.items():
            if tp.topic == self.changes_topic:
                for record in chunk:
                    changed = self._attest(record.offset, record.value) or changed
        return changed

    def _attest(self, offset: int, value: bytes | None) -> bool:
        if self._codec is None:  # the caller should pass the deployment's codec
            self._codec = codec_for(None)
        try:
            change = self._codec.decode(value, RECIPIENT_CHANGE) if value is not None else None
        except CodecError:
            change = None
        if change is None:
            # It vouches for nothing; the recipient keeps what earlier change records say.
            log.warning("recipient change record at offset %d unreadable: not used", offset)
            return False
        return self.table.attest(
            str(change["recipient_id"]), bytes(change["registry_record_sha256"])
        )

    def directory(self) -> RecipientDirectory:
        return self.table.directory()

    async def poll(self) -> RecipientDirectory | None:
        """A new directory if the registry changed since the last call, else None.

        Starts the follower on first use (aiokafka clients bind to the running loop). Cheap
        when nothing changed: one fetch that returns at once.
        """
        if self._consumer is None:
            await self.start()
        else:
            await self._fetch(timeout_ms=0)
        directory = self.table.directory()
        if directory.version == self._known_version:
            return None
        self._known_version = directory.version
        return directory


async def read_registry(
    client_config: dict[str, Any],
    topic: str = RECIPIENT_REGISTRY,
    *,
    policy: Policy | None = None,
    changes_topic: str | None = None,
    codec: Codec | None = None,
) -> RecipientDirectory:
    """The registry as it is now (every valid record up to the topic's end; with
    ``changes_topic``, only the records its change chain attests)."""
    follower = RegistryFollower(
        client_config, topic, policy=policy, changes_topic=changes_topic, codec=codec
    )
    await follower.start()
    try:
        return follower.directory()
    finally:
        await follower.stop()
