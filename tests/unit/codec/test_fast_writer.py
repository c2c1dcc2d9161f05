"""The compiled Avro writer (lovhub.codec._fastwrite) gives exactly fastavro's bytes.

Records are generated from the schemas themselves (every union branch, unicode, empty and
long arrays, integer extremes, timestamps in several zones); values the fast writer does not
take must leave the record to fastavro, so the codec's answer (bytes or error) is unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

import pytest
from fastavro import schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lovhub.codec import (
    AUDIT_DECISION,
    RECIPIENT_RECORD,
    InvalidFieldError,
    SingleObjectCodec,
    default_store,
)
from lovhub.codec._avro import _fast_writer
from lovhub.codec._fastwrite import FastWriter, compile_writer
from lovhub.codec._probes import probe_records

STORE = default_store()
HOT = (AUDIT_DECISION, RECIPIENT_RECORD)
ZONES = st.sampled_from(
    [dt.UTC, dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))]
)


def _fastavro(parsed: dict[str, Any], record: Any) -> bytes | None:
    out = io.BytesIO()
    try:
        schemaless_writer(out, parsed, record, strict_allow_default=True)
    except Exception:
        return None
    return out.getvalue()


def _values(schema: Any, named: Mapping[str, Any], logical: bool) -> st.SearchStrategy[Any]:
    """Valid in-memory values of a parsed schema node."""
    if isinstance(schema, str):
        if schema in named:
            return _values(named[schema], named, logical)
        return _values({"type": schema}, named, logical)
    if isinstance(schema, list):
        return st.one_of([_values(branch, named, logical) for branch in schema])
    kind = schema["type"]
    if logical and schema.get("logicalType") == "timestamp-millis":
        return st.datetimes(timezones=ZONES) | st.integers(-(2**62), 2**62)
    if kind == "record":
        return st.fixed_dictionaries(
            {f["name"]: _values(f["type"], named, logical) for f in schema["fields"]}
        )
    if kind == "enum":
        return st.sampled_from(schema["symbols"])
    if kind == "array":
        items = _values(schema["items"], named, logical)
        return st.lists(items, max_size=70) | st.lists(items, max_size=3).map(tuple)
    primitives: dict[str, st.SearchStrategy[Any]] = {
        "null": st.none(),
        "string": st.text(max_size=80) | st.text(max_size=3, alphabet="åäö✓𝄞\x00"),
        "bytes": st.binary(max_size=300),
        "boolean": st.booleans(),
        "int": st.integers(-(2**31), 2**31 - 1),
        "long": st.integers(-(2**63), 2**63 - 1),
    }
    return primitives[kind]


def _records(name: str, logical: bool) -> st.SearchStrategy[dict[str, Any]]:
    parsed = STORE.resolve(name).for_fastavro(logical_types=logical)
    return _values(parsed, parsed["__named_schemas"], logical)


@pytest.mark.parametrize("name", HOT)
@pytest.mark.parametrize("logical", [True, False])
def test_hot_schemas_get_a_checked_writer(name: str, logical: bool) -> None:
    assert _fast_writer(STORE.resolve(name), logical) is not None


@pytest.mark.parametrize("name", HOT)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), logical=st.booleans())
def test_generated_records_encode_to_fastavros_bytes(
    name: str, data: st.DataObject, logical: bool
) -> None:
    parsed = STORE.resolve(name).for_fastavro(logical_types=logical)
    record = data.draw(_records(name, logical))
    expected = _fastavro(parsed, record)
    assert expected is not None
    assert FastWriter(parsed, logical_types=logical).write(record) == expected


_ODD_VALUES = st.sampled_from(
    [
        1.5,
        True,
        2**63,
        -(2**63) - 1,
        2**31,
        "\ud800",
        b"x",
        ("se.lovhub.recipient.WrappedDataKey", {}),
        dt.datetime(2026, 1, 1),  # naive
        dt.date(2026, 1, 1),
        {"unexpected": 1},
        [1, 2],
        "NOT_A_SYMBOL",
    ]
)


@pytest.mark.parametrize("name", HOT)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_odd_records_are_left_to_fastavro(name: str, data: st.DataObject) -> None:
    """A wrong type, a missing or extra field: the codec answers exactly as fastavro does."""
    schema = STORE.resolve(name)
    record = dict(data.draw(_records(name, True)))
    change = data.draw(st.sampled_from(["replace", "drop", "add", "nested"]))
    field = data.draw(st.sampled_from(sorted(record)))
    if change == "replace":
        record[field] = data.draw(_ODD_VALUES)
    elif change == "drop":
        del record[field]
    elif change == "add":
        record["not_in_schema"] = None
    else:
        items = [v for v in record.values() if isinstance(v, list) and v]
        if items:
            items[0][0] = data.draw(_ODD_VALUES)
    expected = _fastavro(schema.parsed, record)
    fast = FastWriter(schema.parsed, logical_types=True).write(record)
    assert fast is None or fast == expected
    codec = SingleObjectCodec(STORE)
    if expected is None:
        with pytest.raises(InvalidFieldError):
            codec.encode(name, record)
    else:
        assert codec.encode(name, record) == b"\xc3\x01" + schema.fingerprint + expected


@pytest.mark.parametrize("name", HOT)
def test_probes_take_every_union_branch(name: str) -> None:
    parsed = STORE.resolve(name).parsed
    probes = probe_records(parsed, logical_types=True)
    for field in parsed["fields"]:
        if isinstance(field["type"], list):
            kinds = {type(p[field["name"]]) for p in probes}
            assert len(kinds) == len(field["type"]), field["name"]


def _schema(fields: list[dict[str, Any]]) -> dict[str, Any]:
    from fastavro import parse_schema

    parsed = parse_schema(
        {"type": "record", "name": "T", "namespace": "t", "fields": fields}, named_schemas={}
    )
    assert isinstance(parsed, dict)
    return parsed


@pytest.mark.parametrize(
    "kind",
    [
        "double",
        {"type": "map", "values": "string"},
        {"type": "fixed", "name": "F", "size": 4},
        {"type": "int", "logicalType": "date"},
        ["null", "int", "long"],  # two branches for one Python type: fastavro's choice
    ],
)
def test_constructs_not_compiled_stay_with_fastavro(kind: Any) -> None:
    assert compile_writer(_schema([{"name": "x", "type": kind}]), logical_types=True) is None


def test_a_writer_that_disagrees_with_fastavro_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = STORE.resolve(AUDIT_DECISION).parsed
    assert compile_writer(parsed, logical_types=True) is not None

    # fastavro, the reference the probes are checked against, now writes one byte more.
    # (Patching FastWriter itself would not reach the compiled hot path: lovhub.compiled.)
    def longer(fo: Any, *args: Any, **kwargs: Any) -> None:
        schemaless_writer(fo, *args, **kwargs)
        fo.write(b"\x00")

    monkeypatch.setattr("lovhub.codec._fastwrite.schemaless_writer", longer)
    assert compile_writer(parsed, logical_types=True) is None


def _reference_zigzag(value: int) -> bytes:
    """Avro's long encoding as the specification states it."""
    number = (value << 1) ^ (value >> 63)
    out = bytearray()
    while number >= 0x80:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


@given(
    st.integers(-(2**63), 2**63 - 1)
    | st.integers(-(2**22), 2**22)
    | st.sampled_from([63, 64, -64, -65, 8191, 8192, -8193, 2**20 - 1, 2**20, -(2**20) - 1])
)
def test_zigzag_varints_follow_the_specification(value: int) -> None:
    from lovhub.codec._avro_runtime import zigzag

    assert zigzag(value) == _reference_zigzag(value)
