"""Recipient lifecycle on the real broker, driven through the `lovhub recipient` CLI.

Each test has its own registry and change topics (LOVHUB_REGISTRY_TOPIC,
LOVHUB_RECIPIENT_CHANGES_TOPIC) and its own agency/audit/recipient topics (HubTopics).
Hub workers follow the registry through a RegistryFollower, as `lovhub run` does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError as AioKafkaError
from kafka import KafkaAdminClient

from lovhub.audit import verify_chain
from lovhub.audit.canonical import canonical_encoder
from lovhub.codec import (
    AUDIT_DECISION,
    RECIPIENT_CHANGE,
    RECIPIENT_RECORD,
    codec_for,
    default_store,
)
from lovhub.crypto import (
    CryptoError,
    RecipientPrivateKey,
    RecordDecryptor,
    WrappedDataKey,
    read_private_key_file,
)
from lovhub.kafka.aio import aio_client_config
from lovhub.kafka.reading import end_offsets, read_from
from lovhub.provisioning.apply import acl_specs_of
from lovhub.provisioning.topology import provider_topic, recipient_acls
from lovhub.registry import RecipientStatus
from lovhub.registry.follower import RegistryFollower, read_registry
from lovhub.registry.records import record_sha256
from lovhub.runtime import write_world
from lovhub.settings import KafkaSettings
from lovhub.synthetic import World, build_world, generate_scenario
from lovhub.worker import HubWorker
from lovhub.worker.runner import WorkerTopics
from lovhub.worker.store import StateStore
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    TEST_STATE_KEYS,
    HubTopics,
    lovhub_env,
    make_pipeline,
    produce_all,
    read_all,
)

LOVHUB = str(Path(sys.executable).parent / "lovhub")
PROVIDER = "jobbcoach-syd"
CODEC = codec_for(None)

pytestmark = pytest.mark.kafka


class Registry:
    """A private registry + change topic pair and a CLI bound to them."""

    def __init__(self, settings: KafkaSettings, new_topic: Callable[..., str], tmp: Path):
        self.settings = settings
        self.topic = new_topic("registry")
        self.changes = new_topic("recipient-changes")
        assert settings.sasl_password is not None
        self.env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
            "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
            "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
            "LOVHUB_STATE_DIR": str(tmp / "state"),
            "LOVHUB_REGISTRY_TOPIC": self.topic,
            "LOVHUB_RECIPIENT_CHANGES_TOPIC": self.changes,
            "COLUMNS": "200",
        }

    def cli(
        self, *args: str, ok: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [LOVHUB, *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if ok:
            assert result.returncode == 0, result.stderr[-2000:]
        return result

    def follower(self, world: World | None = None) -> RegistryFollower:
        policy = world.policy if world else None
        return RegistryFollower(aio_client_config(self.settings), self.topic, policy=policy)

    def changes_verify(self) -> list[dict[str, Any]]:
        """Every change record, after checking the chain and each record's registry digest."""
        records = [(r.offset, CODEC.decode(r.value, RECIPIENT_CHANGE)) for r in read_all(
            self.settings, self.changes)]  # fmt: skip
        broken, _, count = verify_chain(
            records, canonical_encoder(default_store(), RECIPIENT_CHANGE)
        )
        assert broken is None
        assert count == len(records)
        registry = {r.offset: r.value for r in read_all(self.settings, self.topic)}
        for _, change in records:
            assert (
                record_sha256(registry[change["registry_offset"]])
                == change["registry_record_sha256"]
            )
        return [change for _, change in records]


@pytest.fixture
def registry(kafka_broker: TestBroker, new_topic: Callable[..., str], tmp_path: Path) -> Registry:
    return Registry(kafka_broker.admin_settings, new_topic, tmp_path)


def _seed(registry: Registry, world: World, tmp: Path) -> None:
    write_world(world, tmp / "world")
    registry.cli("recipient", "import", str(tmp / "world" / "recipients.yaml"))


