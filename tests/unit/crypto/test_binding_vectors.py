"""The record-binding vectors, recomputed from docs/envelope.md alone (HKDF and HMAC from
cryptography, the byte layout written out here), and checked against lovhub's verifier."""

from __future__ import annotations

import copy
import hashlib
import hmac as std_hmac
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lovhub.crypto.binding import verify
from tests.support.vector_files import unhex

PATH = Path(__file__).resolve().parents[2] / "vectors" / "record-binding-v1.json"
VECTORS: list[dict[str, Any]] = json.loads(PATH.read_text(encoding="utf-8"))["vectors"]


def _lp(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _s(text: str) -> bytes:
    return _lp(text.encode("utf-8"))


def _spec_field(field: dict[str, Any]) -> bytes:
    out = _s(field["path"])
    if field["encrypted"] is not None:
        return out + b"\x04" + _lp(field["encrypted"])
    value = field["value"]
    if value is None:
        return out + b"\x00"
    if isinstance(value, bool):
        return out + b"\x03" + bytes([value])
    if isinstance(value, int):
        return out + b"\x02" + struct.pack(">q", value)
    return out + b"\x01" + _s(value)


def spec_input(record: dict[str, Any], topic: str) -> bytes:
    key = record["data_key"]
    return b"".join(
        [
            _s("lovhub-record-binding-v1"),
            _s(topic),
            *(_s(record[name]) for name in ("recipient_id", "delivery_id", "decision_id")),
            _s(record["event_id"]),
            _s(record["event_type"]),
            struct.pack(">q", record["occurred_at"]),
            _s(record["jobseeker_pseudonym"]),
            struct.pack(">I", len(record["purposes"])),
            *(_s(p) for p in record["purposes"]),
            _s(record["legal_basis"]),
            _s(record["policy_version"]),
            bytes([record["redelivery"]]),
            struct.pack(">I", len(record["fields"])),
            *(_spec_field(f) for f in record["fields"]),
            *(_s(key[name]) for name in ("data_key_id", "key_id", "suite_id")),
            _lp(key["encapsulated_key"]),
            _lp(key["wrapped_key"]),
        ]
    )


def spec_key(data_key: bytes) -> bytes:
    hkdf = HKDF(hashes.SHA256(), 32, salt=None, info=b"lovhub-record-binding-v1")
    return hkdf.derive(data_key)


def _changed(record: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(record)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize("vector", VECTORS, ids=[v["label"] for v in VECTORS])
def test_the_spec_reproduces_key_input_and_tag(vector: dict[str, Any]) -> None:
    record = unhex(vector["record"])
    key = spec_key(bytes.fromhex(vector["data_key_hex"]))
    assert key.hex() == vector["binding_key_hex"]
    message = spec_input(record, vector["topic"])
    assert message.hex() == vector["mac_input_hex"]
    tag = std_hmac.new(key, message, hashlib.sha256).digest()
    assert tag.hex() == vector["binding_hex"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["label"] for v in VECTORS])
def test_every_tampering_changes_the_input_and_fails_the_tag(vector: dict[str, Any]) -> None:
    record = unhex(vector["record"])
    key = bytes.fromhex(vector["binding_key_hex"])
    tag = bytes.fromhex(vector["binding_hex"])
    assert verify(key, {**record, "binding": tag}, vector["topic"])
    for tampering in vector["tampered"]:
        topic = tampering.get("topic", vector["topic"])
        changed = (
            _changed(record, tampering["path"], tampering["value"])
            if "path" in tampering
            else record
        )
        message = spec_input(changed, topic)
        assert message.hex() == tampering["mac_input_hex"], tampering["label"]
        assert message.hex() != vector["mac_input_hex"], tampering["label"]
        assert not verify(key, {**changed, "binding": tag}, topic), tampering["label"]
