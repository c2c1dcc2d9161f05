"""The schema store: every ``.avsc`` file under ``schemas/``, parsed once, indexed three ways.

Files live at ``schemas/<area>/<Name>.v<N>.avsc``; each holds one self-contained top-level
record in namespace ``se.lovhub.<area>``. The store indexes them by ``(full name, version)``,
by reference string (``name`` for the latest version, ``name@N`` for one version) and by the
CRC-64-AVRO fingerprint of the parsing canonical form, which single-object encoding carries.
Everything is checked at load time so a broken schema stops the process at start-up, not at
the first record.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from fastavro.schema import fingerprint as avro_fingerprint
from fastavro.schema import parse_schema, to_parsing_canonical_form

from lovhub.codec.errors import SchemaStoreError, UnknownSchemaError
from lovhub.settings import LocalDirectories

__all__ = [
    "NAMESPACE_PREFIX",
    "SCHEMA_DIR_ENV",
    "SchemaStore",
    "StoredSchema",
    "default_store",
    "find_schema_dir",
    "load_schema_file",
    "without_logical_types",
]

SCHEMA_DIR_ENV = LocalDirectories.variable("schema_dir")
NAMESPACE_PREFIX = "se.lovhub."
_FILE_NAME = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.avsc$")


@dataclass(frozen=True, slots=True, eq=False)
class StoredSchema:
    """One version of one top-level schema, parsed and fingerprinted."""

    name: str
    version: int
    path: Path
    #: The schema as written in the file, docs and defaults included (what registries get).
    raw: Mapping[str, Any]
    #: fastavro's parsed form, to pass to ``schemaless_writer/reader`` without re-parsing.
    parsed: dict[str, Any]
    #: The same without logical types: identical bytes, but timestamps and dates stay ints
    #: in memory, which reads about 1.7x faster (see ``logical_types`` on the codecs).
    parsed_plain: dict[str, Any]
    canonical_form: str
    #: CRC-64-AVRO of the canonical form, 8 bytes little-endian as in single-object encoding.
    fingerprint: bytes

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def for_fastavro(self, *, logical_types: bool) -> dict[str, Any]:
        return self.parsed if logical_types else self.parsed_plain

    def __repr__(self) -> str:
        return f"StoredSchema({self.ref}, fingerprint={self.fingerprint.hex()})"


def find_schema_dir(directories: LocalDirectories | None = None) -> Path:
    """``$LOVHUB_SCHEMA_DIR``, else the ``schemas/`` of the nearest enclosing checkout."""
    directories = directories or LocalDirectories.from_environment()
    path = directories.schema_dir
    if path is not None:
        if not path.is_dir():
            raise SchemaStoreError(f"{SCHEMA_DIR_ENV}={path} is not a directory")
        return path
    starts = (Path(__file__).resolve().parent, Path.cwd().resolve())
    for start in starts:
        for directory in (start, *start.parents):
            candidate = directory / "schemas"
            if candidate.is_dir() and any(candidate.glob("*/*.avsc")):
                return candidate
    raise SchemaStoreError(
        f"no schemas/ directory with .avsc files above {starts[0]} or {starts[1]}; "
        f"set {SCHEMA_DIR_ENV} to the repository's schemas/ directory"
    )


def without_logical_types(schema: Any) -> Any:
    """A copy of a schema (JSON form) with every ``logicalType`` removed."""
    if isinstance(schema, dict):
        return {k: without_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [without_logical_types(item) for item in schema]
    return schema


def load_schema_file(path: Path, area: str) -> StoredSchema:
    """Read, check and parse one ``<Name>.v<N>.avsc`` file."""
    match = _FILE_NAME.match(path.name)
    if match is None:
        raise SchemaStoreError(f"{path}: file name must be <Name>.v<N>.avsc")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SchemaStoreError(f"{path}: cannot read schema JSON: {e}") from e
    if not isinstance(raw, dict) or raw.get("type") != "record":
        raise SchemaStoreError(f"{path}: top-level schema must be a record")
    namespace = f"{NAMESPACE_PREFIX}{area}"
    if raw.get("name") != match["name"] or raw.get("namespace") != namespace:
        raise SchemaStoreError(
            f"{path}: record must be named {match['name']!r} in namespace {namespace!r}"
        )
    try:
        # A fresh named-type table per file: versions of one schema redefine the same names.
        parsed = cast(dict[str, Any], parse_schema(raw, named_schemas={}))
        plain = cast(dict[str, Any], parse_schema(without_logical_types(raw), named_schemas={}))
        canonical = to_parsing_canonical_form(parsed)
    except Exception as e:  # fastavro raises several unrelated types for a bad schema
        raise SchemaStoreError(f"{path}: invalid Avro schema: {e}") from e
    return StoredSchema(
        name=f"{namespace}.{match['name']}",
        version=int(match["version"]),
        path=path,
        raw=raw,
        parsed=parsed,
        parsed_plain=plain,
        canonical_form=canonical,
        fingerprint=bytes.fromhex(avro_fingerprint(canonical, "CRC-64-AVRO")),
    )


class SchemaStore:
    """All known schemas; immutable after construction."""

    def __init__(self, schemas: list[StoredSchema]) -> None:
        self._by_version: dict[tuple[str, int], StoredSchema] = {}
        self._by_fingerprint: dict[bytes, StoredSchema] = {}
        for schema in schemas:
            key = (schema.name, schema.version)
            if key in self._by_version:
                raise SchemaStoreError(f"{schema.path}: duplicate {schema.ref}")
            other = self._by_fingerprint.get(schema.fingerprint)
            if other is not None:
                raise SchemaStoreError(
                    f"{schema.path}: same canonical form as {other.path}; a new version "
                    "must change the schema, not only docs"
                )
            self._by_version[key] = schema
            self._by_fingerprint[schema.fingerprint] = schema
        self._versions: dict[str, tuple[int, ...]] = {}
        for name, version in sorted(self._by_version):
            self._versions[name] = (*self._versions.get(name, ()), version)
        for name, versions in self._versions.items():
            if versions != tuple(range(1, len(versions) + 1)):
                raise SchemaStoreError(f"{name}: versions {versions} are not 1..N without gaps")
        # Every accepted reference string, resolved up front so lookups are one dict access.
        self._refs: dict[str, StoredSchema] = {s.ref: s for s in self._by_version.values()}
        for name, versions in self._versions.items():
            self._refs[name] = self._by_version[(name, versions[-1])]

    @classmethod
    def load(cls, directory: Path | None = None) -> SchemaStore:
        """Load every ``<area>/<Name>.v<N>.avsc`` under ``directory`` (default: found)."""
        root = directory if directory is not None else find_schema_dir()
        if not root.is_dir():
            raise SchemaStoreError(f"schema directory {root} does not exist")
        stray = sorted(root.glob("*.avsc"))
        if stray:
            raise SchemaStoreError(f"{stray[0]}: schemas belong in an area subdirectory")
        files = sorted(root.glob("*/*.avsc"))
        if not files:
            raise SchemaStoreError(f"no <area>/<Name>.v<N>.avsc files under {root}")
        return cls([load_schema_file(path, path.parent.name) for path in files])

    def names(self) -> tuple[str, ...]:
        """Full names of all top-level schemas, sorted."""
        return tuple(self._versions)

    def versions(self, name: str) -> tuple[int, ...]:
        try:
            return self._versions[name]
        except KeyError:
            raise UnknownSchemaError(f"no schema named {name}") from None

    def get(self, name: str, version: int | None = None) -> StoredSchema:
        """One version of a schema; the latest when ``version`` is None."""
        ref = name if version is None else f"{name}@{version}"
        return self.resolve(ref)

    def resolve(self, ref: str) -> StoredSchema:
        """``name`` (latest version) or ``name@N``; :class:`UnknownSchemaError` otherwise."""
        try:
            return self._refs[ref]
        except KeyError:
            raise UnknownSchemaError(f"no schema {ref!r} in the store") from None

    def by_fingerprint(self, fingerprint: bytes) -> StoredSchema | None:
        return self._by_fingerprint.get(fingerprint)

    def __iter__(self) -> Iterator[StoredSchema]:
        return iter(sorted(self._by_version.values(), key=lambda s: (s.name, s.version)))

    def __len__(self) -> int:
        return len(self._by_version)


@functools.cache
def default_store() -> SchemaStore:
    """The process-wide store loaded from :func:`find_schema_dir`, parsed once."""
    return SchemaStore.load()
