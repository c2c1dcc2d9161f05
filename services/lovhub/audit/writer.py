"""The sole writer of one single-partition audit chain (reports, re-deliveries, lifecycle).

The hub workers chain ``lov.hub.audit.v1`` themselves, one chain per agency partition. Every
other writer of evidence owns a whole single-partition topic and appends through this class:
it reads the partition's last record to learn where the chain continues (with a signing
key: only once the records since the chain's newest checkpoint signed with that key link up
to the tail, lovhub.audit.resume; a forged tail is ResumeRefused), links each new
record onto it and waits for the broker's acknowledgement before returning the offsets.

Exactly one writer may append to a chain at a time; a second concurrent writer would
interleave records and ``lovhub audit verify`` would report the break.

Given the hub's signing key, the writer also publishes a signed checkpoint of its chain
(see lovhub.audit.checkpoints) once ``checkpoint_every`` acknowledged records have
accumulated (default: after every append) and a final one on ``stop()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from lovhub.audit.canonical import canonical_encoder
from lovhub.audit.chain import ChainHead, link
from lovhub.audit.checkpoints import build_checkpoint
from lovhub.audit.signing import SigningKey
from lovhub.codec import AUDIT_CHECKPOINT, AUDIT_DECISION, Codec
from lovhub.codec.store import SchemaStore
from lovhub.kafka.tail import read_last_record, verified_tail
from lovhub.provisioning.topology import AUDIT_CHECKPOINTS

__all__ = ["ChainedRecordWriter", "head_after"]


def head_after(last: Mapping[str, Any] | None) -> ChainHead:
    """Where a chain continues after its last (decoded) record; genesis when empty."""
    if last is None:
        return ChainHead()
    return ChainHead(bytes(last["hash"]), int(last["sequence"]) + 1)


class ChainedRecordWriter:
    """Appends hash-chained records of one schema to partition 0 of one topic."""

    def __init__(
        self,
        *,
        client_config: dict[str, Any],
        topic: str,
        codec: Codec,
        store: SchemaStore,
        schema_name: str = AUDIT_DECISION,
        key_of: Callable[[Mapping[str, Any]], str | None] | None = None,
        signing_key: SigningKey | None = None,
        checkpoint_topic: str = AUDIT_CHECKPOINTS,
        checkpoint_every: int = 1,
    ) -> None:
        self._client_config = client_config
        self.topic = topic
        self._codec = codec
        self._schema = schema_name
        self._canonical = canonical_encoder(store, schema_name)
        self._key_of = key_of
        self._producer: AIOKafkaProducer | None = None
        self.head = ChainHead()
        self._signing_key = signing_key
        self._checkpoint_topic = checkpoint_topic
        self._checkpoint_every = max(1, checkpoint_every)
        self._checkpoint_encode = canonical_encoder(store, AUDIT_CHECKPOINT)
        self._unchecked = 0  # acknowledged records not yet covered by a checkpoint
        self._last_offset = -1
        self.checkpoints_written = 0

    async def start(self) -> None:
        """Resume where the chain ends; with a signing key, only after checking that its tail
        extends the newest checkpoint signed with that key (ResumeRefused otherwise)."""
        if self._signing_key is None:
            last = await read_last_record(self._client_config, self.topic, 0)
            self.head = head_after(None if last is None else self._codec.decode(last, self._schema))
        else:
            _, self.head = await verified_tail(
                self._client_config,
                topic=self.topic,
                partition=0,
                checkpoint_topic=self._checkpoint_topic,
                keys=self._signing_key.verifying_keys(),
                decode_record=lambda value: self._codec.decode(value, self._schema),
                record_encode=self._canonical,
            )
        self._producer = AIOKafkaProducer(
            **self._client_config, acks="all", enable_idempotence=True
        )
        await self._producer.start()

    async def stop(self) -> None:
        """Checkpoint what is not yet covered, then close the producer."""
        if self._producer is not None:
            try:
                if self._unchecked:
                    await self.checkpoint()
            finally:
                await self._producer.stop()
                self._producer = None

    async def checkpoint(self) -> None:
        """Publish a signed checkpoint of the chain's current head and wait for the ack."""
        if self._signing_key is None or self._producer is None or self._last_offset < 0:
            return
        signed = build_checkpoint(
            audit_topic=self.topic,
            partition=0,
            offset=self._last_offset,
            head=self.head,
            signed_at=dt.datetime.now(dt.UTC),
            key=self._signing_key,
            encode=self._checkpoint_encode,
        )
        value = self._codec.encode(AUDIT_CHECKPOINT, signed)
        await (
            await self._producer.send(
                self._checkpoint_topic, value, key=f"{self.topic}/0".encode(), partition=0
            )
        )
        self._unchecked = 0
        self.checkpoints_written += 1

    async def __aenter__(self) -> ChainedRecordWriter:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def append(
        self, records: Sequence[Mapping[str, Any]]
    ) -> list[tuple[dict[str, Any], int]]:
        """Chain and publish ``records`` in order; returns each chained record and its offset.

        The head only advances past records the broker acknowledged, so a failed append
        leaves the writer where the topic's chain really ends (raise; do not retry blindly:
        a record may have been written without its acknowledgement arriving).
        """
        if self._producer is None:
            raise RuntimeError("ChainedRecordWriter.append before start()")
        head = self.head
        futures = []
        chained_records = []
        for record in records:
            chained, head = link(record, head, self._canonical)
            key = self._key_of(chained) if self._key_of else None
            futures.append(
                await self._producer.send(
                    self.topic,
                    self._codec.encode(self._schema, chained),
                    key=key.encode() if key else None,
                    partition=0,
                )
            )
            chained_records.append(chained)
        offsets = [(await future).offset for future in futures]
        self.head = head
        if offsets:
            self._last_offset = offsets[-1]
            self._unchecked += len(offsets)
            if self._unchecked >= self._checkpoint_every:
                await self.checkpoint()
        return list(zip(chained_records, offsets, strict=True))
