"""Fail closed, never crash-loop: take away the hub's WRITE on its audit topic while a worker
runs. It stops delivering (recipient topics stand still while agency events keep coming),
says why in its health, stays up, and resumes once the ACL is back: nothing lost, and the
audit chain with its signed checkpoints verifies clean."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.admin import ScramMechanism, UserScramCredentialDeletion

from lovhub.codec import codec_for
from lovhub.kafka.reading import end_offsets
from lovhub.provisioning.apply import ensure_acls, ensure_scram_user
from lovhub.provisioning.topology import (
    HUB_PREFIX,
    AclOperation,
    AclSpec,
    PatternType,
    ResourceKind,
)
from lovhub.synthetic import World, build_world, generate_scenario
from tests.support.broker import TestBroker
from tests.support.expected import expected_outcomes
from tests.support.hubrun import (
    HubTopics,
    audit_outcomes,
    lovhub_env,
    oracle_outcomes,
    produce_all,
    read_all,
)

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def _acls(user: str, topics: HubTopics, world: World, group: str) -> list[AclSpec]:
    """What the hub worker needs on this test's private topics, and nothing more."""
    topic, lit = ResourceKind.TOPIC, PatternType.LITERAL
    op = AclOperation
    recipients = (*world.recipients.providers(), *world.recipients.third_parties())
    return [
        AclSpec(user, topic, topics.source, lit, op.READ),
        AclSpec(user, topic, topics.audit, lit, op.READ),
        AclSpec(user, topic, topics.audit, lit, op.WRITE),
        AclSpec(user, topic, topics.checkpoints, lit, op.WRITE),
        AclSpec(user, topic, topics.checkpoints, lit, op.READ),
        AclSpec(user, topic, topics.dead_letter, lit, op.WRITE),
        AclSpec(user, topic, topics.changelog, lit, op.READ),
        AclSpec(user, topic, topics.changelog, lit, op.WRITE),
        AclSpec(user, ResourceKind.GROUP, group, lit, op.READ),
        # Its partitions' transactional ids (lovhub.worker.transactions).
        AclSpec(user, ResourceKind.TRANSACTIONAL_ID, HUB_PREFIX, PatternType.PREFIXED, op.WRITE),
        AclSpec(user, ResourceKind.TRANSACTIONAL_ID, HUB_PREFIX, PatternType.PREFIXED, op.DESCRIBE),
        *(AclSpec(user, topic, topics.recipient(r), lit, op.WRITE) for r in recipients),
    ]


def _health(worker_dir: Path) -> dict[str, object]:
    try:
        data: dict[str, object] = json.loads((worker_dir / "health.json").read_text())
    except (OSError, ValueError):
        return {}
    return data


