"""Every Kafka codec on every topic the hub and its tools read, produced by an independent
client (librdkafka through confluent-kafka), as providers' and agencies' producers do."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from kafka import KafkaAdminClient
from typer.testing import CliRunner

from lovhub.cli.main import app
from lovhub.client.reports import absence_body, encode_report, provider_report
from lovhub.codec import AUDIT_DECISION, codec_for
from lovhub.kafka.aio import aio_client_config
from lovhub.registry.follower import read_registry
from lovhub.registry.records import encode_registry_record
from lovhub.settings import KafkaSettings
from lovhub.synthetic import generate_scenario
from tests.integration.test_audit_reconcile import _reconcile
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import HubTopics, audit_outcomes, lovhub_env, oracle_outcomes, read_all
from tests.support.recipients import provisioned, unique_world

CODECS = ("lz4", "snappy", "zstd", "gzip")
CODEC = codec_for(None)


def produce_compressed(
    settings: KafkaSettings, topic: str, records: list[tuple[bytes, bytes]], compression: str
) -> None:
    """``records`` in one or more ``compression`` batches, written by librdkafka."""
    assert settings.sasl_password is not None
    writer = Producer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "security.protocol": str(settings.security_protocol),
            "sasl.mechanism": settings.sasl_mechanism,
            "sasl.username": settings.sasl_username,
            "sasl.password": settings.sasl_password.get_secret_value(),
            "compression.type": compression,
            "linger.ms": 50,  # batches of many records, as a busy producer sends
            "enable.idempotence": True,
        }
    )
    failures: list[Any] = []
    for key, value in records:
        writer.produce(
            topic, key=key, value=value, on_delivery=lambda e, _: e and failures.append(e)
        )
    assert writer.flush(30) == 0
    assert not failures, failures


def _in_codec_chunks(
    settings: KafkaSettings, topic: str, records: list[tuple[bytes, bytes]]
) -> None:
    """Consecutive slices, one per codec, in order (each flushed before the next)."""
    size = -(-len(records) // len(CODECS))
    for index, compression in enumerate(CODECS):
        chunk = records[index * size : (index + 1) * size]
        assert chunk
        produce_compressed(settings, topic, chunk, compression)


def test_every_codec_on_the_agency_and_a_report_topic_is_processed_and_balances(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, ids = unique_world(tmp_path / "policy")
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    scenario = generate_scenario(world, CODEC, jobseekers=40, seed=5, invalid_rate=0.05)
    _in_codec_chunks(settings, topics.source, scenario.records)
    env = lovhub_env(settings, world, tmp_path)

    hub = run_lovhub(
        env,
        *topics.run_args(group=f"lovhub-{topics.run}", worker_dir=tmp_path / "worker"),
        "--idle-exit",
        "5",
        timeout=90,
    )
    assert hub.returncode == 0, hub.stderr
    assert "Traceback" not in hub.stderr
    source = read_all(settings, topics.source)  # kafka-python decodes every codec too
    assert len(source) == len(scenario.records)
    counted, _ = audit_outcomes(settings, topics)
    assert counted == oracle_outcomes(world, topics, source)
    code, output = _reconcile(env, topics)
    assert code == 0, output
    assert "books: balanced" in output

    coach = ids["jobbcoach-syd"]
    assigned = [
        (event["jobseeker_id"], event["body"][1]["valid_from"])
        for event in scenario.events
        if event is not None
        and event["event_type"] == "ASSIGNMENT_STARTED"
        and event["body"][1]["provider_id"] == coach
    ]
    assert assigned, "the scenario must assign someone to jobbcoach-syd"
    jobseeker, started = assigned[0]
    pseudonym = world.pseudonymiser().for_recipient(coach, jobseeker)
    with provisioned(kafka_broker, kafka_admin, coach) as provider:
        report_ids = []
        for compression in CODECS:
            record = provider_report(
                provider_id=coach,
                report_type="ABSENCE",
                jobseeker_pseudonym=pseudonym,
                report_date=started,
                body=absence_body(absent_from=started, absent_to=started, notified=True),
                submitted_at=dt.datetime.now(dt.UTC),
            )
            report_ids.append(record["report_id"])
            # As the provider itself: its own credentials, its own report topic.
            topic = f"lov.provider.{coach}.reports.v1"
            produce_compressed(provider, topic, [encode_report(CODEC, record)], compression)
        private = f"test.{topics.run}"
        agency, dead_letter, audit = f"{private}.agency-reports", f"{private}.dlq", f"{private}.rep"
        kafka_admin.create_topics(
            {
                name: {"num_partitions": 1, "replication_factor": 1}
                for name in (agency, dead_letter, audit, f"{private}.checkpoints")
            },
            wait_for_metadata=True,
        )
        result = CliRunner().invoke(
            app,
            [
                "run-reports",
                "--group",
                f"lovhub-reports-{topics.run}",
                "--reports-pattern",
                f"^lov\\.provider\\.{re.escape(coach)}\\.reports\\.v1$",
                "--changelog-topic",
                topics.changelog,
                "--agency-topic",
                agency,
                "--dead-letter-topic",
                dead_letter,
                "--audit-topic",
                audit,
                "--checkpoint-topic",
                f"{private}.checkpoints",
                "--idle-exit",
                "4",
            ],
            env=env,
        )
        assert result.exit_code == 0, (result.stderr, result.exception)
        assert "4 reports, 4 forwarded to the agency, 0 rejected" in " ".join(result.stderr.split())
        decisions = [CODEC.decode(r.value, AUDIT_DECISION) for r in read_all(settings, audit)]
        assert sorted(d["event_id"] for d in decisions) == sorted(report_ids)
        assert {d["outcome"] for d in decisions} == {"DELIVERED"}
        assert len(read_all(settings, agency)) == len(CODECS)


def test_a_compressed_registry_is_read_by_the_hub_and_the_tools(
    kafka_broker: TestBroker, new_topic: Any, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, _ = unique_world(tmp_path / "policy")
    topic = new_topic("registry")
    recipients = sorted(world.recipients.recipients, key=lambda r: r.id)
    assert len(recipients) >= len(CODECS)
    for index, recipient in enumerate(recipients):
        compression = CODECS[index % len(CODECS)]
        produce_compressed(settings, topic, [encode_registry_record(recipient)], compression)

    directory = asyncio.run(read_registry(aio_client_config(settings), topic, policy=world.policy))
    assert sorted(r.id for r in directory.recipients) == [r.id for r in recipients]
    assert len(read_all(settings, topic)) == len(recipients)