def _phase(
    registry: Registry, world: World, topics: HubTopics, tmp: Path, number: int
) -> list[dict[str, Any]]:
    """New jobseekers' events through a fresh worker that follows the registry; its decisions."""
    settings = registry.settings
    scenario = generate_scenario(
        world, CODEC, jobseekers=40, seed=number, invalid_rate=0.0, first_number=number * 1000
    )
    audit_start = end_offsets(settings, topics.audit)
    produce_all(settings, topics.source, scenario.records)
    follower = registry.follower(world)
    worker = HubWorker(
        make_pipeline(world, topics),
        client_config=aio_client_config(settings),
        topics=WorkerTopics(topics.source, topics.audit, topics.changelog),
        group_id=f"lovhub-test-{topics.run}",
        store=StateStore(tmp / "worker-state", TEST_STATE_KEYS),
        registry=follower,
    )

    async def run() -> None:
        try:
            await worker.run(idle_exit_after=4.0)
        finally:
            await follower.stop()

    asyncio.run(run())
    written = read_from(settings, topics.audit, audit_start)
    return [CODEC.decode(r.value, AUDIT_DECISION) for r in written]


def _outcomes(decisions: list[dict[str, Any]], recipient: str) -> set[tuple[str, str | None]]:
    return {(d["outcome"], d["reason_code"]) for d in decisions if d["recipient_id"] == recipient}


def _delivered_to_others(decisions: list[dict[str, Any]]) -> bool:
    return any(d["outcome"] == "DELIVERED" and d["recipient_id"] != PROVIDER for d in decisions)


