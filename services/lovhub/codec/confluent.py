"""Confluent wire format: ``0x00`` + 4-byte big-endian schema id + Avro binary body, with a
minimal Schema Registry client.

Subjects follow the RecordNameStrategy (subject = the record's full name), so one topic may
carry several record types and each schema evolves under its own subject. Ids are cached both
ways: a schema is registered once per process, an id is fetched once.
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any, cast

from fastavro.schema import fingerprint as avro_fingerprint
from fastavro.schema import parse_schema, to_parsing_canonical_form

from lovhub.codec._avro import DEFAULT_MAX_RECORD_BYTES, check_size, read_body, write_body
from lovhub.codec.errors import (
    MalformedRecordError,
    SchemaNotKnownYetError,
    SchemaRegistryError,
    UnknownSchemaError,
)
from lovhub.codec.store import SchemaStore, StoredSchema, without_logical_types

__all__ = ["HEADER_SIZE", "MAGIC", "ConfluentCodec", "SchemaRegistryClient", "subject_for"]

MAGIC = b"\x00"
HEADER_SIZE = 5
_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
# Unknown ids are remembered so that a flood of garbage does not become a flood of requests,
# but only for a while: a schema registered after the record was written becomes readable.
_MAX_UNKNOWN_IDS = 1024
_UNKNOWN_ID_SECONDS = 10.0


def subject_for(schema: StoredSchema) -> str:
    return schema.name


class SchemaRegistryClient:
    """Register schemas and fetch them by id over the registry's REST API (urllib only)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise SchemaRegistryError(f"schema registry URL must be http(s), not {scheme!r}")
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._ids: dict[tuple[str, str], int] = {}
        self._texts: dict[int, str] = {}

    def register(self, subject: str, schema_text: str) -> int:
        """The id of ``schema_text`` under ``subject``, registering it if needed."""
        key = (subject, schema_text)
        cached = self._ids.get(key)
        if cached is not None:
            return cached
        path = f"/subjects/{urllib.parse.quote(subject, safe='')}/versions"
        answer = self._request("POST", path, {"schema": schema_text, "schemaType": "AVRO"})
        schema_id = answer.get("id")
        if not isinstance(schema_id, int) or isinstance(schema_id, bool):
            raise SchemaRegistryError(f"registry answered {path} without a schema id")
        self._ids[key] = schema_id
        self._texts.setdefault(schema_id, schema_text)
        return schema_id

    def schema_text(self, schema_id: int) -> str:
        """The schema registered under ``schema_id``; :class:`UnknownSchemaError` if none."""
        cached = self._texts.get(schema_id)
        if cached is not None:
            return cached
        answer = self._request("GET", f"/schemas/ids/{schema_id}", None)
        text = answer.get("schema")
        if answer.get("schemaType", "AVRO") != "AVRO" or not isinstance(text, str):
            raise UnknownSchemaError(f"registry schema id {schema_id} is not an Avro schema")
        self._texts[schema_id] = text
        return text

    def _request(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310  (scheme checked in __init__)
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": _CONTENT_TYPE, "Accept": _CONTENT_TYPE},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as e:
            if e.code == 404 and path.startswith("/schemas/ids/"):
                number = path.rsplit("/", 1)[1]
                raise SchemaNotKnownYetError(f"registry has no schema {number}") from e
            raise SchemaRegistryError(f"{method} {path}: HTTP {e.code} from registry") from e
        except (OSError, ValueError) as e:
            raise SchemaRegistryError(f"{method} {path}: {type(e).__name__}: {e}") from e
        if not isinstance(answer, dict):
            raise SchemaRegistryError(f"{method} {path}: registry answer is not an object")
        return cast(dict[str, Any], answer)


class ConfluentCodec:
    """The :class:`~lovhub.codec.protocol.Codec` for the Confluent wire format."""

    def __init__(
        self,
        store: SchemaStore,
        registry: SchemaRegistryClient,
        *,
        strict: bool = True,
        logical_types: bool = True,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        self.store = store
        self.registry = registry
        self._strict = strict
        self._logical_types = logical_types
        self._max_record_bytes = max_record_bytes
        self._id_by_ref: dict[str, int] = {}
        # id -> (full name, parsed writer schema in this codec's logical_types variant)
        self._writers: dict[int, tuple[str, dict[str, Any]]] = {}
        self._unknown_ids: dict[int, float] = {}  # id -> when it was last found unknown
        self._now = time.monotonic

    def schema_id(self, schema: StoredSchema) -> int:
        """The registry id of a stored schema (registered on first use)."""
        cached = self._id_by_ref.get(schema.ref)
        if cached is None:
            text = json.dumps(schema.raw, separators=(",", ":"))
            cached = self.registry.register(subject_for(schema), text)
            self._id_by_ref[schema.ref] = cached
        return cached

    def encode(self, schema_name: str, record: Mapping[str, Any]) -> bytes:
        schema = self.store.resolve(schema_name)
        fo = io.BytesIO()
        fo.write(MAGIC)
        fo.write(self.schema_id(schema).to_bytes(4, "big"))
        write_body(fo, schema, record, strict=self._strict, logical_types=self._logical_types)
        return fo.getvalue()

    def decode(self, data: bytes, reader_schema_name: str) -> dict[str, Any]:
        reader = self.store.resolve(reader_schema_name)
        check_size(data, self._max_record_bytes)
        if len(data) < HEADER_SIZE:
            raise MalformedRecordError(
                f"record of {len(data)} bytes is shorter than the {HEADER_SIZE}-byte header"
            )
        if data[:1] != MAGIC:
            raise MalformedRecordError("not the Confluent wire format (wrong magic byte)")
        schema_id = int.from_bytes(data[1:HEADER_SIZE], "big")
        name, writer = self._writer(schema_id)
        return read_body(
            data,
            HEADER_SIZE,
            name,
            writer,
            reader,
            logical_types=self._logical_types,
            what=f"registry id {schema_id}",
        )

    def _writer(self, schema_id: int) -> tuple[str, dict[str, Any]]:
        cached = self._writers.get(schema_id)
        if cached is not None:
            return cached
        found_unknown = self._unknown_ids.get(schema_id)
        if found_unknown is not None:
            if self._now() - found_unknown < _UNKNOWN_ID_SECONDS:
                raise SchemaNotKnownYetError(f"registry has no schema {schema_id}")
            del self._unknown_ids[schema_id]
        try:
            text = self.registry.schema_text(schema_id)
        except SchemaNotKnownYetError:
            if len(self._unknown_ids) < _MAX_UNKNOWN_IDS:
                self._unknown_ids[schema_id] = self._now()
            raise
        self._writers[schema_id] = writer = self._parse(schema_id, text)
        return writer

    def _parse(self, schema_id: int, text: str) -> tuple[str, dict[str, Any]]:
        try:
            raw = json.loads(text)
            canonical = to_parsing_canonical_form(raw)
            fingerprint = bytes.fromhex(avro_fingerprint(canonical, "CRC-64-AVRO"))
            stored = self.store.by_fingerprint(fingerprint)
            if stored is not None:
                # Our own pre-parsed schema: no second parse, and the same-schema fast path.
                return stored.name, stored.for_fastavro(logical_types=self._logical_types)
            source = raw if self._logical_types else without_logical_types(raw)
            parsed = cast(dict[str, Any], parse_schema(source, named_schemas={}))
        except Exception as e:  # fastavro raises several unrelated types for a bad schema
            raise UnknownSchemaError(f"registry schema {schema_id} is not valid Avro") from e
        name = parsed.get("name")
        if parsed.get("type") != "record" or not isinstance(name, str):
            raise UnknownSchemaError(f"registry schema {schema_id} is not a named record")
        return name, parsed

    def __repr__(self) -> str:
        return f"ConfluentCodec({self.registry.url})"
