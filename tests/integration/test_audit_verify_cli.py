"""`lovhub audit verify` passes a clean audit topic, with the hub worker's signed
checkpoints, and names the first forged record."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.audit import ChainHead, link
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.audit.signing import SigningKey, load_signing_key
from lovhub.codec import AUDIT_DECISION, codec_for, default_store
from lovhub.kafka import producer
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    HubTopics,
    lovhub_env,
    read_all,
    run_worker_until_idle,
    start_run,
)

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def _verify(
    env: dict[str, str], topics: HubTopics, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            LOVHUB,
            "audit",
            "verify",
            "--topic",
            topics.audit,
            "--checkpoint-topic",
            topics.checkpoints,
            *extra,
        ],
        env={**env, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_verify_clean_then_forged(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, _ = start_run(kafka_admin, settings, jobseekers=30, seed=5)
    codec = codec_for(None)
    env = lovhub_env(settings, world, tmp_path)
    hub_key = load_signing_key(Path(env["LOVHUB_AUDIT_SIGNING_KEY_FILE"]))
    run_worker_until_idle(
        settings, world, topics, tmp_path / "state", f"test-{topics.run}", signing_key=hub_key
    )

    clean = _verify(env, topics)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "break" not in clean.stdout
    assert "all verify" in clean.stdout
    report = json.loads(_verify(env, topics, "--json").stdout)
    assert report["ok"] is True
    partitions = report["partitions"]
    assert {p["partition"] for p in partitions} == {0, 1, 2}
    # The worker checkpointed every partition when it stopped: each checkpoint was checked.
    assert all(p["checkpoints_checked"] >= 1 for p in partitions), partitions
    assert sum(p["records_verified"] for p in partitions) == len(read_all(settings, topics.audit))

    # A forger appends a decision that claims a delivery, with a self-consistent hash but
    # not linked to the real chain head.
    victim = next(r for r in read_all(settings, topics.audit) if r.partition == 0)
    decision = codec.decode(victim.value, AUDIT_DECISION)
    forged, _ = link(
        {**decision, "outcome": "DELIVERED", "reason_code": None},
        ChainHead(),
        canonical_audit_encoder(default_store()),
    )
    writer = producer(settings)
    placed = writer.send(topics.audit, codec.encode(AUDIT_DECISION, forged), partition=0).get(30)
    writer.close()

    tampered = _verify(env, topics)
    assert tampered.returncode == 1
    assert f"break at offset {placed.offset}: BROKEN_LINK" in tampered.stdout
    as_json = json.loads(_verify(env, topics, "--json").stdout)
    broken = next(p for p in as_json["partitions"] if p["partition"] == 0)["first_break"]
    assert (broken["offset"], broken["kind"]) == (placed.offset, "BROKEN_LINK")


def test_verify_without_a_public_key_refuses(kafka_broker: TestBroker, tmp_path: Path) -> None:
    settings = kafka_broker.admin_settings
    assert settings.sasl_password is not None
    env = {
        "PATH": "/usr/bin:/bin",
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
        "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
        "LOVHUB_STATE_DIR": str(tmp_path / "state"),
    }
    result = subprocess.run(
        [LOVHUB, "audit", "verify"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "public key" in (result.stdout + result.stderr)


def test_verify_fails_when_a_chained_topic_is_missing(
    kafka_broker: TestBroker, tmp_path: Path
) -> None:
    """Deleting a whole audit topic (and with it every record) is lost evidence: verify
    must fail, not report a clean run over what is left."""
    settings = kafka_broker.admin_settings
    assert settings.sasl_password is not None
    key = SigningKey.generate()
    public = tmp_path / "hub.key.pub"
    public.write_text(key.public_pem(), encoding="ascii")
    env = {
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "250",
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
        "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
        "LOVHUB_STATE_DIR": str(tmp_path / "state"),
        "LOVHUB_AUDIT_PUBLIC_KEY_FILE": str(public),
    }
    missing = f"test.{uuid.uuid4().hex[:8]}.gone-audit"
    result = subprocess.run(
        [LOVHUB, "audit", "verify", "--topic", missing, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["absent_topics"] == [missing]
