"""Kafka plumbing for the benchmarks: private topics per run, fast producing, watching ends.

Every topic a run creates is named ``bench.<run id>.…`` and deleted at the end (unless the
caller keeps them), so runs never share topics and leftovers are easy to recognise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaProducer
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from lovhub.kafka import admin_client, consumer
from lovhub.kafka.aio import aio_client_config
from lovhub.pipeline import HubPipeline
from lovhub.registry import Recipient
from lovhub.runtime import write_world
from lovhub.settings import KafkaSettings
from lovhub.synthetic import World, pipeline_for
from lovhub_bench.plaintext import clear_key_ring

__all__ = [
    "EndWatcher",
    "RunTopics",
    "TopicBook",
    "kafka_env",
    "new_run_id",
    "produce_records",
    "worker_env",
]

Record = tuple[bytes | None, bytes]


def new_run_id() -> str:
    return time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]


@dataclass(frozen=True)
class RunTopics:
    """The output topics of one variant (``bench.<run>.<variant>.…``) reading ``source``."""

    run: str
    variant: str
    source: str

    @property
    def prefix(self) -> str:
        return f"bench.{self.run}.{self.variant}"

    @property
    def audit(self) -> str:
        return f"{self.prefix}.audit"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}.dead-letter"

    @property
    def changelog(self) -> str:
        return f"{self.prefix}.state-changelog"

    @property
    def checkpoints(self) -> str:
        return f"{self.prefix}.audit-checkpoints"

    @property
    def recipient_template(self) -> str:
        return f"{self.prefix}.recipient.{{id}}"

    def recipient(self, recipient: Recipient) -> str:
        return self.recipient_template.format(id=recipient.id)

    def recipient_topics(self, world: World) -> list[str]:
        everyone = (*world.recipients.providers(), *world.recipients.third_parties())
        return [self.recipient(r) for r in everyone]

    def outputs(self, world: World) -> list[str]:
        return [self.audit, self.dead_letter, self.changelog, *self.recipient_topics(world)]

    def pipeline(self, world: World, *, encryption: bool = True) -> HubPipeline:
        """The pipeline writing to these topics; without ``encryption``, the baseline that
        measures what encryption costs (:mod:`lovhub_bench.plaintext`)."""
        return pipeline_for(
            world,
            audit_topic=self.audit,
            dead_letter_topic=self.dead_letter,
            recipient_topic=self.recipient,
            key_ring=None if encryption else clear_key_ring(),
        )

    def group(self) -> str:
        # Consumer groups must start with lovhub- (the ACLs of a provisioned cluster).
        return f"lovhub-bench-{self.run}-{self.variant}"


class TopicBook:
    """Creates topics with the admin principal and remembers them for deletion."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.admin: KafkaAdminClient = admin_client(settings)
        self.created: list[str] = []
        self.groups: list[str] = []
        self.prefixes: list[str] = []  # topics that others (Faust) create under a prefix

    def create(self, names: Sequence[str], partitions: int) -> None:
        fresh = [n for n in names if n not in self.created]
        if not fresh:
            return
        self.admin.create_topics(
            {n: {"num_partitions": partitions, "replication_factor": 1} for n in fresh},
            wait_for_metadata=True,
        )
        self.created.extend(fresh)

    def create_outputs(self, topics: RunTopics, world: World, partitions: int) -> None:
        """A variant's output topics; checkpoints single-partition, as in production."""
        self.create(topics.outputs(world), partitions)
        self.create([topics.checkpoints], 1)

    def group_members(self, group: str) -> int:
        """How many members a consumer group has once it is stable (0 before that)."""
        try:
            info = self.admin.describe_groups([group]).get(group, {})
        except Exception:  # the coordinator may not know the group yet
            return 0
        state = str(info.get("group_state") or info.get("state") or "")
        return len(info.get("members") or []) if state.lower() == "stable" else 0

    def clean_up(self) -> list[str]:
        """Delete every topic of the run (and groups); the names that were deleted."""
        extra = []
        if self.prefixes:
            existing = self.admin.list_topics()
            extra = [t for t in existing if any(t.startswith(p) for p in self.prefixes)]
        names = sorted(set(self.created) | set(extra))
        if names:
            self.admin.delete_topics(names, raise_errors=False)
        if self.groups:
            # An unknown or still-busy group is nothing to clean up.
            with contextlib.suppress(Exception):
                self.admin.delete_groups(self.groups)
        self.admin.close()
        return names


async def produce_records(
    settings: KafkaSettings, topic: str, records: Sequence[Record], chunk: int = 5000
) -> float:
    """Produce ``records`` as fast as aiokafka can (acks from all); the seconds it took."""
    producer = AIOKafkaProducer(
        **aio_client_config(settings),
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=256 * 1024,
    )
    await producer.start()
    start = time.perf_counter()
    try:
        for first in range(0, len(records), chunk):
            futures = [
                await producer.send(topic, value, key=key)
                for key, value in records[first : first + chunk]
            ]
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return time.perf_counter() - start


class EndWatcher:
    """The summed end offsets of topics, read with one long-lived consumer."""

    def __init__(self, settings: KafkaSettings, topics: Sequence[str]) -> None:
        self._reader: KafkaConsumer = consumer(settings)
        self._partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(self._reader.partitions_for_topic(topic) or ())
        ]

    def total(self) -> int:
        return sum(self._reader.end_offsets(self._partitions).values())

    def close(self) -> None:
        self._reader.close()


def kafka_env(settings: KafkaSettings) -> dict[str, str]:
    """The environment of a subprocess that reaches this broker as this process does."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "LOVHUB_KAFKA_SECURITY_PROTOCOL": str(settings.security_protocol),
        "LOVHUB_KAFKA_SASL_MECHANISM": settings.sasl_mechanism,
        "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
        "LOVHUB_KAFKA_SASL_PASSWORD": (
            settings.sasl_password.get_secret_value() if settings.sasl_password else ""
        ),
    }
    if settings.ssl_cafile:
        env["LOVHUB_KAFKA_SSL_CAFILE"] = str(settings.ssl_cafile)
    return env


def worker_env(
    settings: KafkaSettings, world: World, directory: Path, partitions: int
) -> dict[str, str]:
    """The environment of a ``lovhub run`` subprocess for this world and broker."""
    return {
        **kafka_env(settings),
        **write_world(world, directory / "world"),
        "LOVHUB_STATE_DIR": str(directory / "state"),
        "LOVHUB_PARTITIONS": str(partitions),
        # The world's recipients come from its file, not the shared registry topic.
        "LOVHUB_RECIPIENTS_SOURCE": "file",
        # The benchmark's workers run on throwaway topics that no service principal's ACLs
        # cover, with the operator's login, so they say so explicitly.
        "LOVHUB_ALLOW_ADMIN_PRINCIPAL": "1",
    }
