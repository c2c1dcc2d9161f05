"""Running the hub worker against the test broker, and an in-process oracle for its output."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, TopicPartition

from lovhub.audit.signing import SigningKey
from lovhub.codec import AUDIT_DECISION, codec_for, default_store
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.crypto.state_keys import StateKeyRing
from lovhub.kafka import consumer, producer
from lovhub.kafka.aio import aio_client_config
from lovhub.pipeline import HubPipeline
from lovhub.registry import Recipient
from lovhub.runtime import write_world
from lovhub.settings import KafkaSettings
from lovhub.synthetic import Scenario, World, build_world, generate_scenario, pipeline_for
from lovhub.worker import HubWorker
from lovhub.worker.runner import Checkpointing, WorkerTopics
from lovhub.worker.store import StateStore


@dataclass(frozen=True)
class HubTopics:
    """A private set of topics for one test run."""

    run: str
    partitions: int = 3
    # Topic names start "<namespace>.<run>."; a service principal's own prefix (e.g.
    # "lovhub-hub") lets a test run a service as that principal, without the admin.
    namespace: str = "test"

    @property
    def source(self) -> str:
        return f"{self.namespace}.{self.run}.agency"

    @property
    def audit(self) -> str:
        return f"{self.namespace}.{self.run}.audit"

    @property
    def dead_letter(self) -> str:
        return f"{self.namespace}.{self.run}.dead-letter"

    @property
    def changelog(self) -> str:
        return f"{self.namespace}.{self.run}.state-changelog"

    @property
    def checkpoints(self) -> str:
        return f"{self.namespace}.{self.run}.audit-checkpoints"

    @property
    def lookups(self) -> str:
        """The run's own lookup chain (one partition, like lov.hub.audit.lookups.v1)."""
        return f"{self.namespace}.{self.run}.lookups"

    @property
    def holds(self) -> str:
        """The run's own recipient holds topic (one partition, like the hub's)."""
        return f"{self.namespace}.{self.run}.recipient-holds"

    def lookup_args(self, case: str) -> list[str]:
        """``--case`` and this run's lookup chain, for `audit report` and `audit replay`
        naming a person (with :meth:`lookup_env`)."""
        return ["--case", case, "--lookup-topic", self.lookups]

    def lookup_env(self, env: dict[str, str]) -> dict[str, str]:
        """``env`` with the lookup chain's checkpoints going to this run's checkpoint topic."""
        return {**env, "LOVHUB_CHECKPOINT_TOPIC": self.checkpoints}

    def recipient(self, recipient: Recipient) -> str:
        return f"{self.namespace}.{self.run}.recipient.{recipient.id}"

    def run_args(self, *, group: str, worker_dir: Path) -> list[str]:
        """``lovhub run``'s arguments for a worker on this run's private topics."""
        return [
            "run",
            "--group",
            group,
            "--source-topic",
            self.source,
            "--audit-topic",
            self.audit,
            "--dead-letter-topic",
            self.dead_letter,
            "--changelog-topic",
            self.changelog,
            "--checkpoint-topic",
            self.checkpoints,
            "--recipient-topic-template",
            f"{self.namespace}.{self.run}.recipient.{{id}}",
            "--holds-topic",
            self.holds,
            "--worker-dir",
            str(worker_dir),
        ]

    def redeliver_args(self, redelivery_audit: str) -> list[str]:
        """``lovhub redeliver``'s topic options for this run (recipients from the world file);
        the caller adds the recipient, the start and the run id."""
        return [
            "--agency-topic",
            self.source,
            "--audit-topic",
            self.audit,
            "--redelivery-audit-topic",
            redelivery_audit,
            "--checkpoint-topic",
            self.checkpoints,
            "--recipient-topic-template",
            f"{self.namespace}.{self.run}.recipient.{{id}}",
            "--recipients",
            "file",
        ]

    def verify_args(self) -> list[str]:
        """``lovhub audit verify`` of this run's audit topic and checkpoints, as JSON."""
        return [
            "audit",
            "verify",
            "--topic",
            self.audit,
            "--checkpoint-topic",
            self.checkpoints,
            "--json",
        ]

    def reconcile_args(self, *more_audit_topics: str) -> list[str]:
        """``lovhub audit reconcile`` of this run's topics (recipients from the world file)."""
        audits = [
            arg for topic in (self.audit, *more_audit_topics) for arg in ("--audit-topic", topic)
        ]
        return [
            "audit",
            "reconcile",
            "--agency-topic",
            self.source,
            *audits,
            "--recipient-topic-template",
            f"{self.namespace}.{self.run}.recipient.{{id}}",
            "--recipients",
            "file",
        ]

    def all_topics(self, world: World) -> list[str]:
        recipients = (*world.recipients.providers(), *world.recipients.third_parties())
        return [
            self.source,
            self.audit,
            self.dead_letter,
            self.changelog,
            self.checkpoints,
            *(self.recipient(r) for r in recipients),
        ]

    def create(self, admin: KafkaAdminClient, world: World) -> None:
        admin.create_topics(
            {
                **{
                    name: {"num_partitions": self.partitions, "replication_factor": 1}
                    for name in self.all_topics(world)
                },
                self.lookups: {"num_partitions": 1, "replication_factor": 1},
                self.holds: {"num_partitions": 1, "replication_factor": 1},
            },
            wait_for_metadata=True,
        )

    @classmethod
    def fresh(cls, namespace: str = "test") -> HubTopics:
        return cls(uuid.uuid4().hex[:10], namespace=namespace)


