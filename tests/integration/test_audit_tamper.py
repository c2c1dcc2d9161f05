"""Tampering with an audit chain or its checkpoints, on the real broker: `lovhub audit verify`
finds each kind at the right offset; the untouched log and a faithful copy verify clean.

An attacker with admin rights on the cluster rewrites a partition by deleting the topic and
producing an altered copy; here every altered copy goes to a new topic and is verified with
``--copy-of`` against the original's checkpoints (the same check, without deleting topics).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient

from lovhub.audit import ChainHead, link
from lovhub.audit.canonical import canonical_audit_encoder, canonical_encoder
from lovhub.audit.checkpoints import build_checkpoint
from lovhub.audit.signing import SigningKey, load_signing_key, write_signing_key
from lovhub.audit.writer import ChainedRecordWriter
from lovhub.codec import AUDIT_CHECKPOINT, AUDIT_DECISION, codec_for, default_store
from lovhub.codec.examples import audit_decision
from lovhub.kafka import admin_client
from lovhub.kafka.aio import aio_client_config
from lovhub.settings import KafkaSettings
from tests.support.broker import TestBroker
from tests.support.hubrun import produce_all, read_all

LOVHUB = str(Path(sys.executable).parent / "lovhub")
RECORDS, APPEND, EVERY = 40, 4, 8  # checkpoints at offsets 7, 15, 23, 31, 39
CODEC = codec_for(None)
ENCODE = canonical_audit_encoder(default_store())
ENCODE_CHECKPOINT = canonical_encoder(default_store(), AUDIT_CHECKPOINT)


class Evidence:
    """The original chain, its checkpoints, and a verifier for altered copies."""

    def __init__(self, settings: KafkaSettings, admin: KafkaAdminClient, tmp_path: Path) -> None:
        self.settings, self.admin = settings, admin
        run = uuid.uuid4().hex[:8]
        self.audit, self.checkpoints = f"test.{run}.tamper-audit", f"test.{run}.tamper-cp"
        self._create(self.audit, self.checkpoints)
        self.private, self.public = tmp_path / "hub.key", tmp_path / "hub.key.pub"
        self.key = write_signing_key(self.private, self.public)
        asyncio.run(self._write_chain())
        self.values = [r.value for r in sorted(read_all(settings, self.audit), key=_offset)]
        self.checkpoint_values = [
            r.value for r in sorted(read_all(settings, self.checkpoints), key=_offset)
        ]
        assert settings.sasl_password is not None
        self.env = {
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "250",
            "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
            "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
            "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
            "LOVHUB_STATE_DIR": str(tmp_path / "state"),
            "LOVHUB_AUDIT_PUBLIC_KEY_FILE": str(self.public),
        }

    def _create(self, *names: str) -> None:
        self.admin.create_topics(
            {name: {"num_partitions": 1, "replication_factor": 1} for name in names},
            wait_for_metadata=True,
        )

    async def _write_chain(self) -> None:
        rng = random.Random(7)
        writer = ChainedRecordWriter(
            client_config=aio_client_config(self.settings),
            topic=self.audit,
            codec=CODEC,
            store=default_store(),
            signing_key=load_signing_key(self.private),
            checkpoint_topic=self.checkpoints,
            checkpoint_every=EVERY,
        )
        async with writer:
            for _ in range(RECORDS // APPEND):
                await writer.append([audit_decision(rng) for _ in range(APPEND)])
        assert writer.checkpoints_written == RECORDS // EVERY

    def decisions(self) -> list[dict[str, Any]]:
        return [CODEC.decode(v, AUDIT_DECISION) for v in self.values]

    def copy(self, values: list[bytes], checkpoints: list[bytes] | None = None) -> dict[str, Any]:
        """Write ``values`` (and ``checkpoints``) to new topics; verify as copies."""
        topic = f"{self.audit}.copy-{uuid.uuid4().hex[:6]}"
        checkpoint_topic = self.checkpoints
        if checkpoints is not None:
            checkpoint_topic = f"{self.checkpoints}.copy-{uuid.uuid4().hex[:6]}"
            self._create(checkpoint_topic)
            produce_all(self.settings, checkpoint_topic, [(None, v) for v in checkpoints])
        self._create(topic)
        produce_all(self.settings, topic, [(None, v) for v in values])
        return self.verify(topic, "--copy-of", self.audit, "--checkpoint-topic", checkpoint_topic)

    def verify(self, topic: str, *extra: str) -> dict[str, Any]:
        result = subprocess.run(
            [LOVHUB, "audit", "verify", "--topic", topic, "--json", *extra],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        report: dict[str, Any] = json.loads(result.stdout)
        assert result.returncode == (0 if report["ok"] else 1), result.stderr
        return report

    def signed(self, offset: int, head: ChainHead, key: SigningKey) -> bytes:
        checkpoint = build_checkpoint(
            audit_topic=self.audit,
            partition=0,
            offset=offset,
            head=head,
            signed_at=dt.datetime.now(dt.UTC),
            key=key,
            encode=ENCODE_CHECKPOINT,
        )
        return CODEC.encode(AUDIT_CHECKPOINT, checkpoint)

    def head_at(self, offset: int) -> ChainHead:
        decision = self.decisions()[offset]
        return ChainHead(bytes(decision["hash"]), int(decision["sequence"]) + 1)


def _offset(record: Any) -> int:
    return int(record.offset)


def _first_break(report: dict[str, Any]) -> tuple[int, str] | None:
    (partition,) = report["partitions"]
    broken = partition["first_break"]
    return None if broken is None else (broken["offset"], broken["kind"])


@pytest.fixture(scope="module")
def evidence(
    kafka_broker: TestBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Evidence]:
    admin = admin_client(kafka_broker.admin_settings)
    try:
        yield Evidence(kafka_broker.admin_settings, admin, tmp_path_factory.mktemp("tamper"))
    finally:
        admin.close()


def test_the_untouched_log_and_a_faithful_copy_verify_clean(evidence: Evidence) -> None:
    report = evidence.verify(evidence.audit, "--checkpoint-topic", evidence.checkpoints)
    assert report["ok"], report
    (partition,) = report["partitions"]
    assert (partition["records_verified"], partition["checkpoints_checked"]) == (RECORDS, 5)
    assert evidence.copy(evidence.values)["ok"]


def _one_byte_changed(values: list[bytes], index: int, decision_id: str) -> list[bytes]:
    """Change one byte inside the decision id of one record, leaving the encoding valid."""
    value = values[index]
    at = value.index(decision_id.encode())
    changed = b"0" if value[at : at + 1] != b"0" else b"1"
    return [*values[:index], value[:at] + changed + value[at + 1 :], *values[index + 1 :]]


def _forged_linked(evidence: Evidence, index: int) -> bytes:
    """A well-formed decision linked onto the real chain head at ``index``."""
    head = evidence.head_at(index - 1)
    forged, _ = link(
        {**evidence.decisions()[index], "decision_id": str(uuid.uuid4()), "outcome": "DELIVERED"},
        head,
        ENCODE,
    )
    return CODEC.encode(AUDIT_DECISION, forged)


TAMPERINGS: dict[str, tuple[Callable[[Evidence], list[bytes]], tuple[int, str]]] = {
    "one byte of one decision": (
        lambda e: _one_byte_changed(e.values, 13, e.decisions()[13]["decision_id"]),
        (13, "MODIFIED"),
    ),
    "record dropped": (lambda e: e.values[:13] + e.values[14:], (13, "BROKEN_LINK")),
    "two records swapped": (
        lambda e: [*e.values[:20], e.values[21], e.values[20], *e.values[22:]],
        (20, "BROKEN_LINK"),
    ),
    "forged record inserted between checkpoints": (
        lambda e: [*e.values[:10], _forged_linked(e, 10), *e.values[10:]],
        (11, "BROKEN_LINK"),
    ),
    "forged record inserted at a checkpointed offset": (
        lambda e: [*e.values[:15], _forged_linked(e, 15), *e.values[15:]],
        (15, "CHECKPOINT_MISMATCH"),
    ),
    "tail truncated past a checkpoint": (lambda e: e.values[:30], (30, "TRUNCATED")),
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_each_tampering_of_the_records_is_found_at_its_offset(
    evidence: Evidence, name: str
) -> None:
    tamper, expected = TAMPERINGS[name]
    report = evidence.copy(tamper(evidence))
    assert not report["ok"]
    assert _first_break(report) == expected, report


def test_a_checkpoint_signed_by_another_key_is_forged(evidence: Evidence) -> None:
    forger = SigningKey.generate()
    extra = evidence.signed(20, evidence.head_at(20), forger)
    report = evidence.copy(evidence.values, [*evidence.checkpoint_values, extra])
    assert _first_break(report) == (20, "CHECKPOINT_FORGED")
    assert "unknown signing key" in report["partitions"][0]["first_break"]["detail"]


def test_a_checkpoint_with_an_edited_head_is_forged(evidence: Evidence) -> None:
    checkpoints = [CODEC.decode(v, AUDIT_CHECKPOINT) for v in evidence.checkpoint_values]
    edited = {**checkpoints[1], "chain_head": bytes(evidence.decisions()[14]["hash"])}
    values = [*evidence.checkpoint_values]
    values[1] = CODEC.encode(AUDIT_CHECKPOINT, edited)
    report = evidence.copy(evidence.values, values)
    assert _first_break(report) == (int(edited["offset"]), "CHECKPOINT_FORGED")
    assert report["partitions"][0]["first_break"]["detail"] == "bad signature"


def test_a_validly_signed_checkpoint_with_a_wrong_head_is_a_mismatch(evidence: Evidence) -> None:
    hub_key = load_signing_key(evidence.private)
    wrong = evidence.signed(20, evidence.head_at(19), hub_key)
    report = evidence.copy(evidence.values, [*evidence.checkpoint_values, wrong])
    assert _first_break(report) == (20, "CHECKPOINT_MISMATCH")


def test_a_range_starts_from_the_checkpoint_before_it(evidence: Evidence) -> None:
    """--from: verification starts after the last signed checkpoint before that time."""
    records = sorted(read_all(evidence.settings, evidence.audit), key=_offset)
    moment = dt.datetime.fromtimestamp(records[20].timestamp / 1000, dt.UTC).isoformat()
    report = evidence.verify(
        evidence.audit, "--checkpoint-topic", evidence.checkpoints, "--from", moment
    )
    (partition,) = report["partitions"]
    assert report["ok"]
    assert partition["start_offset"] <= 20
    assert partition["started_from_checkpoint"] is not None
    assert partition["records_verified"] == RECORDS - partition["start_offset"]


def test_a_range_ends_at_to_and_ignores_checkpoints_beyond_it(evidence: Evidence) -> None:
    """--to: records after it, and checkpoints covering them, are outside the range; a
    truncation beyond the range is found only by a run that reaches it."""
    records = sorted(read_all(evidence.settings, evidence.audit), key=_offset)
    moment = dt.datetime.fromtimestamp(records[20].timestamp / 1000, dt.UTC).isoformat()
    report = evidence.verify(
        evidence.audit, "--checkpoint-topic", evidence.checkpoints, "--to", moment
    )
    (partition,) = report["partitions"]
    assert report["ok"]
    assert 21 <= partition["records_verified"] < RECORDS
    covered = [o for o in (7, 15, 23, 31, 39) if o < partition["records_verified"]]
    assert partition["checkpoints_checked"] == len(covered)
