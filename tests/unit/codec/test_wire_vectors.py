"""tests/vectors/wire-v1.json: whole records on the wire, checked without lovhub's codec.

Headers are recomputed from the published .avsc files with the Avro spec's canonical form
and CRC-64-AVRO written out in tests/support/avro_spec.py (itself checked against the Avro
project's published test values); bodies are decoded with plain fastavro and the .avsc;
bindings and encrypted fields are checked from docs/envelope.md alone. Then lovhub's own
client must open the same bytes to the same values, and regenerating gives the same file.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import io
import json
import struct
import sys
from pathlib import Path
from typing import Any

import fastavro
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lovhub.client import DeliveryOpener, OpenedDelivery
from lovhub.client.deliveries import RecordPosition
from lovhub.codec import PROVIDER_REPORT, codec_for, validate_provider_report
from lovhub.crypto import RecipientPrivateKey, parse_public_key, suite_by_id
from tests.support.avro_spec import canonical_form, crc64_avro, single_object_header
from tests.support.vector_files import unhex
from tests.unit.crypto.test_binding_vectors import spec_input, spec_key

ROOT = Path(__file__).resolve().parents[3]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "wire-v1.json").read_text(encoding="utf-8"))
ENVELOPES = json.loads((ROOT / "tests" / "vectors" / "envelope-v1.json").read_text("utf-8"))
SCHEMA_FILES = sorted((ROOT / "schemas").glob("*/*.avsc"))
RECORDS = VECTORS["records"]
REPORTS = VECTORS["reports"]


def _file_of(schema_ref: str) -> Path:
    name, version = schema_ref.split("@")
    area, short = name.split(".")[2:]
    return ROOT / "schemas" / area / f"{short}.v{version}.avsc"


def _without_logical_types(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_without_logical_types(item) for item in schema]
    if isinstance(schema, dict):
        return {k: _without_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    return schema


def _plain_read(schema_ref: str, body: bytes) -> Any:
    raw = json.loads(_file_of(schema_ref).read_text(encoding="utf-8"))
    parsed = fastavro.parse_schema(_without_logical_types(raw))
    stream = io.BytesIO(body)
    record = fastavro.schemaless_reader(
        stream, parsed, None, return_record_name=True, return_record_name_override=True
    )
    assert stream.read() == b"", "trailing bytes after the record"
    return record


def _as_json(value: Any) -> Any:
    """The vectors' JSON conventions: bytes as {"hex"}, a union of records as {name: value}."""
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, tuple):
        return {value[0]: _as_json(value[1])}
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value


# --- the spec helpers themselves, against the Avro project's published values ---------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        # apache/avro share/test/data/schema-tests.txt (signed 64-bit there).
        ("int", 8247732601305521295),
        ("null", 7195948357588979594),
        ({"fields": [], "type": "record", "name": "foo"}, -4824392279771201922 % 2**64),
        # Logical types are stripped: a timestamp fingerprints as its "long".
        ({"type": "long", "logicalType": "timestamp-millis"}, -3434872931120570953 % 2**64),
    ],
)
def test_the_spec_helpers_give_the_avro_projects_fingerprints(schema: Any, expected: int) -> None:
    assert crc64_avro(canonical_form(schema).encode()) == expected


def test_the_header_is_little_endian() -> None:
    # apache/avro's Ruby test of the single-object header of "int": 0x7275d51a3f395c8f.
    assert single_object_header("int").hex() == "c3018f5c393f1ad57572"


# --- schemas ---------------------------------------------------------------------------------


def test_every_published_schema_has_a_vector() -> None:
    files = {str(path.relative_to(ROOT)) for path in SCHEMA_FILES}
    assert {entry["file"] for entry in VECTORS["schemas"]} == files


@pytest.mark.parametrize("entry", VECTORS["schemas"], ids=lambda entry: entry["schema"])
def test_schema_vectors_follow_the_spec(entry: dict[str, Any]) -> None:
    raw = json.loads((ROOT / entry["file"]).read_text(encoding="utf-8"))
    assert _file_of(entry["schema"]) == ROOT / entry["file"]
    form = canonical_form(raw)
    assert entry["canonical_form"] == form
    assert "logicalType" not in form
    assert entry["crc64_avro"] == f"0x{crc64_avro(form.encode()):016x}"
    assert entry["header_hex"] == single_object_header(raw).hex()


# --- records ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", RECORDS + REPORTS, ids=lambda v: v["label"])
def test_records_decode_with_plain_fastavro_and_the_published_schema(
    vector: dict[str, Any],
) -> None:
    value = bytes.fromhex(vector["value_hex"])
    raw = json.loads(_file_of(vector["schema"]).read_text(encoding="utf-8"))
    assert value[:10] == single_object_header(raw)
    decoded = _plain_read(vector["schema"], value[10:])
    assert _as_json(decoded) == vector["decoded"]
    # The key is the recipient's pseudonym for the jobseeker, as UTF-8 (not Avro).
    assert bytes.fromhex(vector["key_hex"]) == decoded["jobseeker_pseudonym"].encode("utf-8")


