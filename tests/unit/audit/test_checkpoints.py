"""Checkpoints: signed over all their fields, verifiable with the public key alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from lovhub.audit.chain import ChainHead
from lovhub.audit.checkpoints import (
    CheckpointCadence,
    CheckpointSchedule,
    signature_valid,
)
from lovhub.audit.signing import (
    SigningKey,
    load_signing_key,
    load_verifying_keys,
    write_signing_key,
)
from lovhub.errors import ConfigurationError
from tests.unit.audit.chains import ENCODE_CHECKPOINT, FORGER_KEY, HUB_KEY, chain, checkpoint_at


def test_a_checkpoint_verifies_with_the_hub_key_only() -> None:
    cp = checkpoint_at(chain(5), 4)
    assert cp["count"] == 5
    assert cp["key_id"] == HUB_KEY.key_id
    assert signature_valid(cp, HUB_KEY.verifying_keys(), ENCODE_CHECKPOINT)
    assert not signature_valid(cp, FORGER_KEY.verifying_keys(), ENCODE_CHECKPOINT)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("offset", 3),
        ("count", 4),
        ("chain_head", bytes(32)),
        ("partition", 1),
        ("audit_topic", "other"),
        ("key_id", FORGER_KEY.key_id),
        ("checkpoint_id", "x"),
    ],
)
def test_every_field_is_covered_by_the_signature(field: str, value: object) -> None:
    cp = {**checkpoint_at(chain(5), 4), field: value}
    keys = HUB_KEY.verifying_keys()
    assert not signature_valid(cp, keys, ENCODE_CHECKPOINT)


def test_a_foreign_key_with_a_borrowed_key_id_does_not_verify() -> None:
    forged = checkpoint_at(chain(3), 2, key=FORGER_KEY)
    forged = {**forged, "key_id": HUB_KEY.key_id}
    assert not signature_valid(forged, HUB_KEY.verifying_keys(), ENCODE_CHECKPOINT)


def test_checkpoint_ids_are_deterministic() -> None:
    records = chain(4)
    assert checkpoint_at(records, 3)["checkpoint_id"] == checkpoint_at(records, 3)["checkpoint_id"]
    assert checkpoint_at(records, 3)["checkpoint_id"] != checkpoint_at(records, 2)["checkpoint_id"]


def test_key_files_round_trip(tmp_path: Path) -> None:
    private, public = tmp_path / "hub.key", tmp_path / "hub.key.pub"
    key = write_signing_key(private, public)
    assert private.stat().st_mode & 0o777 == 0o600
    assert load_signing_key(private).key_id == key.key_id
    other = SigningKey.generate()
    public.write_text(public.read_text() + other.public_pem())  # a rotation: both published
    keys = load_verifying_keys(public)
    assert set(keys.keys) == {key.key_id, other.key_id}


def test_missing_or_wrong_key_files_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        load_signing_key(tmp_path / "absent.key")
    (tmp_path / "empty.pub").write_text("nothing here")
    with pytest.raises(ConfigurationError):
        load_verifying_keys(tmp_path / "empty.pub")


def test_schedule_is_due_by_count_or_by_age() -> None:
    schedule = CheckpointSchedule(CheckpointCadence(every_records=10, every_seconds=5.0))
    chain_id = ("audit", 0)
    schedule.note(chain_id, 4, ChainHead(b"a" * 32, 5), 5, now=100.0)
    assert schedule.due(101.0) == []
    schedule.note(chain_id, 9, ChainHead(b"b" * 32, 10), 5, now=101.0)
    assert schedule.due(101.0) == [(chain_id, 9, ChainHead(b"b" * 32, 10))]
    schedule.done(chain_id, 9)
    assert schedule.due(1000.0) == []
    schedule.note(chain_id, 10, ChainHead(b"c" * 32, 11), 1, now=200.0)
    assert schedule.due(204.0) == []
    assert schedule.due(205.0) == [(chain_id, 10, ChainHead(b"c" * 32, 11))]
    assert schedule.due(201.0, all_pending=True) != []


def test_done_keeps_records_noted_after_the_checkpoint() -> None:
    schedule = CheckpointSchedule(CheckpointCadence(every_records=1))
    schedule.note(("audit", 0), 5, ChainHead(), 1, now=0.0)
    due = schedule.due(0.0)
    schedule.note(("audit", 0), 6, ChainHead(), 1, now=0.0)
    schedule.done(("audit", 0), due[0][1])
    assert len(schedule) == 1
