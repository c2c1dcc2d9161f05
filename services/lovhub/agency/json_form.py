"""The JSON form of agency events: what ``lovhub emit`` reads and ``lovhub generate`` writes.

One event is one JSON object with the fields of ``JobseekerEvent`` (``schemas/agency/``),
converted by the schema, not by hand-written code per type:

- ``timestamp-millis`` fields: an RFC 3339 string with a zone (``2026-03-02T08:00:00Z``,
  ``...+01:00``); kept to the millisecond, written in UTC with ``Z``.
- ``date`` fields: ``YYYY-MM-DD``. Enums: the symbol. Strings and ints: themselves.
- an optional field (a union with ``null``): ``null`` or left out.
- ``body``: the object of the record ``event_type`` names, without a type wrapper.
- a union of several records (``Correction.corrected``): ``{"Registration": {...}}``, the
  record's name (short or full) as the only key, as in Avro's own JSON encoding.
- ``schema_version``: may be left out; ``lovhub emit`` writes the version it encodes.

Errors name the field path and the problem, never the value (values are personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from lovhub.errors import LovhubError

__all__ = ["JsonFormError", "NamedTypes", "event_from_json", "event_to_json"]


class JsonFormError(LovhubError):
    """A JSON event that does not fit the schema; ``path`` names the field."""

    code = "JSON_FORM"

    def __init__(self, path: str, problem: str) -> None:
        self.path, self.problem = path or "(event)", problem
        super().__init__(f"{self.path}: {problem}")


class NamedTypes:
    """Every named type (record, enum) of one schema, by full and short name."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self._types: dict[str, Mapping[str, Any]] = {}
        self._collect(schema, schema.get("namespace", ""))
        self.root = schema

    def _collect(self, node: Any, namespace: str) -> None:
        if isinstance(node, list):
            for item in node:
                self._collect(item, namespace)
            return
        if not isinstance(node, Mapping):
            return
        kind = node.get("type")
        if kind in ("record", "enum", "fixed"):
            space = node.get("namespace", namespace)
            full = node["name"] if "." in node["name"] else f"{space}.{node['name']}"
            self._types[full] = node
            self._types.setdefault(node["name"].rsplit(".", 1)[-1], node)
            for field in node.get("fields", ()):
                self._collect(field["type"], space)
        elif kind == "array":
            self._collect(node["items"], namespace)
        elif isinstance(kind, list | Mapping):
            self._collect(kind, namespace)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, str) and node in self._types:
            return self._types[node]
        if isinstance(node, str) and "." in node and node.rsplit(".", 1)[-1] in self._types:
            return self._types[node.rsplit(".", 1)[-1]]
        return node

    def full_name(self, record: Mapping[str, Any]) -> str:
        return next(name for name, node in self._types.items() if node is record and "." in name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# ---- JSON -> the codec's in-memory form -------------------------------------------------


def event_from_json(
    value: Any, types: NamedTypes, *, body_types: Mapping[str, str]
) -> dict[str, Any]:
    """The in-memory event (as the codec encodes it) for one parsed JSON object.

    ``body_types`` maps each ``event_type`` to the full name of its body record."""
    if not isinstance(value, dict):
        raise JsonFormError("", "not a JSON object")
    event_type = value.get("event_type")
    if not isinstance(event_type, str) or event_type not in body_types:
        raise JsonFormError("event_type", "missing or not an event type of this schema")
    record: dict[str, Any] = {}
    known = set()
    for field in types.root["fields"]:
        name = field["name"]
        known.add(name)
        if name == "body":
            body_name = body_types[event_type]
            body_schema = types.resolve(body_name)
            record["body"] = (body_name, _record(value.get("body"), body_schema, types, "body"))
        elif name == "schema_version" and name not in value:
            continue
        else:
            record[name] = _field(value, field, types, "")
    _no_unknown(value, known, "")
    return record


def _no_unknown(value: Mapping[str, Any], known: set[str], path: str) -> None:
    extra = sorted(set(value) - known)
    if extra:
        raise JsonFormError(_join(path, extra[0]), "not a field of this schema")


def _field(value: Mapping[str, Any], field: Mapping[str, Any], types: NamedTypes, path: str) -> Any:
    name, where = field["name"], _join(path, field["name"])
    if name not in value:
        if _nullable(field["type"]):
            return None
        if "default" in field:
            return field["default"]
        raise JsonFormError(where, "missing")
    return _convert(value[name], field["type"], types, where)


def _nullable(node: Any) -> bool:
    return isinstance(node, list) and "null" in node


def _record(value: Any, schema: Mapping[str, Any], types: NamedTypes, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JsonFormError(path, f"expected an object ({schema['name']})")
    _no_unknown(value, {f["name"] for f in schema["fields"]}, path)
    return {f["name"]: _field(value, f, types, path) for f in schema["fields"]}


def _convert(value: Any, node: Any, types: NamedTypes, path: str) -> Any:
    node = types.resolve(node)
    if isinstance(node, list):
        return _union(value, node, types, path)
    kind = node.get("type") if isinstance(node, Mapping) else node
    logical = node.get("logicalType") if isinstance(node, Mapping) else None
    if logical == "timestamp-millis":
        return _instant(value, path)
    if logical == "date":
        return _date(value, path)
    if kind == "record":
        return _record(value, node, types, path)
    if kind == "enum":
        if not isinstance(value, str) or value not in node["symbols"]:
            raise JsonFormError(path, f"not a symbol of {node['name']}")
        return value
    if kind == "array":
        if not isinstance(value, list):
            raise JsonFormError(path, "expected a list")
        return [_convert(v, node["items"], types, f"{path}[{i}]") for i, v in enumerate(value)]
    return _primitive(value, kind, path)


def _primitive(value: Any, kind: Any, path: str) -> Any:
    if kind == "string":
        if not isinstance(value, str):
            raise JsonFormError(path, "expected a string")
        return value
    if kind in ("int", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise JsonFormError(path, "expected an integer")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise JsonFormError(path, "expected true or false")
        return value
    if kind == "null":
        if value is not None:
            raise JsonFormError(path, "expected null")
        return None
    raise JsonFormError(path, f"type {kind} has no JSON form yet")


def _union(value: Any, branches: list[Any], types: NamedTypes, path: str) -> Any:
    if value is None:
        if "null" in branches:
            return None
        raise JsonFormError(path, "may not be null")
    others = [types.resolve(b) for b in branches if b != "null"]
    records = [b for b in others if isinstance(b, Mapping) and b.get("type") == "record"]
    if len(others) == 1:
        return _convert(value, others[0], types, path)
    if len(records) == len(others):
        if not isinstance(value, dict) or len(value) != 1:
            raise JsonFormError(path, 'expected {"<record name>": {...}}')
        ((name, inner),) = value.items()
        chosen = next((r for r in records if name in (r["name"], types.full_name(r))), None)
        if chosen is None:
            raise JsonFormError(path, "names no record this field allows")
        return (types.full_name(chosen), _record(inner, chosen, types, f"{path}.{name}"))
    raise JsonFormError(path, "a union of mixed types has no JSON form yet")


def _instant(value: Any, path: str) -> dt.datetime:
    if not isinstance(value, str):
        raise JsonFormError(path, "expected an RFC 3339 instant string")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise JsonFormError(path, "not an RFC 3339 instant") from None
    if parsed.tzinfo is None:
        raise JsonFormError(path, "an instant needs a zone (Z or +hh:mm)")
    return parsed.astimezone(dt.UTC).replace(microsecond=parsed.microsecond // 1000 * 1000)


def _date(value: Any, path: str) -> dt.date:
    if not isinstance(value, str) or len(value) != 10:
        raise JsonFormError(path, "expected a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise JsonFormError(path, "not a calendar date YYYY-MM-DD") from None


# ---- the codec's in-memory form -> JSON -------------------------------------------------


def event_to_json(record: Mapping[str, Any], types: NamedTypes) -> dict[str, Any]:
    """The JSON form of one in-memory event (the inverse of :func:`event_from_json`)."""
    out: dict[str, Any] = {}
    for field in types.root["fields"]:
        name = field["name"]
        if name not in record:
            continue
        if name == "body":
            body_name, body = record["body"]
            out["body"] = _record_out(body, types.resolve(body_name), types)
        else:
            out[name] = _out(record[name], field["type"], types)
    return out


def _record_out(
    value: Mapping[str, Any], schema: Mapping[str, Any], types: NamedTypes
) -> dict[str, Any]:
    return {f["name"]: _out(value.get(f["name"]), f["type"], types) for f in schema["fields"]}


def _out(value: Any, node: Any, types: NamedTypes) -> Any:
    node = types.resolve(node)
    if value is None:
        return None
    if isinstance(node, list):
        others = [types.resolve(b) for b in node if b != "null"]
        if len(others) == 1:
            return _out(value, others[0], types)
        name, inner = value
        chosen = types.resolve(name)
        return {chosen["name"]: _record_out(inner, chosen, types)}
    logical = node.get("logicalType") if isinstance(node, Mapping) else None
    if logical == "timestamp-millis":
        instant = value.astimezone(dt.UTC)
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    if logical == "date":
        return value.isoformat()
    kind = node.get("type") if isinstance(node, Mapping) else node
    if kind == "record":
        return _record_out(value, node, types)
    if kind == "array":
        return [_out(v, node["items"], types) for v in value]
    return value
