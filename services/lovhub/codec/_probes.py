"""Probe records for the compiled Avro writer's start-up self-check (lovhub.codec._fastwrite).

Deterministic records that together take every union branch, every enum symbol, empty and
non-empty arrays, unicode (including NUL and astral characters), the integer extremes and
timestamps before the epoch and in other zones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["probe_records"]


_PROBE_STRINGS: Final = ("", "probe", "åäö ✓ 𝄞 \x00")
_PROBE_LONGS: Final = (0, -1, 2**63 - 1, -(2**63), 64, -65, 1_700_000_000_123)
_PROBE_INTS: Final = (0, 2**31 - 1, -(2**31), 63, -64)
_PROBE_TIMES: Final = (
    dt.datetime(2026, 1, 2, 3, 4, 5, 678999, tzinfo=dt.UTC),
    dt.datetime(1969, 12, 31, 23, 59, 59, 999500, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
)


def probe_records(parsed: dict[str, Any], *, logical_types: bool) -> list[Any]:
    """Records that together take every union branch, every enum symbol's place, empty and
    non-empty arrays, unicode and the integer extremes (variant ``n`` picks the n-th of
    each choice, cycling)."""
    named = parsed.get("__named_schemas", {})
    variants = max(8, _widest_choice(parsed, named, set()))
    return [_probe(parsed, named, n, logical_types) for n in range(variants)]


def _widest_choice(schema: Any, named: Mapping[str, Any], seen: set[str]) -> int:
    if isinstance(schema, str):
        if schema in named and schema not in seen:
            return _widest_choice(named[schema], named, seen | {schema})
        return 1
    if isinstance(schema, list):
        return max(len(schema) * 2, *(_widest_choice(branch, named, seen) for branch in schema))
    if not isinstance(schema, dict):
        return 1
    kind = schema.get("type")
    if kind == "record":
        inner = [_widest_choice(f["type"], named, seen) for f in schema["fields"]]
        return max([1, *inner])
    if kind == "enum":
        return len(schema["symbols"])
    if kind == "array":
        return _widest_choice(schema["items"], named, seen)
    return 1


def _probe(schema: Any, named: Mapping[str, Any], n: int, logical_types: bool) -> Any:
    if isinstance(schema, str):
        if schema in named:
            return _probe(named[schema], named, n, logical_types)
        return _probe({"type": schema}, named, n, logical_types)
    if isinstance(schema, list):
        return _probe(schema[n % len(schema)], named, n // len(schema) + n, logical_types)
    kind = schema.get("type")
    if logical_types and schema.get("logicalType") == "timestamp-millis":
        return _PROBE_TIMES[n % len(_PROBE_TIMES)]
    if kind == "record":
        return {
            field["name"]: _probe(field["type"], named, n + number, logical_types)
            for number, field in enumerate(schema["fields"])
        }
    if kind == "enum":
        return schema["symbols"][n % len(schema["symbols"])]
    if kind == "array":
        size = (0, 1, 3)[n % 3]
        return [_probe(schema["items"], named, n + i, logical_types) for i in range(size)]
    simple: dict[str, Any] = {
        "null": None,
        "string": _PROBE_STRINGS[n % len(_PROBE_STRINGS)],
        "bytes": bytes(range(n % 3 * 40)),
        "boolean": n % 2 == 1,
        "int": _PROBE_INTS[n % len(_PROBE_INTS)],
        "long": _PROBE_LONGS[n % len(_PROBE_LONGS)],
    }
    return simple.get(str(kind))
