"""The Avro specification's Parsing Canonical Form and CRC-64-AVRO fingerprint, written
out from the spec ("Parsing Canonical Form for Schemas", "Schema Fingerprints") for tests
that must not trust fastavro or lovhub.codec to compute the single-object header.

Only what lovhub's schemas use: records, enums, fixed, arrays, maps, unions, primitives,
logical types (stripped, as every attribute but name, type, fields, symbols, items, values
and size is).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["SINGLE_OBJECT_MAGIC", "canonical_form", "crc64_avro", "single_object_header"]

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_EMPTY = 0xC15D213AA4D7A795


def _table() -> list[int]:
    table = []
    for byte in range(256):
        fp = byte
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _table()


def crc64_avro(data: bytes) -> int:
    """The spec's ``fingerprint64``: a 64-bit number (not yet bytes)."""
    fp = _EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp


def _fullname(name: str, namespace: str) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # [STRINGS]: no escapes for non-ASCII


def canonical_form(schema: Any, namespace: str = "") -> str:
    """[PRIMITIVES], [FULLNAMES], [STRIP], [ORDER], [STRINGS], [INTEGERS], [WHITESPACE]."""
    if isinstance(schema, str):
        return _text(schema if schema in _PRIMITIVES else _fullname(schema, namespace))
    if isinstance(schema, list):
        return "[" + ",".join(canonical_form(branch, namespace) for branch in schema) + "]"
    kind = schema["type"]
    if not isinstance(kind, str):  # {"type": {...}} or {"type": [...]}
        return canonical_form(kind, namespace)
    if kind in _PRIMITIVES:  # e.g. {"type": "long", "logicalType": "timestamp-millis"}
        return _text(kind)
    if kind == "array":
        return '{"type":"array","items":' + canonical_form(schema["items"], namespace) + "}"
    if kind == "map":
        return '{"type":"map","values":' + canonical_form(schema["values"], namespace) + "}"
    name = _fullname(schema["name"], schema.get("namespace", namespace))
    inner = name.rpartition(".")[0]
    parts = [f'"name":{_text(name)}', f'"type":{_text(kind)}']
    if kind == "record":
        fields = ",".join(
            f'{{"name":{_text(f["name"])},"type":{canonical_form(f["type"], inner)}}}'
            for f in schema["fields"]
        )
        parts.append(f'"fields":[{fields}]')
    elif kind == "enum":
        parts.append('"symbols":[' + ",".join(_text(s) for s in schema["symbols"]) + "]")
    elif kind == "fixed":
        parts.append(f'"size":{int(schema["size"])}')
    else:
        raise ValueError(f"not an Avro type: {kind!r}")
    return "{" + ",".join(parts) + "}"


def single_object_header(schema: Any) -> bytes:
    """``C3 01`` then the fingerprint of the canonical form, little-endian (8 bytes)."""
    fingerprint = crc64_avro(canonical_form(schema).encode("utf-8"))
    return SINGLE_OBJECT_MAGIC + fingerprint.to_bytes(8, "little")
