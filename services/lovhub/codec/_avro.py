"""Avro binary bodies for both wire formats: fastavro with pre-parsed schemas, errors wrapped.

In-memory form of a record (what ``decode`` returns and ``encode`` accepts):

- a ``dict`` per record; ``timestamp-millis`` fields are timezone-aware ``datetime`` (UTC),
  ``date`` fields are ``datetime.date``;
- a union of several record types (the ``body`` of events and reports) is a tuple
  ``(full record name, dict)``, so the branch is explicit both ways and cannot be guessed
  wrongly between records with the same fields;
- a union of ``null`` and one record is the record's dict or ``None``.

With ``logical_types=False`` the same bytes are read and written with the logical types
ignored: timestamps are ``int`` milliseconds and dates ``int`` days since the epoch. That
skips the datetime conversions, fastavro's largest per-record cost on our schemas.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.read import SchemaResolutionError

from lovhub.codec._fastwrite import FAST_SCHEMAS, FastWriter, compile_writer
from lovhub.codec._paths import find_problem_path
from lovhub.codec.errors import (
    FieldProblem,
    InvalidFieldError,
    MalformedRecordError,
    OversizedRecordError,
    UnknownSchemaError,
)
from lovhub.codec.store import StoredSchema

__all__ = ["DEFAULT_MAX_RECORD_BYTES", "check_size", "read_body", "write_body"]

#: Kafka's default maximum message size; larger input is refused before parsing.
DEFAULT_MAX_RECORD_BYTES = 1_048_576


def write_body(
    fo: io.BytesIO,
    schema: StoredSchema,
    record: Mapping[str, Any],
    *,
    strict: bool,
    logical_types: bool,
) -> None:
    """Append ``record`` in Avro binary; :class:`InvalidFieldError` when it does not fit."""
    fast = _fast_writer(schema, logical_types)
    if fast is not None:
        body = fast.write(record)
        if body is not None:  # None: a value only fastavro handles (or rejects)
            fo.write(body)
            return
    parsed = schema.for_fastavro(logical_types=logical_types)
    try:
        # strict_allow_default: a misspelt or missing field fails instead of being dropped
        # or silently written as null; fields with a default may still be left out.
        schemaless_writer(fo, parsed, record, strict_allow_default=strict)
    except Exception:
        # fastavro's messages quote the offending value, which may be personal data, so
        # neither the message nor the cause is kept; the path is found again without values.
        path = find_problem_path(parsed, record, strict=strict)
        raise InvalidFieldError(FieldProblem.SCHEMA_MISMATCH, path) from None


# (schema, logical_types) -> its compiled writer, or None where fastavro does it all. Keyed
# by the schema object (identity), so each store's schemas are checked on their own.
_FAST_WRITERS: dict[tuple[StoredSchema, bool], FastWriter | None] = {}


def _fast_writer(schema: StoredSchema, logical_types: bool) -> FastWriter | None:
    key = (schema, logical_types)
    try:
        return _FAST_WRITERS[key]
    except KeyError:
        pass
    writer = None
    if schema.name in FAST_SCHEMAS:
        writer = compile_writer(
            schema.for_fastavro(logical_types=logical_types), logical_types=logical_types
        )
    if len(_FAST_WRITERS) > 256:  # stores made and dropped (tests): do not hold them all
        _FAST_WRITERS.clear()
    _FAST_WRITERS[key] = writer
    return writer


def check_size(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise OversizedRecordError(f"record of {len(data)} bytes exceeds the limit of {limit}")


def read_body(
    data: bytes,
    start: int,
    writer_name: str,
    writer: dict[str, Any],
    reader: StoredSchema,
    *,
    logical_types: bool,
    what: str,
) -> dict[str, Any]:
    """Read the Avro body at ``data[start:]`` written with the parsed schema ``writer``
    (full name ``writer_name``; its ``logical_types`` variant) and resolve it to ``reader``.

    The whole remainder must be one record: trailing bytes are an error. ``what`` names the
    writer schema in error messages.
    """
    if writer_name != reader.name:
        raise UnknownSchemaError(f"record written with {what} cannot be read as {reader.name}")
    reader_parsed = reader.for_fastavro(logical_types=logical_types)
    fo = io.BytesIO(data)
    fo.seek(start)
    try:
        record = schemaless_reader(
            fo,
            writer,
            # Same schema: no resolution, fastavro's fastest path.
            None if writer is reader_parsed else reader_parsed,
            return_record_name=True,
            return_record_name_override=True,
        )
    except SchemaResolutionError as e:
        raise UnknownSchemaError(f"{what} cannot be resolved to {reader.ref}") from e
    except Exception as e:
        # Hostile or corrupt bytes make fastavro raise EOFError, ValueError, IndexError,
        # UnicodeDecodeError, OverflowError...; none of them may escape as such.
        raise MalformedRecordError(f"{what}: Avro body does not parse ({type(e).__name__})") from e
    trailing = len(data) - fo.tell()
    if trailing:
        raise MalformedRecordError(f"{what}: {trailing} trailing bytes after the record")
    if not isinstance(record, dict):
        raise MalformedRecordError(f"{what}: body is not a record")
    return record
