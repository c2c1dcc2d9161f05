"""Avro single-object encoding: ``C3 01`` + 8-byte little-endian CRC-64-AVRO fingerprint of
the writer schema's parsing canonical form + Avro binary body.

Needs no registry: the fingerprint names the writer schema, which must be in the store.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from lovhub.codec._avro import DEFAULT_MAX_RECORD_BYTES, check_size, read_body, write_body
from lovhub.codec.errors import MalformedRecordError, SchemaNotKnownYetError
from lovhub.codec.store import SchemaStore, StoredSchema

__all__ = [
    "HEADER_SIZE",
    "MAGIC",
    "SingleObjectCodec",
    "decode",
    "encode",
    "writer_fingerprint",
]

MAGIC = b"\xc3\x01"
HEADER_SIZE = len(MAGIC) + 8


def encode(
    schema: StoredSchema,
    record: Mapping[str, Any],
    *,
    strict: bool = True,
    logical_types: bool = True,
) -> bytes:
    """``record`` as a single object written with ``schema``."""
    fo = io.BytesIO()
    fo.write(MAGIC)
    fo.write(schema.fingerprint)
    write_body(fo, schema, record, strict=strict, logical_types=logical_types)
    return fo.getvalue()


def writer_fingerprint(data: bytes) -> bytes:
    """The fingerprint in a single object's header; :class:`MalformedRecordError` if none."""
    if len(data) < HEADER_SIZE:
        raise MalformedRecordError(
            f"single object of {len(data)} bytes is shorter than its {HEADER_SIZE}-byte header"
        )
    if data[:2] != MAGIC:
        raise MalformedRecordError("not a single-object encoding (wrong magic bytes)")
    return bytes(data[2:HEADER_SIZE])


def decode(
    data: bytes,
    reader_schema: StoredSchema,
    store: SchemaStore,
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    logical_types: bool = True,
) -> dict[str, Any]:
    """Read a single object, resolving its writer schema (looked up in ``store`` by
    fingerprint) to ``reader_schema``."""
    check_size(data, max_record_bytes)
    fingerprint = writer_fingerprint(data)
    writer = store.by_fingerprint(fingerprint)
    if writer is None:
        raise SchemaNotKnownYetError(f"no schema with fingerprint {fingerprint.hex()}")
    return read_body(
        data,
        HEADER_SIZE,
        writer.name,
        writer.for_fastavro(logical_types=logical_types),
        reader_schema,
        logical_types=logical_types,
        what=writer.ref,
    )


class SingleObjectCodec:
    """The :class:`~lovhub.codec.protocol.Codec` for single-object encoding."""

    def __init__(
        self,
        store: SchemaStore,
        *,
        strict: bool = True,
        logical_types: bool = True,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        self.store = store
        self._strict = strict
        self._logical_types = logical_types
        self._max_record_bytes = max_record_bytes

    def encode(self, schema_name: str, record: Mapping[str, Any]) -> bytes:
        schema = self.store.resolve(schema_name)
        return encode(schema, record, strict=self._strict, logical_types=self._logical_types)

    def decode(self, data: bytes, reader_schema_name: str) -> dict[str, Any]:
        return decode(
            data,
            self.store.resolve(reader_schema_name),
            self.store,
            max_record_bytes=self._max_record_bytes,
            logical_types=self._logical_types,
        )

    def __repr__(self) -> str:
        return f"SingleObjectCodec({len(self.store)} schemas)"
