"""The same pipeline as a faust-streaming agent: per event, with a Faust table for state.

Kept ONLY as the benchmark's "naive per-event Faust agent" baseline
(``lovhub run --engine faust``): it reads recipients only at start, writes no signed
checkpoints and keeps its state in its own changelog, so it must never run on the batch
engine's consumer group or topics (:func:`batch_engine_collisions`; ``lovhub run`` refuses).
It gives the same decisions as the batch worker
(same pure pipeline, same position semantics) but processes one event at a time, which is
why :mod:`lovhub.worker.runner` is the default. Faust acknowledges an event only after the
agent's loop body has finished with it, i.e. after its deliveries and audit records were
acknowledged by the broker: at least once, like the batch worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
from faust.types.auth import SASLMechanism

from lovhub.audit import ChainHead
from lovhub.core import state_from_bytes, state_to_bytes
from lovhub.core.outputs import SourcePosition
from lovhub.core.state_codec import FactSealer
from lovhub.kafka.aio import aio_client_config
from lovhub.kafka.tail import read_last_record
from lovhub.pipeline.ingest_time import broker_ingest_time
from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AUDIT_CHECKPOINTS,
    CHAINED_AUDIT_TOPICS,
    DEAD_LETTER,
    HUB_STATE_CHANGELOG,
    RECIPIENT_TOPIC_PREFIXES,
)
from lovhub.settings import KafkaSettings
from lovhub.worker.runner import Pipeline

__all__ = ["FaustTopics", "batch_engine_collisions", "build_faust_app"]

#: The batch engine's default consumer group (``lovhub run``).
BATCH_ENGINE_GROUP = "lovhub-hub"


def batch_engine_collisions(
    *, group: str, source: str, audit: str, dead_letter: str, recipient_template: str
) -> list[str]:
    """Why a Faust run on these names would share a group or topic with the batch engine."""
    found = []
    if group == BATCH_ENGINE_GROUP or group.startswith(f"{BATCH_ENGINE_GROUP}."):
        found.append(f"consumer group {group!r} is the batch engine's")
    if source == AGENCY_EVENTS:
        found.append(f"source topic {source!r} is the agency topic the batch engine reads")
    if audit in CHAINED_AUDIT_TOPICS or audit in (AUDIT_CHECKPOINTS, HUB_STATE_CHANGELOG):
        found.append(f"audit topic {audit!r} is one of the hub's evidence topics")
    if dead_letter == DEAD_LETTER:
        found.append(f"dead-letter topic {dead_letter!r} is the hub's")
    if not recipient_template or recipient_template.startswith(RECIPIENT_TOPIC_PREFIXES):
        found.append("recipient topics would be the real ones (give --recipient-topic-template)")
    return found


@dataclass(frozen=True)
class FaustTopics:
    source: str
    audit: str


def _credentials(settings: KafkaSettings) -> Any:
    if not settings.uses_sasl():
        return None
    return faust.SASLCredentials(
        username=settings.sasl_username,
        password=settings.sasl_password.get_secret_value() if settings.sasl_password else None,
        mechanism=SASLMechanism(settings.sasl_mechanism),
    )


def build_faust_app(
    pipeline: Pipeline,
    *,
    settings: KafkaSettings,
    topics: FaustTopics,
    app_id: str,
    datadir: Path,
    partitions: int,
    replication_factor: int = 1,
    sealer: FactSealer | None = None,
) -> faust.App:
    """``sealer``: the hub state key ring, which seals the held facts in the state table."""
    app = faust.App(
        app_id,  # also the consumer group and the prefix of Faust's own topics
        broker=[f"kafka://{server}" for server in settings.bootstrap_servers.split(",")],
        broker_credentials=_credentials(settings),
        store="rocksdb://",
        datadir=str(datadir),
        topic_partitions=partitions,
        topic_replication_factor=replication_factor,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
    )
    source = app.topic(
        topics.source,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )
    states = app.Table("jobseeker-state", default=None, partitions=partitions)
    heads: dict[int, ChainHead] = {}  # audit chain heads, read from the tail on first use
    client_config = aio_client_config(settings)
    sinks: dict[str, Any] = {}

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def forget_chain_heads(_app: Any, revoked: set[Any], **_: Any) -> None:
        # Another worker may extend these partitions' chains before they come back to us:
        # continuing from a remembered head would then fork the chain.
        for tp in revoked:
            if tp.topic == topics.source:
                heads.pop(tp.partition, None)

    def sink(name: str) -> Any:
        if name not in sinks:
            sinks[name] = app.topic(name, key_serializer="raw", value_serializer="raw")
        return sinks[name]

    @app.agent(source)
    async def share(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            key = message.key
            stored = states.get(key)
            state = state_from_bytes(stored.encode() if stored else None, opener=sealer, owner=key)
            position = SourcePosition(
                message.topic,
                message.partition,
                message.offset,
                broker_ingest_time(message.timestamp, message.timestamp_type),
            )
            result = pipeline.process(message.value, key, position, state)
            placed = []
            for record in (*result.deliveries, *result.dead_letters):
                sent = await sink(record.topic).send(
                    key=record.key, value=record.value, headers=list(record.headers)
                )
                metadata = await sent
                placed.append((metadata.topic, metadata.partition, metadata.offset))
            if message.partition not in heads:
                tail = await read_last_record(client_config, topics.audit, message.partition)
                heads[message.partition] = pipeline.chain_head_of(tail)
            for pending in result.audits:
                index = pending.delivery_index
                audit, heads[message.partition] = pipeline.finish_audit(
                    pending, placed[index] if index is not None else None, heads[message.partition]
                )
                sent = await sink(audit.topic).send(
                    key=audit.key,
                    value=audit.value,
                    headers=list(audit.headers),
                    partition=message.partition,
                )
                await sent
            if result.state is not None:
                states[key] = state_to_bytes(result.state, sealer=sealer, owner=key).decode()

    return app
