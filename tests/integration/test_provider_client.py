"""`lovhub consume` on the real broker: exactly the oracle's deliveries, decrypted, once each;
a tampered record is reported with its offset and reason, never printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from typer.testing import CliRunner, Result

from lovhub.cli.main import app
from lovhub.client import ClientError, DeliveryOpener, OpenedDelivery
from lovhub.client.deliveries import RecordPosition
from lovhub.codec import RECIPIENT_RECORD, codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.credentials_file import write_credentials
from lovhub.crypto import X25519, generate_key_pair, write_private_key_file
from lovhub.kafka import admin_client, producer
from lovhub.provisioning.topology import provider_topic
from lovhub.settings import KafkaSettings
from lovhub.synthetic import World
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    audit_outcomes,
    make_pipeline,
    read_all,
    run_worker_until_idle,
    start_run,
)
from tests.support.recipients import RecipientNamedTopics, provisioned, unique_world

CODEC = codec_for(None)


@dataclass(frozen=True)
class HubRun:
    world: World
    topics: RecipientNamedTopics
    provider: str
    settings: KafkaSettings

    def as_provider(self, provider: str, settings: KafkaSettings) -> HubRun:
        return replace(self, provider=provider, settings=settings)


@pytest.fixture(scope="module")
def hub_runs(
    kafka_broker: TestBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, HubRun]]:
    """The hub over a synthetic stream, its deliveries on the providers' real topics, and
    two providers' principals (X25519 and hybrid ML-KEM keys) provisioned as onboarding
    makes them. Tests that write to a topic use their own provider's."""
    admin: KafkaAdminClient = admin_client(kafka_broker.admin_settings)
    directory = tmp_path_factory.mktemp("provider-client")
    world, ids = unique_world(directory / "policy")
    topics = RecipientNamedTopics.fresh()
    # The hub's topics first (deliveries on the providers' real topic names), then the
    # providers' principals: provisioning finds those topics and adds the report topics.
    start_run(
        admin,
        kafka_broker.admin_settings,
        jobseekers=40,
        seed=4,
        invalid_rate=0.0,
        world=world,
        topics=topics,
    )
    with ExitStack() as stack:
        settings = {
            seed_id: stack.enter_context(provisioned(kafka_broker, admin, ids[seed_id]))
            for seed_id in ("jobbcoach-syd", "framtidsvagen")
        }
        run_worker_until_idle(
            kafka_broker.admin_settings, world, topics, directory / "state", f"lovhub-{topics.run}"
        )
        run = HubRun(world, topics, "", kafka_broker.admin_settings)
        yield {
            seed_id: run.as_provider(ids[seed_id], provider_settings)
            for seed_id, provider_settings in settings.items()
        }
    admin.close()


@pytest.fixture
def hub_run(hub_runs: dict[str, HubRun]) -> HubRun:
    """jobbcoach-syd (X25519): its topic is only read, never written, by these tests."""
    return hub_runs["jobbcoach-syd"]


def expected_deliveries(run: HubRun, admin_settings: KafkaSettings) -> dict[str, dict[str, Any]]:
    """delivery_id -> decrypted fields, from the in-process pipeline over the same input."""
    pipeline = make_pipeline(run.world, run.topics)
    key = run.world.private_keys[run.provider]
    opener = DeliveryOpener(run.provider, {key.key_id: key}, CODEC)
    states: dict[tuple[int, bytes], JobseekerState] = {}
    expected: dict[str, dict[str, Any]] = {}
    source = read_all(admin_settings, run.topics.source)
    for record in sorted(source, key=lambda r: (r.partition, r.offset)):
        where = (record.partition, record.key or b"")
        result = pipeline.process(
            record.value,
            record.key,
            SourcePosition(run.topics.source, record.partition, record.offset),
            states.get(where, JobseekerState()),
        )
        if result.state is not None:
            states[where] = result.state
        for delivery in result.deliveries:
            if delivery.topic != provider_topic(run.provider):
                continue
            opened = opener.open(delivery.value, RecordPosition(delivery.topic, 0, 0))
            assert isinstance(opened, OpenedDelivery)
            expected[opened.delivery_id] = opened.to_json()["fields"]
    return expected


def consume(run: HubRun, tmp_path: Path, *args: str) -> Result:
    key_file = tmp_path / "provider.key"
    write_private_key_file(key_file, run.world.private_keys[run.provider])
    password_file = tmp_path / "password"
    assert run.settings.sasl_password is not None
    write_credentials(password_file, run.provider, run.settings.sasl_password.get_secret_value())
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": run.settings.bootstrap_servers,
        "LOVHUB_KAFKA_SECURITY_PROTOCOL": str(run.settings.security_protocol),
        "LOVHUB_KAFKA_SASL_USERNAME": "",
        "LOVHUB_KAFKA_SASL_PASSWORD": "",
    }
    return CliRunner().invoke(
        app,
        [
            "consume",
            "--recipient",
            run.provider,
            "--key",
            str(key_file),
            "--password-file",
            str(password_file),
            *args,
        ],
        env=env,
    )


