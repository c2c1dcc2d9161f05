"""A specialised Avro binary writer for the hub's hot output schemas, compiled once.

fastavro's ``schemaless_writer`` walks the schema for every record and converts datetimes
through its logical-type machinery; for the 24-field audit decision that was most of the
pipeline's encoding cost (~20 us a record). This module generates, once per schema, the
Python source of one straight-line function that writes exactly that schema (one block of
type check and ``append`` per field, no per-field calls or schema walk; ``FastWriter.source``
shows it), which writes the same record in ~5 us.

It is deliberately narrow, and it never decides anything fastavro would decide differently:

- it compiles only the constructs our output schemas use (records, enums, arrays, unions of
  ``null`` and branches that take distinct Python types, ``string``, ``bytes``, ``boolean``,
  ``int``, ``long`` and ``long``/``timestamp-millis``); anything else raises
  :class:`SchemaNotSupported` and the codec keeps using fastavro;
- it accepts only exact Python types (``str``, ``int`` in range, ``bool``, ``bytes``,
  aware ``datetime``, ``list``/``tuple``, ``dict`` with exactly the schema's fields). Any
  other value (a missing or extra field, a subclass, a naive datetime, an out-of-range int,
  a union given in tuple notation) makes :meth:`FastWriter.write` return None, and the codec
  lets fastavro encode or reject the record as before, with its error handling;
- :func:`compile_writer` returns a writer only after it has written probe records covering
  every union branch, empty and non-empty arrays, unicode and extreme integers to exactly
  fastavro's bytes (a start-up self-check, like ``pipeline.audit_wire``).

Property tests (tests/unit/codec/test_fast_writer.py) compare it with fastavro on records
generated from the schemas.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from typing import Any, Final

from fastavro import schemaless_writer

from lovhub.codec._probes import probe_records

__all__ = ["FAST_SCHEMAS", "FastWriter", "SchemaNotSupported", "compile_writer"]

#: The schemas worth a compiled writer: an audit decision per decision, a record per delivery.
FAST_SCHEMAS: Final = frozenset(
    {"se.lovhub.audit.AuditDecision", "se.lovhub.recipient.RecipientRecord"}
)

_LONG_RANGE: Final = (-(2**63), 2**63 - 1)
_INT_RANGE: Final = (-(2**31), 2**31 - 1)
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Zig-zag varints of small values, the common case for lengths, indexes and counts.
_SMALL: Final = tuple(bytes([n]) for n in range(128))
_MAX_ONE_BYTE: Final = 63  # union branches and enum symbols beyond this need two bytes


class SchemaNotSupported(Exception):
    """The schema uses a construct this writer does not compile: use fastavro."""


class _Unsupported(Exception):
    """A value the fast writer does not handle: fastavro decides (encodes or rejects)."""


def _varint(zigzagged: int) -> bytes:
    if zigzagged < 0x80:
        return _SMALL[zigzagged]
    # Two and three bytes (sequences, offsets, lengths up to 1 MiB) without the loop.
    if zigzagged < 0x4000:
        return bytes((zigzagged & 0x7F | 0x80, zigzagged >> 7))
    if zigzagged < 0x200000:
        return bytes((zigzagged & 0x7F | 0x80, zigzagged >> 7 & 0x7F | 0x80, zigzagged >> 14))
    out = bytearray()
    while zigzagged >= 0x80:
        out.append((zigzagged & 0x7F) | 0x80)
        zigzagged >>= 7
    out.append(zigzagged)
    return bytes(out)


def _zigzag(value: int) -> bytes:
    return _varint((value << 1) ^ (value >> 63))


def _timestamp_millis() -> Callable[[Any], bytes]:
    """Encoder of a ``timestamp-millis`` value (aware datetime or int milliseconds)."""
    # The decisions of one event share one ``decided_at`` object: remember the last one's
    # bytes (datetimes are immutable, so the same object always gives the same bytes).
    last: tuple[Any, bytes] = (None, b"")

    def encode(value: Any) -> bytes:
        nonlocal last
        seen = last
        if seen[0] is value:
            return seen[1]
        millis = value
        # fastavro's prepare_timestamp_millis for an aware datetime, to the same integer;
        # naive datetimes go through local time in fastavro, so they are left to it.
        if type(value) is dt.datetime and value.tzinfo is not None:
            delta = value - _EPOCH
            millis = (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
        if type(millis) is not int or not _LONG_RANGE[0] <= millis <= _LONG_RANGE[1]:
            raise _Unsupported
        encoded = _zigzag(millis)
        if type(value) is dt.datetime:
            last = (value, encoded)
        return encoded

    return encode


class _Source:
    """The generated function's lines, its constants, and fresh local names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self._names = 0

    def name(self, prefix: str) -> str:
        self._names += 1
        return f"{prefix}{self._names}"

    def constant(self, prefix: str, value: Any) -> str:
        name = self.name(prefix)
        self.constants[name] = value
        return name

    def add(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def _length(src: _Source, depth: int, size: str) -> None:
    """A length or count (never negative), with the common one-byte case inline."""
    n = src.name("n")
    src.add(depth, f"{n} = {size}")
    src.add(depth, f"a(S[{n} << 1] if {n} < 64 else varint({n} << 1))")


# Python type that selects each union branch kind (exact type; bool is not an int here).
_BRANCH_TYPE: Final = {
    "null": "NoneType",
    "string": "str",
    "bytes": "bytes",
    "boolean": "bool",
    "int": "int",
    "long": "int",
    "timestamp-millis": "int",  # and datetime, see _union
    "record": "dict",
    "enum": "str",
    "array": "list",
}


def _kind(schema: Any, named: Mapping[str, Any], logical: bool) -> tuple[str, Any]:
    """(kind, node) with named references resolved; kind is a primitive, a complex type or
    ``timestamp-millis``."""
    if isinstance(schema, str):
        if schema in named:
            return _kind(named[schema], named, logical)
        return schema, schema
    if isinstance(schema, list):
        return "union", schema
    if not isinstance(schema, dict):
        raise SchemaNotSupported("schema node")
    logical_type = schema.get("logicalType") if logical else None
    if logical_type is not None:
        if schema.get("type") == "long" and logical_type == "timestamp-millis":
            return "timestamp-millis", schema
        raise SchemaNotSupported(f"logical type {logical_type}")
    kind = schema.get("type")
    if isinstance(kind, dict | list):
        return _kind(kind, named, logical)
    return str(kind), schema


def _write(src: _Source, depth: int, var: str, schema: Any, ctx: tuple[Any, bool]) -> None:
    """Lines that append the encoding of local ``var`` under ``schema``."""
    named, logical = ctx
    kind, node = _kind(schema, named, logical)
    add = src.add
    if kind == "null":
        add(depth, f"if {var} is not None: raise Unsupported")
    elif kind == "boolean":
        add(depth, f"if {var} is True: a(b'\\x01')")
        add(depth, f"elif {var} is False: a(b'\\x00')")
        add(depth, "else: raise Unsupported")
    elif kind in ("int", "long"):
        low, high = _INT_RANGE if kind == "int" else _LONG_RANGE
        add(depth, f"if type({var}) is not int or not {low} <= {var} <= {high}:")
        add(depth + 1, "raise Unsupported")
        add(depth, f"a(S[{var} << 1] if 0 <= {var} < 64 else zigzag({var}))")
    elif kind == "timestamp-millis":
        add(depth, f"a({src.constant('ts', _timestamp_millis())}({var}))")
    elif kind == "string":
        data = src.name("d")
        add(depth, f"if type({var}) is not str: raise Unsupported")
        add(depth, f"{data} = {var}.encode()  # lone surrogates raise: fastavro rejects")
        _length(src, depth, f"len({data})")
        add(depth, f"a({data})")
    elif kind == "bytes":
        add(depth, f"if type({var}) is not bytes and type({var}) is not bytearray:")
        add(depth + 1, "raise Unsupported")
        _length(src, depth, f"len({var})")
        add(depth, f"a(bytes({var}))")
    elif kind == "enum":
        symbols = list(node["symbols"])
        if len(symbols) > _MAX_ONE_BYTE:
            raise SchemaNotSupported("enum with too many symbols")
        table = src.constant("enum", {s: _SMALL[i << 1] for i, s in enumerate(symbols)})
        add(depth, f"if not isinstance({var}, str): raise Unsupported")
        add(depth, f"a({table}[{var}])  # KeyError: not a symbol, fastavro rejects")
    elif kind == "array":
        item = src.name("v")
        add(depth, f"if type({var}) is not list and type({var}) is not tuple:")
        add(depth + 1, "raise Unsupported")
        add(depth, f"if {var}:")
        _length(src, depth + 1, f"len({var})")
        add(depth + 1, f"for {item} in {var}:")
        _write(src, depth + 2, item, node["items"], ctx)
        add(depth, "a(b'\\x00')")
    elif kind == "record":
        fields = node["fields"]
        # Exactly the schema's fields: a missing one (default or error) or an extra one
        # (strict mode's error) is fastavro's to handle; a missing key raises KeyError.
        add(depth, f"if type({var}) is not dict or len({var}) != {len(fields)}:")
        add(depth + 1, "raise Unsupported")
        for field in fields:
            value = src.name("v")
            add(depth, f"{value} = {var}[{field['name']!r}]")
            _write(src, depth, value, field["type"], ctx)
    elif kind == "union":
        _union(src, depth, var, node, ctx)
    else:
        raise SchemaNotSupported(f"type {kind}")


def _union(src: _Source, depth: int, var: str, branches: list[Any], ctx: tuple[Any, bool]) -> None:
    if len(branches) > _MAX_ONE_BYTE:
        raise SchemaNotSupported("union with too many branches")
    named, logical = ctx
    taken: set[str] = set()
    kind_of = src.name("t")
    src.add(depth, f"{kind_of} = type({var})")
    keyword = "if"
    for index, branch in enumerate(branches):
        kind, _ = _kind(branch, named, logical)
        if kind not in _BRANCH_TYPE:
            raise SchemaNotSupported(f"union branch {kind}")
        python_types = [_BRANCH_TYPE[kind]]
        if kind == "timestamp-millis":
            python_types.append("datetime")
        if kind == "array":
            python_types.append("tuple")
        # Each Python type must select one branch, or fastavro's choice could differ.
        if taken & set(python_types):
            raise SchemaNotSupported("union with two branches for one Python type")
        taken.update(python_types)
        test = " or ".join(f"{kind_of} is {t}" for t in python_types)
        src.add(depth, f"{keyword} {test}:")
        src.add(depth + 1, f"a({_SMALL[index << 1]!r})")
        if kind != "null":
            _write(src, depth + 1, var, branch, ctx)
        keyword = "elif"
    src.add(depth, "else: raise Unsupported  # incl. tuple notation and subclasses")


class FastWriter:
    """The compiled writer of one parsed top-level record schema."""

    def __init__(self, parsed: dict[str, Any], *, logical_types: bool) -> None:
        if parsed.get("type") != "record":
            raise SchemaNotSupported("top level is not a record")
        src = _Source()
        src.add(0, "def write(record, a):")
        _write(src, 1, "record", parsed, (parsed.get("__named_schemas", {}), logical_types))
        #: The generated function, for reading and debugging.
        self.source = "\n".join(src.lines) + "\n"
        namespace: dict[str, Any] = {
            **src.constants,
            "S": _SMALL,
            "varint": _varint,
            "zigzag": _zigzag,
            "Unsupported": _Unsupported,
            "NoneType": type(None),
            "datetime": dt.datetime,
        }
        # The source is built from the schema's structure only: field names enter as repr()
        # literals, symbols and helpers as namespace constants; no record value is in it.
        code = compile(self.source, "<lovhub avro writer>", "exec")
        exec(code, namespace)  # noqa: S102
        self._write: Callable[[Any, Callable[[bytes], None]], None] = namespace["write"]

    def write(self, record: Any) -> bytes | None:
        """The Avro binary body of ``record``, or None when fastavro must handle it."""
        parts: list[bytes] = []
        try:
            self._write(record, parts.append)
        except Exception:  # _Unsupported, a missing field, a value that fails to encode
            return None
        return b"".join(parts)


def compile_writer(parsed: dict[str, Any], *, logical_types: bool) -> FastWriter | None:
    """A writer proved byte-identical to fastavro on probe records, or None."""
    try:
        writer = FastWriter(parsed, logical_types=logical_types)
        probes = probe_records(parsed, logical_types=logical_types)
    except SchemaNotSupported:
        return None
    for probe in probes:
        expected = io.BytesIO()
        try:
            schemaless_writer(expected, parsed, probe, strict_allow_default=True)
        except Exception:  # a probe fastavro refuses proves nothing either way
            return None
        if writer.write(probe) != expected.getvalue():
            return None
    return writer
