"""`lovhub audit verify` passes a clean audit topic and names the first forged record."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.audit import ChainHead, link
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.codec import AUDIT_DECISION, codec_for, default_store
from lovhub.kafka import producer
from lovhub.synthetic import build_world, generate_scenario
from tests.support.broker import TestBroker
from tests.support.hubrun import HubTopics, produce_all, read_all, run_worker_until_idle

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def _verify(settings, topic: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
        "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [LOVHUB, "audit", "verify", "--topic", topic],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_verify_clean_then_forged(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    settings = kafka_broker.admin_settings
    codec = codec_for(None)
    scenario = generate_scenario(world, codec, jobseekers=30, seed=5)
    produce_all(settings, topics.source, scenario.records)
    run_worker_until_idle(settings, world, topics, tmp_path / "state", f"test-{topics.run}")

    clean = _verify(settings, topics.audit)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "break" not in clean.stdout

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

    tampered = _verify(settings, topics.audit)
    assert tampered.returncode == 1
    assert f"break at offset {placed.offset}: BROKEN_LINK" in tampered.stdout