def printed(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_consume_prints_exactly_the_oracles_deliveries_decrypted(
    kafka_broker: TestBroker, hub_run: HubRun, tmp_path: Path
) -> None:
    expected = expected_deliveries(hub_run, kafka_broker.admin_settings)
    assert expected, "the scenario must deliver something to this provider"
    result = consume(hub_run, tmp_path, "--from-beginning", "--group", "oracle")
    assert result.exit_code == 0, result.stderr
    lines = printed(result)
    assert {line["delivery_id"]: line["fields"] for line in lines} == expected
    assert len(lines) == len(expected)
    # The audit stream agrees: one DELIVERED decision per delivery to this provider.
    counted, _ = audit_outcomes(kafka_broker.admin_settings, hub_run.topics)
    assert counted[("DELIVERED", None, hub_run.provider)] == len(expected)
    assert any(
        not isinstance(value, int | bool) and value is not None
        for line in lines
        for value in line["fields"].values()
    )
    assert f"{len(expected)} deliveries, 0 duplicates dropped, 0 records" in result.stderr


def test_offsets_are_committed_so_the_next_run_starts_where_the_last_ended(
    hub_run: HubRun, tmp_path: Path
) -> None:
    first = consume(hub_run, tmp_path, "--group", "resume")
    assert first.exit_code == 0, first.stderr
    assert printed(first)
    again = consume(hub_run, tmp_path, "--group", "resume")
    assert again.exit_code == 0, again.stderr
    assert printed(again) == []
    table = consume(hub_run, tmp_path, "--group", "table", "--format", "table")
    assert table.exit_code == 0, table.stderr
    assert "pseudonym" in table.stdout
    assert "delivery_id" not in table.stdout  # a table, not JSON lines
    assert f"{len(printed(first))} deliveries, 0 duplicates" in table.stderr


def test_tampered_records_are_reported_and_a_duplicate_printed_once(
    kafka_broker: TestBroker, hub_runs: dict[str, HubRun], tmp_path: Path
) -> None:
    """A principal with WRITE on the topic (here the admin) re-writes genuine records: one
    with a flipped ciphertext byte, one moved onto another person's pseudonym. The record
    binding (docs/envelope.md) makes both RECORD_FORGED; before it, the moved record was
    shown as genuine data about the other person."""
    hub_run = hub_runs["framtidsvagen"]  # hybrid ML-KEM-768 + X25519 keys
    topic = provider_topic(hub_run.provider)
    genuine = read_all(kafka_broker.admin_settings, topic)
    with_secret = next(
        r
        for r in genuine
        if any(f["encrypted"] for f in CODEC.decode(r.value, RECIPIENT_RECORD)["fields"])
    )
    flipped_record = CODEC.decode(with_secret.value, RECIPIENT_RECORD)
    field = next(f for f in flipped_record["fields"] if f["encrypted"])
    flipped = bytearray(field["encrypted"])
    flipped[-1] ^= 0x01
    field["encrypted"] = bytes(flipped)
    moved = CODEC.decode(with_secret.value, RECIPIENT_RECORD)
    others = {CODEC.decode(r.value, RECIPIENT_RECORD)["jobseeker_pseudonym"] for r in genuine}
    others.discard(moved["jobseeker_pseudonym"])
    assert others, "the provider knows more than one person"
    moved["jobseeker_pseudonym"] = sorted(others)[0]
    writer = producer(kafka_broker.admin_settings)
    try:
        bad = [
            writer.send(topic, key=with_secret.key, value=CODEC.encode(RECIPIENT_RECORD, r)).get(
                timeout=30
            )
            for r in (flipped_record, moved)
        ]
        writer.send(topic, key=genuine[0].key, value=genuine[0].value).get(timeout=30)
    finally:
        writer.close()

    result = consume(hub_run, tmp_path, "--from-beginning", "--group", "tamper")
    assert result.exit_code == 1
    lines = printed(result)
    ids = [line["delivery_id"] for line in lines]
    assert len(ids) == len(set(ids)) == len(genuine)  # the re-sent copy is not printed again
    shown = {(line["partition"], line["offset"]) for line in lines}
    stderr = " ".join(result.stderr.split())
    for forged in bad:
        assert (forged.partition, forged.offset) not in shown
        assert (
            f"problem: topic={topic} partition={forged.partition} offset={forged.offset} "
            "reason=RECORD_FORGED" in stderr
        )
    assert "1 duplicates dropped, 2 records not shown (problems)" in stderr


def test_a_key_that_is_not_the_providers_shows_nothing(hub_run: HubRun, tmp_path: Path) -> None:
    original = hub_run.world.private_keys[hub_run.provider]
    stranger = generate_key_pair(X25519, valid_from=original.valid_from)
    key_file = tmp_path / "stranger.key"
    write_private_key_file(key_file, stranger)
    password_file = tmp_path / "password"
    assert hub_run.settings.sasl_password is not None
    write_credentials(
        password_file, hub_run.provider, hub_run.settings.sasl_password.get_secret_value()
    )
    result = CliRunner().invoke(
        app,
        [
            "consume",
            "--recipient",
            hub_run.provider,
            "--key",
            str(key_file),
            "--password-file",
            str(password_file),
            "--from-beginning",
            "--group",
            "stranger",
        ],
        env={
            "KAFKA_BOOTSTRAP_SERVERS": hub_run.settings.bootstrap_servers,
            "LOVHUB_KAFKA_SECURITY_PROTOCOL": str(hub_run.settings.security_protocol),
        },
    )
    assert result.exit_code == 1
    shown = printed(result)
    # Records without encrypted fields need no key; every record with one is a problem.
    assert all(line["key_id"] is None for line in shown)
    assert "reason=UNKNOWN_KEY" in result.stderr


def test_another_providers_topic_is_refused_by_the_broker(
    hub_runs: dict[str, HubRun], tmp_path: Path
) -> None:
    coach, other = hub_runs["jobbcoach-syd"], hub_runs["framtidsvagen"]
    result = consume(coach, tmp_path, "--topic", provider_topic(other.provider))
    assert isinstance(result.exception, ClientError)
    assert result.stdout == ""
