"""Paths and small helpers shared by the policy, registry and minimisation tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
DEFAULT_POLICY = REPO / "deploy" / "policy" / "policy.yaml"
DEFAULT_RECIPIENTS = REPO / "deploy" / "policy" / "recipients.yaml"
# The agency schema the hub reads with (the latest version).
AGENCY_SCHEMA = REPO / "schemas" / "agency" / "JobseekerEvent.v3.avsc"

PolicyData = dict[str, Any]


def delivery(data: PolicyData, event_type: str, purpose: str) -> dict[str, Any]:
    """The delivery entry for (event type, purpose) in policy data; KeyError if none."""
    for entry in data["deliveries"]:
        if entry["event_type"] == event_type and entry["purpose"] == purpose:
            found: dict[str, Any] = entry
            return found
    raise KeyError((event_type, purpose))


def _walk(schema: Any, named: dict[str, Any], prefix: str, out: set[str]) -> None:
    """Every field path below a record schema, ``[]`` after array names."""
    if isinstance(schema, str):
        schema = named.get(schema.rsplit(".", 1)[-1], schema)
    if isinstance(schema, list):
        for branch in schema:
            _walk(branch, named, prefix, out)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "record":
        named[schema["name"]] = schema
        for field in schema["fields"]:
            path = f"{prefix}.{field['name']}"
            out.add(path)
            _walk(field["type"], named, path, out)
    elif schema.get("type") == "array":
        out.add(prefix + "[]")
        _walk(schema["items"], named, prefix + "[]", out)
    elif schema.get("type") == "enum":
        named[schema["name"]] = schema


# Fields that hold the whole body of another event type (a correction's corrected body).
# The hub decides such a body under its own event type's rules, at that type's paths, so no
# rule ever names a path inside one: they are left out of the record that carries them.
NESTED_BODIES = {"Correction": "body.corrected"}


@cache
def schema_paths() -> dict[str, frozenset[str]]:
    """Body record name (e.g. ``Registration``) -> every path ``body.…`` a policy rule can
    name in the latest agency schema (all its paths but those of ``NESTED_BODIES``)."""
    envelope = json.loads(AGENCY_SCHEMA.read_text(encoding="utf-8"))
    body = next(field for field in envelope["fields"] if field["name"] == "body")
    named: dict[str, Any] = {}
    result: dict[str, frozenset[str]] = {}
    for record in body["type"]:
        out: set[str] = set()
        _walk(record, named, "body", out)
        nested = NESTED_BODIES.get(record["name"])
        if nested is not None:
            out = {path for path in out if path != nested and not path.startswith(nested + ".")}
        result[record["name"]] = frozenset(out)
    return result