def test_suspend_stops_and_resume_restarts_deliveries(
    registry: Registry, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    _seed(registry, world, tmp_path)
    provider_topic_name = topics.recipient(world.recipients.get(PROVIDER))  # type: ignore[arg-type]

    before = _phase(registry, world, topics, tmp_path, 1)
    assert ("DELIVERED", None) in _outcomes(before, PROVIDER)

    registry.cli("recipient", "suspend", PROVIDER, "--reason", "FAILED_VETTING")
    delivered_so_far = end_offsets(registry.settings, provider_topic_name)
    during = _phase(registry, world, topics, tmp_path, 2)
    assert _outcomes(during, PROVIDER) == {("WITHHELD", "RECIPIENT_SUSPENDED")}
    assert end_offsets(registry.settings, provider_topic_name) == delivered_so_far
    assert _delivered_to_others(during)

    registry.cli("recipient", "resume", PROVIDER)
    after = _phase(registry, world, topics, tmp_path, 3)
    assert ("DELIVERED", None) in _outcomes(after, PROVIDER)

    changes = registry.changes_verify()
    assert [c["action"] for c in changes if c["recipient_id"] == PROVIDER] == [
        "ADDED",
        "SUSPENDED",
        "RESUMED",
    ]
    assert changes[-2]["reason_code"] == "FAILED_VETTING"


def _open_all(
    settings: KafkaSettings, topic: str, starts: dict[int, int], key: RecipientPrivateKey
) -> tuple[int, int]:
    """(fields opened, fields refused) of the records after ``starts``, with one key."""
    decryptor = RecordDecryptor(PROVIDER, {key.key_id: key})
    opened = refused = 0
    for record in read_from(settings, topic, starts):
        body = CODEC.decode(record.value, RECIPIENT_RECORD)
        if body["data_key"] is None:
            continue
        wrapped = WrappedDataKey.from_avro(body["data_key"])
        for field in body["fields"]:
            if field["encrypted"] is None:
                continue
            where = {"topic": topic, "event_id": body["event_id"], "path": field["path"]}
            try:
                decryptor.open_field(wrapped, field["encrypted"], **where)
                opened += 1
            except CryptoError:
                refused += 1
    return opened, refused


def test_rotate_key_old_records_open_with_the_old_key_new_with_the_new(
    registry: Registry, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    _seed(registry, world, tmp_path)
    topic = topics.recipient(world.recipients.get(PROVIDER))  # type: ignore[arg-type]
    old_key = world.private_keys[PROVIDER]

    _phase(registry, world, topics, tmp_path, 4)
    rotation_point = end_offsets(registry.settings, topic)
    assert sum(rotation_point.values()) > 0

    new_file = tmp_path / "new.key"
    printed = registry.cli("keys", "generate", "--suite", "x25519", "--out", str(new_file))
    assert new_file.stat().st_mode & 0o777 == 0o600
    assert printed.stdout.strip() == (tmp_path / "new.key.pub").read_text().strip()
    registry.cli("recipient", "rotate-key", PROVIDER, "--public-key", str(tmp_path / "new.key.pub"))
    new_key = read_private_key_file(new_file)

    _phase(registry, world, topics, tmp_path, 5)
    zero = dict.fromkeys(rotation_point, 0)
    opened_old, refused_old = _open_all(registry.settings, topic, zero, old_key)
    before_rotation = sum(rotation_point.values())
    after_old, after_refused_old = _open_all(registry.settings, topic, rotation_point, old_key)
    after_new, after_refused_new = _open_all(registry.settings, topic, rotation_point, new_key)
    assert opened_old > 0  # records delivered before the rotation open with the old key
    assert before_rotation > 0
    assert after_new > 0  # records after it open with the new key ...
    assert after_refused_new == 0
    assert after_old == 0  # ... and not with the old one
    assert after_refused_old == after_new
    assert refused_old == after_refused_old  # every refusal of the old key is a new record

    shown = registry.cli("recipient", "show", PROVIDER).stdout
    assert new_key.key_id in shown
    assert "(current)" in shown
    assert [c["action"] for c in registry.changes_verify()][-1] == "KEY_ROTATED"


def test_add_provisions_exactly_its_access_and_terminate_revokes_it(
    registry: Registry,
    kafka_admin: KafkaAdminClient,
    kafka_broker: TestBroker,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rid = unique_name("prov")
    registry.cli("keys", "generate", "--suite", "mlkem768-x25519", "--out", str(tmp_path / "k"))
    credentials_file = tmp_path / "credentials.json"
    added = registry.cli(
        "recipient", "add", "--id", rid, "--kind", "provider",
        "--organisation-number", "5785797548", "--name", "Testleverantör AB",
        "--contract-id", "LOV-2026-0001", "--service", "KROM",
        "--purpose", "lov.matching", "--purpose", "lov.contact",
        "--contact", "kontakt@test.example", "--representative", "Test Person",
        "--insurance-valid-until", "2027-12-31",
        "--undertaking-signed-on", "2026-01-15", "--undertaking-reference", "TP-2026-0001",
        "--country", "SE", "--hosting", "Exempeldrift AB", "--sub-processor", "Exempel Oy:FI",
        "--public-key", str(tmp_path / "k.pub"), "--credentials-out", str(credentials_file),
    )  # fmt: skip
    credentials = json.loads(credentials_file.read_text())
    assert credentials_file.stat().st_mode & 0o777 == 0o600
    assert credentials["password"] not in added.stdout + added.stderr
    wanted = recipient_acls(rid, provider=True)
    assert len(acl_specs_of(kafka_admin, f"User:{rid}")) == len(wanted)
    directory = asyncio.run(read_registry(aio_client_config(registry.settings), registry.topic))
    assert directory.get(rid).status is RecipientStatus.ACTIVE  # type: ignore[union-attr]
    assert "Test Person" not in registry.cli("recipient", "list").stdout

    login = kafka_broker.settings_for(rid, credentials["password"])

    async def connect() -> None:
        reader = AIOKafkaConsumer(provider_topic(rid), **aio_client_config(login),
                                  request_timeout_ms=10_000, group_id=f"{rid}.check")  # fmt: skip
        try:
            await reader.start()
        finally:
            await reader.stop()

    asyncio.run(connect())  # the new principal authenticates and may join its own group
    # The file --credentials-out wrote is what --password-file reads, unchanged.
    consumed = registry.cli(
        "consume", "--recipient", rid, "--key", str(tmp_path / "k"),
        "--password-file", str(credentials_file),
        env={"LOVHUB_KAFKA_SASL_USERNAME": "", "LOVHUB_KAFKA_SASL_PASSWORD": "",
             "LOVHUB_KAFKA_SECURITY_PROTOCOL": str(registry.settings.security_protocol)},
    )  # fmt: skip
    assert f"reading {provider_topic(rid)} as {rid}" in consumed.stderr
    assert "0 deliveries, 0 duplicates dropped, 0 records not shown" in consumed.stderr

    registry.cli("recipient", "terminate", rid, "--reason", "CONTRACT_ENDED")
    assert acl_specs_of(kafka_admin, f"User:{rid}") == set()
    with caplog.at_level(logging.ERROR), pytest.raises(AioKafkaError):
        asyncio.run(connect())
    assert "SaslAuthenticationFailed" in caplog.text

    refused = registry.cli("recipient", "resume", rid, ok=False)
    assert refused.returncode != 0
    assert "terminated" in refused.stderr
    directory = asyncio.run(read_registry(aio_client_config(registry.settings), registry.topic))
    assert directory.get(rid).status is RecipientStatus.TERMINATED  # type: ignore[union-attr]
    actions = [c["action"] for c in registry.changes_verify()]
    assert actions == ["ADDED", "TERMINATED"]


def test_a_running_follower_sees_cli_changes(registry: Registry, tmp_path: Path) -> None:
    world = build_world()
    _seed(registry, world, tmp_path)

    async def follow() -> None:
        follower = registry.follower(world)
        try:
            first = await follower.poll()
            assert first is not None
            assert first.get(PROVIDER).status is RecipientStatus.ACTIVE  # type: ignore[union-attr]
            assert await follower.poll() is None  # nothing changed
            await asyncio.to_thread(registry.cli, "recipient", "suspend", PROVIDER)
            for _ in range(50):
                changed = await follower.poll()
                if changed is not None:
                    break
                await asyncio.sleep(0.2)
            assert changed is not None
            assert changed.get(PROVIDER).status is RecipientStatus.SUSPENDED  # type: ignore[union-attr]
        finally:
            await follower.stop()

    asyncio.run(follow())
    # A second, fresh reader (another worker process) sees the same durable state.
    fresh = asyncio.run(read_registry(aio_client_config(registry.settings), registry.topic))
    assert fresh.get(PROVIDER).status is RecipientStatus.SUSPENDED  # type: ignore[union-attr]
    assert len(registry.changes_verify()) == len(world.recipients) + 1


def test_check_insurance_suspends_expired_providers_and_audits_it(
    registry: Registry, tmp_path: Path
) -> None:
    world = build_world()
    _seed(registry, world, tmp_path)
    # The seed's insurance ends 2027-06-30 (jobbcoach-syd), 2027-12-31, 2028-03-31; vagval-norr
    # (2027-09-30) is suspended already and stays as it is.
    result = registry.cli("recipient", "check-insurance", "--day", "2027-10-01")
    assert "1 provider(s) suspended" in result.stdout
    directory = asyncio.run(read_registry(aio_client_config(registry.settings), registry.topic))
    statuses = {r.id: r.status for r in directory.recipients}
    assert statuses["jobbcoach-syd"] is RecipientStatus.SUSPENDED
    assert statuses["karriarbron"] is RecipientStatus.ACTIVE
    assert statuses["framtidsvagen"] is RecipientStatus.ACTIVE
    assert statuses["forsakring-alfa"] is RecipientStatus.ACTIVE
    expired = [c for c in registry.changes_verify() if c["action"] == "INSURANCE_EXPIRED"]
    assert sorted(c["recipient_id"] for c in expired) == ["jobbcoach-syd"]


def _lovhub_run(registry: Registry, world: World, topics: HubTopics, tmp: Path) -> str:
    """`lovhub run` reading and following the registry (the default source); its stderr."""
    env = {
        **lovhub_env(registry.settings, world, tmp),
        **registry.env,
        "LOVHUB_RECIPIENTS_SOURCE": "registry",
    }
    result = subprocess.run(
        [
            LOVHUB,
            *topics.run_args(group=f"lovhub-test-{topics.run}", worker_dir=tmp / "run-worker"),
            "--idle-exit", "4",
        ],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0 or "holds no recipients" in result.stderr, result.stderr[-2000:]
    return result.stderr


def test_lovhub_run_takes_its_recipients_from_the_registry(
    registry: Registry, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    assert "holds no recipients" in _lovhub_run(registry, world, topics, tmp_path)  # fail fast

    _seed(registry, world, tmp_path)
    registry.cli("recipient", "suspend", PROVIDER)
    scenario = generate_scenario(world, CODEC, jobseekers=40, seed=6, invalid_rate=0.0)
    produce_all(registry.settings, topics.source, scenario.records)
    stderr = _lovhub_run(registry, world, topics, tmp_path)
    assert f"{len(world.recipients)} recipients" in stderr
    audit = read_all(registry.settings, topics.audit)
    decisions = [CODEC.decode(r.value, AUDIT_DECISION) for r in audit]
    assert _outcomes(decisions, PROVIDER) == {("WITHHELD", "RECIPIENT_SUSPENDED")}
    assert _delivered_to_others(decisions)
