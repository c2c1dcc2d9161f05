"""Locate the field that stops a record from encoding, without looking at what it holds.

fastavro's writer errors quote the offending value (``'...' is not in list``), which may be
personal data, so the codec drops them and asks this module for the path instead. Only
called after an encode has failed, so it favours clarity over speed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["find_problem_path"]

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_MISSING = object()


def find_problem_path(schema: dict[str, Any], record: object, *, strict: bool) -> str:
    """Dotted path (``body.address.postal_code``, ``body.reasons[1].code``) of the first
    value that does not fit ``schema``; empty string when the record itself is the problem
    or nothing specific can be found."""
    named: dict[str, Any] = schema.get("__named_schemas", {})
    return _problem(schema, record, "", named, strict) or ""


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _problem(schema: Any, datum: Any, path: str, named: dict[str, Any], strict: bool) -> str | None:
    if isinstance(schema, list):
        return _union_problem(schema, datum, path, named, strict)
    if isinstance(schema, str):
        if schema in named:
            return _problem(named[schema], datum, path, named, strict)
        return None if _primitive_ok(schema, None, datum) else path
    kind = schema.get("type")
    if kind == "record":
        return _record_problem(schema, datum, path, named, strict)
    if kind == "enum":
        return None if datum in schema["symbols"] else path
    if kind == "array":
        if isinstance(datum, str | bytes) or not isinstance(datum, Sequence):
            return path
        for index, item in enumerate(datum):
            found = _problem(schema["items"], item, f"{path}[{index}]", named, strict)
            if found is not None:
                return found
        return None
    if kind == "map":
        if not isinstance(datum, Mapping) or not all(isinstance(k, str) for k in datum):
            return path
        for value in datum.values():
            # Map keys may be data, so the path names the map, not the key.
            found = _problem(schema["values"], value, f"{path}{{}}", named, strict)
            if found is not None:
                return found
        return None
    if kind == "fixed":
        ok = isinstance(datum, bytes) and len(datum) == schema["size"]
        return None if ok else path
    if isinstance(kind, str):
        return None if _primitive_ok(kind, schema.get("logicalType"), datum) else path
    return _problem(kind, datum, path, named, strict)


def _record_problem(
    schema: dict[str, Any], datum: Any, path: str, named: dict[str, Any], strict: bool
) -> str | None:
    if not isinstance(datum, Mapping):
        return path
    field_names = set()
    for field in schema["fields"]:
        field_names.add(field["name"])
        field_path = _join(path, field["name"])
        value = datum.get(field["name"], _MISSING)
        if value is _MISSING:
            if "default" in field:
                continue
            if strict or not _nullable(field["type"]):
                return field_path
            value = None
        found = _problem(field["type"], value, field_path, named, strict)
        if found is not None:
            return found
    if strict:
        for key in datum:
            if key not in field_names:
                return _join(path, str(key))
    return None


def _union_problem(
    branches: list[Any], datum: Any, path: str, named: dict[str, Any], strict: bool
) -> str | None:
    if isinstance(datum, tuple) and len(datum) == 2 and isinstance(datum[0], str):
        # fastavro's tuple notation names the branch: check the value against that branch.
        for branch in branches:
            if _branch_name(branch, named) == datum[0]:
                return _problem(branch, datum[1], path, named, strict)
        return path
    found = []
    for branch in branches:
        problem = _problem(branch, datum, path, named, strict)
        if problem is None:
            return None
        found.append(problem)
    non_null = [i for i, branch in enumerate(branches) if branch != "null"]
    if len(non_null) == 1 and datum is not None:
        return found[non_null[0]]
    return path


def _branch_name(branch: Any, named: dict[str, Any]) -> str | None:
    if isinstance(branch, str):
        return branch if branch in named else None
    if isinstance(branch, dict):
        name = branch.get("name")
        return name if isinstance(name, str) else None
    return None


def _nullable(schema: Any) -> bool:
    return schema == "null" or (isinstance(schema, list) and "null" in schema)


def _primitive_ok(kind: str, logical: str | None, datum: Any) -> bool:
    if kind == "null":
        return datum is None
    if kind == "boolean":
        return isinstance(datum, bool)
    if logical == "date" and isinstance(datum, datetime.date):
        return not isinstance(datum, datetime.datetime)
    if logical in ("timestamp-millis", "timestamp-micros") and isinstance(datum, datetime.datetime):
        return True
    if kind in ("int", "long"):
        low, high = _INT_RANGE if kind == "int" else _LONG_RANGE
        return isinstance(datum, int) and not isinstance(datum, bool) and low <= datum <= high
    if kind in ("float", "double"):
        return isinstance(datum, int | float) and not isinstance(datum, bool)
    if kind == "string":
        return isinstance(datum, str)
    if kind == "bytes":
        return isinstance(datum, bytes | bytearray | memoryview)
    return False
