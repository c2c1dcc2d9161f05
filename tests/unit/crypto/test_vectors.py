"""The committed test vectors decrypt, both with lovhub and with the spec alone.

``test_spec_*`` re-derive every step from docs/envelope.md with nothing but HPKE and AES-GCM
from cryptography, so a change to the implementation that breaks the documented format (or
vectors that no longer match the spec) fails here.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lovhub.crypto import (
    CryptoError,
    MissingKeyError,
    RecipientPrivateKey,
    RecordDecryptor,
    Value,
    WrappedDataKey,
    open_for_operators,
    parse_public_key,
    private_key_from_text,
    suite_by_id,
)

VECTORS_PATH = Path(__file__).resolve().parents[2] / "vectors" / "envelope-v1.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
RECORDS = {record["label"]: record for record in VECTORS["records"]}


def _private_key(entry: dict[str, Any]) -> RecipientPrivateKey:
    suite = suite_by_id(entry["suite_id"])
    assert suite is not None
    public = parse_public_key(entry["public_key_text"])
    return RecipientPrivateKey(
        entry["key_id"],
        suite,
        bytes.fromhex(entry["private_key_hex"]),
        public.valid_from,
        public.valid_to,
    )


KEYS = {entry["key_id"]: _private_key(entry) for entry in VECTORS["keys"]}


def _wrapped(entry: dict[str, str]) -> WrappedDataKey:
    return WrappedDataKey(
        entry["data_key_id"],
        entry["key_id"],
        entry["suite_id"],
        bytes.fromhex(entry["encapsulated_key_hex"]),
        bytes.fromhex(entry["wrapped_key_hex"]),
    )


def _expected(typed: dict[str, Any]) -> Value:
    return None if typed["type"] == "null" else typed["value"]


def test_vectors_cover_both_suites_and_all_value_types() -> None:
    assert {record["wrapped_key"]["suite_id"] for record in VECTORS["records"]} == {
        "x25519-hkdf256-aes256gcm",
        "mlkem768x25519-hkdf256-aes256gcm",
    }
    types = {field["value"]["type"] for r in VECTORS["records"] for field in r["fields"]}
    assert types == {"null", "boolean", "long", "string", "string_list"}
    assert len(VECTORS["invalid"]) >= 10


@pytest.mark.parametrize("label", sorted(RECORDS))
def test_lovhub_decrypts_the_vectors(label: str) -> None:
    record = RECORDS[label]
    decryptor = RecordDecryptor(record["recipient_id"], KEYS)
    wrapped = _wrapped(record["wrapped_key"])
    for field in record["fields"]:
        value = decryptor.open_field(
            wrapped,
            bytes.fromhex(field["envelope_hex"]),
            topic=record["topic"],
            event_id=record["event_id"],
            path=field["path"],
        )
        expected = _expected(field["value"])
        assert value == expected
        assert type(value) is type(expected)


def _lp(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">I", len(data)) + data


_SPEC_SUITES = {
    "x25519-hkdf256-aes256gcm": (0x01, hpke.KEM.X25519, 32),
    "mlkem768x25519-hkdf256-aes256gcm": (0x02, hpke.KEM.MLKEM768_X25519, 1120),
}


@pytest.mark.parametrize("label", sorted(RECORDS))
def test_spec_steps_reproduce_the_vectors(label: str) -> None:
    record = RECORDS[label]
    wrapped = record["wrapped_key"]
    number, kem, nenc = _SPEC_SUITES[wrapped["suite_id"]]
    data_key_id = bytes.fromhex(wrapped["data_key_id"])
    info = (
        _lp("lovhub-data-key-v1")
        + _lp(wrapped["suite_id"])
        + _lp(record["recipient_id"])
        + _lp(wrapped["key_id"])
        + data_key_id
    )
    assert info.hex() == record["hpke_info_hex"]
    enc = bytes.fromhex(wrapped["encapsulated_key_hex"])
    assert len(enc) == nenc
    suite = hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    private = KEYS[wrapped["key_id"]].hpke_key()
    data_key = suite.decrypt(enc + bytes.fromhex(wrapped["wrapped_key_hex"]), private, info=info)
    assert data_key.hex() == record["data_key_hex"]
    for field in record["fields"]:
        envelope = bytes.fromhex(field["envelope_hex"])
        assert envelope[:18] == bytes((0x01, number)) + data_key_id
        aad = (
            bytes((0x01, number))
            + data_key_id
            + b"".join(
                _lp(part)
                for part in (
                    record["recipient_id"],
                    wrapped["key_id"],
                    record["topic"],
                    record["event_id"],
                    field["path"],
                )
            )
        )
        assert aad.hex() == field["aad_hex"]
        plaintext = AESGCM(data_key).decrypt(envelope[18:30], envelope[30:], aad)
        assert plaintext.hex() == field["plaintext_hex"]


@pytest.mark.parametrize(
    "case", VECTORS["invalid"], ids=lambda case: f"{case['record']}:{case['label']}"
)
def test_invalid_vectors_fail(case: dict[str, Any]) -> None:
    record = RECORDS[case["record"]]
    field = record["fields"][case["field_index"]]
    keys = {k: KEYS[k] for k in case.get("private_keys", KEYS)}
    decryptor = RecordDecryptor(case.get("recipient_id", record["recipient_id"]), keys)
    wrapped = _wrapped(case.get("wrapped_key", record["wrapped_key"]))
    expected_error = MissingKeyError if case.get("expect") == "KEY_MISSING" else CryptoError
    with pytest.raises(expected_error) as raised:
        decryptor.open_field(
            wrapped,
            bytes.fromhex(case.get("envelope_hex", field["envelope_hex"])),
            topic=case.get("topic", record["topic"]),
            event_id=case.get("event_id", record["event_id"]),
            path=case.get("path", field["path"]),
        )
    assert raised.value.code == case.get("expect", "DECRYPTION_FAILED")


@pytest.mark.parametrize("entry", VECTORS["keys"], ids=lambda entry: entry["key_id"])
def test_vector_key_files_load(entry: dict[str, Any]) -> None:
    key = KEYS[entry["key_id"]]
    assert private_key_from_text(entry["private_key_file"]) == key
    passphrase = VECTORS["passphrase_of_protected_key_files"]
    assert private_key_from_text(entry["private_key_file_protected"], passphrase) == key
    assert key.public_key().public_bytes.hex() == entry["public_key_hex"]


def test_operator_vector_opens() -> None:
    (case,) = VECTORS["operator"]
    key = _private_key(case["key"])
    opened = open_for_operators(
        case["key_id"],
        bytes.fromhex(case["sealed_hex"]),
        dead_letter_id=case["dead_letter_id"],
        private_key=key,
    )
    assert opened.hex() == case["payload_hex"]
