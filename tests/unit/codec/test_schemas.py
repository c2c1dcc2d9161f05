"""The rules of schemas/README.md that a machine can check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from lovhub.codec import (
    DEAD_LETTER_RECORD,
    JOBSEEKER_EVENT,
    PROVIDER_REPORT,
    CodecError,
    SchemaStore,
)
from lovhub.codec import errors as codec_errors
from lovhub.codec.errors import FieldProblem, InvalidFieldError
from lovhub.codec.store import default_store
from lovhub.codec.validation import EVENT_BODY_TYPES, REPORT_BODY_TYPES

ALL = list(default_store())


def _named_types(schema: Any, namespace: str) -> Iterator[dict[str, Any]]:
    """Every record/enum/fixed definition in a raw schema, with its full name set."""
    if isinstance(schema, list):
        for branch in schema:
            yield from _named_types(branch, namespace)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("record", "enum", "fixed"):
            namespace = schema.get("namespace", namespace)
            yield {**schema, "fullname": f"{namespace}.{schema['name']}"}
        for field in schema.get("fields", []):
            yield from _named_types(field["type"], namespace)
        for key in ("items", "values"):
            if key in schema:
                yield from _named_types(schema[key], namespace)
        if isinstance(kind, dict | list):
            yield from _named_types(kind, namespace)


@pytest.mark.parametrize("schema", ALL, ids=lambda s: s.ref)
def test_every_named_type_and_field_has_a_doc(schema: Any) -> None:
    undocumented = []
    for named in _named_types(schema.raw, ""):
        if not str(named.get("doc", "")).strip():
            undocumented.append(named["fullname"])
        for field in named.get("fields", []):
            if not str(field.get("doc", "")).strip():
                undocumented.append(f"{named['fullname']}.{field['name']}")
    assert undocumented == []


def _definitions(schema: Any) -> dict[str, str]:
    return {
        named["fullname"]: json.dumps(named, sort_keys=True)
        for named in _named_types(schema.raw, "")
        if named["fullname"] != schema.name
    }


def test_shared_named_types_are_defined_identically(store: SchemaStore) -> None:
    latest = [store.resolve(name) for name in store.names()]
    seen: dict[str, tuple[str, str]] = {}
    for schema in latest:
        for fullname, definition in _definitions(schema).items():
            if fullname in seen:
                assert seen[fullname][1] == definition, f"{fullname}: {seen[fullname][0]}"
            seen[fullname] = (schema.ref, definition)
    assert "se.lovhub.report.OutcomeReport" in seen  # the check above did compare something


def _union_branches(store: SchemaStore, name: str) -> set[str]:
    body = next(f for f in store.resolve(name).parsed["fields"] if f["name"] == "body")
    return {branch["name"] for branch in body["type"]}


def _enum_symbols(store: SchemaStore, name: str, field: str) -> list[str]:
    found = next(f for f in store.resolve(name).parsed["fields"] if f["name"] == field)
    return list(found["type"]["symbols"])


@pytest.mark.parametrize(
    ("name", "type_field", "mapping"),
    [
        (JOBSEEKER_EVENT, "event_type", EVENT_BODY_TYPES),
        (PROVIDER_REPORT, "report_type", REPORT_BODY_TYPES),
    ],
)
def test_type_enum_and_body_union_correspond_one_to_one(
    store: SchemaStore, name: str, type_field: str, mapping: dict[str, str]
) -> None:
    assert sorted(_enum_symbols(store, name, type_field)) == sorted(mapping)
    assert _union_branches(store, name) == set(mapping.values())
    assert len(set(mapping.values())) == len(mapping)


def _min_size(schema: Any, named: dict[str, Any]) -> int:
    if isinstance(schema, list):
        return 1  # the branch index
    if isinstance(schema, str):
        if schema in named:
            return _min_size(named[schema], named)
        return 0 if schema == "null" else 1
    kind = schema["type"]
    if kind == "record":
        return sum(_min_size(field["type"], named) for field in schema["fields"])
    if kind == "fixed":
        return int(schema["size"])
    if isinstance(kind, str) and kind not in ("array", "map", "enum"):
        return _min_size(kind, named)
    return 1


def _collection_items(schema: Any) -> Iterator[Any]:
    if isinstance(schema, list):
        for branch in schema:
            yield from _collection_items(branch)
    elif isinstance(schema, dict):
        for key in ("items", "values"):
            if key in schema:
                yield schema[key]
                yield from _collection_items(schema[key])
        for field in schema.get("fields", []):
            yield from _collection_items(field["type"])


@pytest.mark.parametrize("schema", ALL, ids=lambda s: s.ref)
def test_array_items_never_encode_to_zero_bytes(schema: Any) -> None:
    named = schema.parsed["__named_schemas"]
    for items in _collection_items(schema.parsed):
        assert _min_size(items, named) > 0


def test_dead_letter_reasons_of_errors_are_schema_symbols(store: SchemaStore) -> None:
    symbols = set(_enum_symbols(store, DEAD_LETTER_RECORD, "reason"))
    classes = [
        obj
        for obj in vars(codec_errors).values()
        if isinstance(obj, type) and issubclass(obj, CodecError)
    ]
    reasons = {cls.dead_letter_reason for cls in classes}
    reasons.add(InvalidFieldError(FieldProblem.BAD_PERSONAL_ID, "x").dead_letter_reason)
    assert reasons <= symbols
    assert {"MALFORMED", "UNKNOWN_SCHEMA", "OVERSIZED", "BAD_PERSONAL_ID"} <= reasons