def _lp(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def _spec_value(plaintext: bytes) -> Any:
    """docs/envelope.md, "Value encoding"."""
    tag, rest = plaintext[0], plaintext[1:]
    if tag == 0x00 and not rest:
        return None
    if tag == 0x01 and rest in (b"\x00", b"\x01"):
        return rest == b"\x01"
    if tag == 0x02 and len(rest) == 8:
        return struct.unpack(">q", rest)[0]
    if tag == 0x03:
        return rest.decode("utf-8")
    raise AssertionError(f"unexpected value tag {tag}")


def _envelope_vector(vector: dict[str, Any]) -> dict[str, Any]:
    label = vector["opens_with"]["record"]
    found: dict[str, Any] = next(r for r in ENVELOPES["records"] if r["label"] == label)
    return found


@pytest.mark.parametrize("vector", RECORDS, ids=lambda v: v["label"])
def test_records_verify_and_open_by_the_spec(vector: dict[str, Any]) -> None:
    record = unhex(vector["decoded"])
    source = _envelope_vector(vector)
    wrapped = source["wrapped_key"]
    # The data key is the envelope vector's: its HPKE unwrap is checked in test_vectors.py.
    assert record["data_key"] == {
        "data_key_id": wrapped["data_key_id"],
        "key_id": wrapped["key_id"],
        "suite_id": wrapped["suite_id"],
        "encapsulated_key": bytes.fromhex(wrapped["encapsulated_key_hex"]),
        "wrapped_key": bytes.fromhex(wrapped["wrapped_key_hex"]),
    }
    assert record["recipient_id"] == source["recipient_id"]
    data_key = bytes.fromhex(source["data_key_hex"])
    topic = vector["topic"]
    message = spec_input(record, topic)
    tag = hmac.new(spec_key(data_key), message, hashlib.sha256).digest()
    assert tag == record["binding"]
    suite_byte = {"x25519-hkdf256-aes256gcm": 1, "mlkem768x25519-hkdf256-aes256gcm": 2}[
        wrapped["suite_id"]
    ]
    head = bytes((0x01, suite_byte)) + bytes.fromhex(wrapped["data_key_id"])
    opened = {}
    for field in record["fields"]:
        envelope = field["encrypted"]
        if envelope is None:
            opened[field["path"]] = field["value"]
            continue
        assert field["value"] is None
        assert envelope[:18] == head
        aad = head + b"".join(
            _lp(part)
            for part in (record["recipient_id"], wrapped["key_id"], topic, record["event_id"])
        )
        aad += _lp(field["path"])
        plaintext = AESGCM(data_key).decrypt(envelope[18:30], envelope[30:], aad)
        opened[field["path"]] = _spec_value(plaintext)
    assert opened == vector["opened_fields"]


def _private_keys() -> dict[str, RecipientPrivateKey]:
    keys = {}
    for entry in ENVELOPES["keys"]:
        suite = suite_by_id(entry["suite_id"])
        assert suite is not None
        public = parse_public_key(entry["public_key_text"])
        keys[entry["key_id"]] = RecipientPrivateKey(
            entry["key_id"], suite, bytes.fromhex(entry["private_key_hex"]),
            public.valid_from, public.valid_to,
        )  # fmt: skip
    return keys


@pytest.mark.parametrize("vector", RECORDS, ids=lambda v: v["label"])
def test_lovhubs_client_opens_the_records_to_the_same_values(vector: dict[str, Any]) -> None:
    recipient = vector["decoded"]["recipient_id"]
    opener = DeliveryOpener(recipient, _private_keys(), codec_for(None))
    result = opener.open(bytes.fromhex(vector["value_hex"]), RecordPosition(vector["topic"], 0, 0))
    assert isinstance(result, OpenedDelivery), result
    assert result.to_json()["fields"] == vector["opened_fields"]
    # On another topic the same bytes do not open: the topic is bound.
    moved = opener.open(bytes.fromhex(vector["value_hex"]), RecordPosition("lov.other.v1", 0, 1))
    assert not isinstance(moved, OpenedDelivery)


@pytest.mark.parametrize("vector", REPORTS, ids=lambda v: v["label"])
def test_the_report_vector_is_a_valid_report_for_the_hub(vector: dict[str, Any]) -> None:
    report = codec_for(None).decode(bytes.fromhex(vector["value_hex"]), PROVIDER_REPORT)
    validate_provider_report(report)
    assert vector["topic"] == f"lov.provider.{report['provider_id']}.reports.v1"


def test_regenerating_gives_the_committed_file() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_wire_vectors", ROOT / "scripts" / "make_wire_vectors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert json.loads(json.dumps(module.vectors(), ensure_ascii=False)) == VECTORS, (
        "tests/vectors/wire-v1.json is out of date: run scripts/make_wire_vectors.py"
    )