def _wait(
    condition: Callable[[], bool], what: str, worker_dir: Path, timeout: float = 90.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {_health(worker_dir)}"
        time.sleep(0.2)


def _lovhub_health(env: dict[str, str], worker_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LOVHUB, "health", "--worker-dir", str(worker_dir)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_no_audit_write_means_no_delivery_until_it_works_again(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> None:
    admin_settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    scenario = generate_scenario(world, codec_for(None), jobseekers=400, seed=41, invalid_rate=0.03)
    # Most of the stream arrives while the hub cannot write its evidence.
    first, rest = scenario.records[:600], scenario.records[600:]
    produce_all(admin_settings, topics.source, first)

    user = unique_name("test-hub")
    password = secrets.token_urlsafe(16)
    ensure_scram_user(kafka_admin, user, password)
    group = f"lovhub-test-{topics.run}"
    granted = _acls(f"User:{user}", topics, world, group)
    ensure_acls(kafka_admin, f"User:{user}", granted)
    env = lovhub_env(kafka_broker.settings_for(user, password), world, tmp_path)
    worker_dir = tmp_path / "worker"
    worker = subprocess.Popen(
        [
            LOVHUB,
            *topics.run_args(group=group, worker_dir=worker_dir),
            "--max-batch",
            "100",
        ],
        env={**env, "LOVHUB_CHECKPOINT_EVERY_RECORDS": "50"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    recipient_topics = [
        topics.recipient(r)
        for r in (*world.recipients.providers(), *world.recipients.third_parties())
    ]

    def delivered() -> dict[str, int]:
        # Committed records: an aborted attempt takes offsets that no reader is given.
        return {t: len(read_all(admin_settings, t)) for t in recipient_topics}

    try:
        _wait(
            lambda: _health(worker_dir).get("events") == len(first), "the first events", worker_dir
        )
        assert _health(worker_dir)["healthy"] is True

        # Take WRITE on the audit topic away; more agency events arrive.
        audit_write = AclSpec(
            f"User:{user}",
            ResourceKind.TOPIC,
            topics.audit,
            PatternType.LITERAL,
            AclOperation.WRITE,
        )
        ensure_acls(kafka_admin, f"User:{user}", [a for a in granted if a != audit_write])
        produce_all(admin_settings, topics.source, rest[:300])
        _wait(
            lambda: _health(worker_dir).get("healthy") is False,
            "the worker to fail closed",
            worker_dir,
        )
        health = _lovhub_health(env, worker_dir)
        assert health.returncode == 1
        assert "fail closed: cannot write audit" in health.stdout, health.stdout
        assert "TopicAuthorizationFailed" in health.stdout

        standing = delivered()
        events_then = _health(worker_dir)["events"]
        produce_all(admin_settings, topics.source, rest[300:])
        time.sleep(8)  # several retries with backoff
        assert worker.poll() is None, "the worker must not crash"
        assert delivered() == standing, "no delivery without its audit record"
        assert _health(worker_dir)["events"] == events_then, "no batch committed"
        assert _health(worker_dir)["healthy"] is False
        assert sum(end_offsets(admin_settings, topics.source).values()) == len(scenario.records), (
            "agency events kept coming"
        )

        ensure_acls(kafka_admin, f"User:{user}", granted)
        _wait(
            lambda: _health(worker_dir).get("events") == len(scenario.records),
            "the worker to resume",
            worker_dir,
        )
        _wait(
            lambda: _health(worker_dir).get("healthy") is True,
            "the worker to be healthy",
            worker_dir,
        )
        health = _lovhub_health(env, worker_dir)
        assert health.returncode == 0, health.stdout
        assert int(str(_health(worker_dir)["write_failures"])) >= 2
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=60)
        ensure_acls(kafka_admin, f"User:{user}", [])
        kafka_admin.alter_user_scram_credentials(
            [UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_512)]
        )
    assert worker.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr

    source = read_all(admin_settings, topics.source)
    _, decisions = audit_outcomes(admin_settings, topics)
    unique = {d["decision_id"]: d for d in decisions}
    actual = Counter((d["outcome"], d["reason_code"], d["recipient_id"]) for d in unique.values())
    assert actual == oracle_outcomes(world, topics, source), "no event lost"
    assert actual == expected_outcomes(world, scenario), "and the reference model agrees"
    assert len(decisions) == len(unique), "acknowledged audit records are not written again"
    delivery_ids = [
        dict(record.headers)["delivery_id"]
        for topic in recipient_topics
        for record in read_all(admin_settings, topic)
    ]
    assert len(delivery_ids) == len(set(delivery_ids)), "acknowledged deliveries are not resent"
    assert len(delivery_ids) == sum(1 for d in unique.values() if d["outcome"] == "DELIVERED")

    # Verification is an auditor's job: the hub may only write the checkpoint topic.
    assert admin_settings.sasl_password is not None
    auditor = {
        **env,
        "LOVHUB_KAFKA_SASL_USERNAME": admin_settings.sasl_username or "",
        "LOVHUB_KAFKA_SASL_PASSWORD": admin_settings.sasl_password.get_secret_value(),
    }
    verify = subprocess.run(
        [LOVHUB, *topics.verify_args()],
        env=auditor,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(verify.stdout)
    assert verify.returncode == 0, report
    assert report["ok"], report
    assert all(p["checkpoints_checked"] >= 1 for p in report["partitions"])
