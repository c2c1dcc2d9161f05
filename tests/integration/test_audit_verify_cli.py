"""`lovhub audit verify` passes a clean audit topic and names the first forged record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.audit import ChainHead, link
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.codec import AUDIT_DECISION, codec_for, default_store
from lovhub.kafka import producer
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    lovhub_env,
    read_all,
    run_worker_until_idle,
    start_run,
)

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def _verify(env: dict[str, str], topic: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LOVHUB, "audit", "verify", "--topic", topic],
        env={**env, "COLUMNS": "200"},
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
    run_worker_until_idle(settings, world, topics, tmp_path / "state", f"test-{topics.run}")

    env = lovhub_env(settings, world, tmp_path)
    clean = _verify(env, topics.audit)
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

    tampered = _verify(env, topics.audit)
    assert tampered.returncode == 1
    assert f"break at offset {placed.offset}: BROKEN_LINK" in tampered.stdout