def make_pipeline(world: World, topics: HubTopics) -> HubPipeline:
    return pipeline_for(
        world,
        audit_topic=topics.audit,
        dead_letter_topic=topics.dead_letter,
        recipient_topic=topics.recipient,
    )


# Signs the checkpoints of in-process workers unless a test brings its own key.
TEST_SIGNING_KEY = SigningKey.generate()
# Seals the held facts of in-process workers: one ring for the session, so a worker on a
# fresh disk opens what an earlier worker wrote to the changelog, as a deployment's does.
TEST_STATE_KEYS = StateKeyRing.generate()


def run_worker_until_idle(
    settings: KafkaSettings,
    world: World,
    topics: HubTopics,
    state_dir: Path,
    group: str,
    *,
    signing_key: SigningKey | None = None,
) -> HubWorker:
    worker = HubWorker(
        make_pipeline(world, topics),
        client_config=aio_client_config(settings),
        topics=WorkerTopics(topics.source, topics.audit, topics.changelog),
        group_id=group,
        store=StateStore(state_dir, TEST_STATE_KEYS),
        checkpoints=Checkpointing(signing_key or TEST_SIGNING_KEY, topics.checkpoints),
    )
    asyncio.run(worker.run(idle_exit_after=5.0))
    return worker


def read_all(settings: KafkaSettings, topic: str) -> list[Any]:
    """Every record of ``topic`` up to its current end (no waiting for silence)."""
    reader = consumer(settings)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic))]
        reader.assign(partitions)
        reader.seek_to_beginning(*partitions)
        ends = reader.end_offsets(partitions)
        records: list[Any] = []
        while any(reader.position(tp) < ends[tp] for tp in partitions):
            for batch in reader.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        reader.close()


def oracle_outcomes(
    world: World, topics: HubTopics, source_records: list[Any]
) -> Counter[tuple[str, str | None, str | None]]:
    """The in-process pipeline over the same (partition, offset)-ordered input."""
    pipeline = make_pipeline(world, topics)
    states: dict[tuple[int, bytes], JobseekerState] = {}
    outcomes: Counter[tuple[str, str | None, str | None]] = Counter()
    for record in sorted(source_records, key=lambda r: (r.partition, r.offset)):
        key = (record.partition, record.key or b"")
        result = pipeline.process(
            record.value,
            record.key,
            SourcePosition(topics.source, record.partition, record.offset),
            states.get(key, JobseekerState()),
        )
        if result.state is not None:
            states[key] = result.state
        for pending in result.audits:
            decision = pending.decision
            outcomes[(decision["outcome"], decision["reason_code"], decision["recipient_id"])] += 1
    return outcomes


def audit_outcomes(
    settings: KafkaSettings, topics: HubTopics
) -> tuple[Counter[tuple[str, str | None, str | None]], list[dict[str, Any]]]:
    codec = codec_for(None)
    decisions = [codec.decode(r.value, AUDIT_DECISION) for r in read_all(settings, topics.audit)]
    counted: Counter[tuple[str, str | None, str | None]] = Counter(
        (d["outcome"], d["reason_code"], d["recipient_id"]) for d in decisions
    )
    return counted, decisions


def produce_all(
    settings: KafkaSettings, topic: str, records: list[tuple[bytes | None, bytes]]
) -> None:
    writer = producer(settings)
    for key, value in records:
        writer.send(topic, key=key, value=value)
    writer.flush()
    writer.close()


def lovhub_env(settings: KafkaSettings, world: World, directory: Path) -> dict[str, str]:
    """The environment of a `lovhub run` subprocess against the test broker.

    The tests run services as the admin principal, explicitly: each test uses its own
    throwaway topics, which no service principal's ACLs cover. That services refuse the
    admin without this, and run as their own least-privileged principals, is what
    tests/integration/test_service_logins.py checks."""
    assert settings.sasl_password is not None
    return {
        **os.environ,
        **write_world(world, directory / "world"),
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
        "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
        "LOVHUB_STATE_DIR": str(directory / "state"),
        # The world's recipients come from its file; the registry topic has its own tests.
        "LOVHUB_RECIPIENTS_SOURCE": "file",
        "LOVHUB_ALLOW_ADMIN_PRINCIPAL": "1",
    }


def audit_chain_breaks(settings: KafkaSettings, topics: HubTopics) -> dict[int, Any]:
    """Verify every partition's hash chain; the breaks found (empty when all verify)."""
    from lovhub.audit import verify_chain
    from lovhub.audit.canonical import canonical_audit_encoder

    codec = codec_for(None)
    encode = canonical_audit_encoder(default_store())
    by_partition: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for record in read_all(settings, topics.audit):
        decision = codec.decode(record.value, AUDIT_DECISION)
        by_partition.setdefault(record.partition, []).append((record.offset, decision))
    breaks = {}
    for partition, records in by_partition.items():
        broken, _, _ = verify_chain(sorted(records, key=lambda item: item[0]), encode)
        if broken is not None:
            breaks[partition] = broken
    return breaks


def start_run(
    admin: KafkaAdminClient,
    settings: KafkaSettings,
    *,
    jobseekers: int,
    seed: int,
    invalid_rate: float = 0.03,
    world: World | None = None,
    topics: HubTopics | None = None,
) -> tuple[World, HubTopics, Scenario]:
    """A world, a private set of topics, and a synthetic stream already on the source topic."""
    world = world or build_world()
    topics = topics or HubTopics.fresh()
    topics.create(admin, world)
    scenario = generate_scenario(
        world, codec_for(None), jobseekers=jobseekers, seed=seed, invalid_rate=invalid_rate
    )
    produce_all(settings, topics.source, scenario.records)
    return world, topics, scenario
