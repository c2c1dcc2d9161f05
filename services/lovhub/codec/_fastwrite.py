"""A specialised Avro binary writer for the hub's hot output schemas, compiled once.

fastavro's ``schemaless_writer`` walks the schema for every record and converts datetimes
through its logical-type machinery; for the 24-field audit decision that was most of the
pipeline's encoding cost (~20 us a record). This module generates, once per schema, the
Python source of one straight-line function that writes exactly that schema (one block of
type check and ``append`` per field, no per-field calls or schema walk; ``FastWriter.source``
shows it), which writes the same record in ~5 us.

For the schemas the package ships, the same functions are generated at build time into
``lovhub.codec._generated_writers`` (``scripts/generate_avro_writers.py``, committed and
checked by a test), which mypyc compiles with the hot path: about 2 us instead of 4 for an
audit decision. A built writer is used only when the digest of its source equals that of
the source generated here for the schema in hand; any other schema gets its writer now.

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
import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from fastavro import schemaless_writer

from lovhub.codec._avro_runtime import (
    INT_RANGE,
    LONG_RANGE,
    SMALL,
    NoneType,
    Unsupported,
    timestamp_millis,
    varint,
    zigzag,
)
from lovhub.codec._generated_writers import WRITERS as BUILT_WRITERS
from lovhub.codec._probes import probe_records

__all__ = [
    "FAST_SCHEMAS",
    "FastWriter",
    "SchemaNotSupported",
    "WriterSource",
    "compile_writer",
    "writer_source",
]

#: The schemas worth a compiled writer: an audit decision per decision, a record per delivery.
FAST_SCHEMAS: Final = frozenset(
    {"se.lovhub.audit.AuditDecision", "se.lovhub.recipient.RecipientRecord"}
)

_MAX_ONE_BYTE: Final = 63  # union branches and enum symbols beyond this need two bytes


class SchemaNotSupported(Exception):
    """The schema uses a construct this writer does not compile: use fastavro."""


class _Source:
    """The generated function's lines, its constants (each with the expression that makes
    it again, for the build-time module), and fresh local names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, tuple[Any, str]] = {}
        self._names = 0

    def name(self, prefix: str) -> str:
        self._names += 1
        return f"{prefix}{self._names}"

    def constant(self, prefix: str, value: Any, expression: str) -> str:
        name = self.name(prefix)
        self.constants[name] = (value, expression)
        return name

    def add(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def _length(src: _Source, depth: int, size: str) -> None:
    """A length or count (never negative), with the common one-byte case inline."""
    n = src.name("n")
    src.add(depth, f"{n} = {size}")
    src.add(depth, f"append(S[{n} << 1] if {n} < 64 else varint({n} << 1))")


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
        add(depth, f"if {var} is True: append(b'\\x01')")
        add(depth, f"elif {var} is False: append(b'\\x00')")
        add(depth, "else: raise Unsupported")
    elif kind in ("int", "long"):
        low, high = INT_RANGE if kind == "int" else LONG_RANGE
        add(depth, f"if type({var}) is not int or not {low} <= {var} <= {high}:")
        add(depth + 1, "raise Unsupported")
        add(depth, f"append(S[{var} << 1] if 0 <= {var} < 64 else zigzag({var}))")
    elif kind == "timestamp-millis":
        encoder = src.constant("ts", timestamp_millis(), "timestamp_millis()")
        add(depth, f"append({encoder}({var}))")
    elif kind == "string":
        data = src.name("d")
        add(depth, f"if type({var}) is not str: raise Unsupported")
        add(depth, f"{data} = {var}.encode()  # lone surrogates raise: fastavro rejects")
        _length(src, depth, f"len({data})")
        add(depth, f"append({data})")
    elif kind == "bytes":
        add(depth, f"if type({var}) is not bytes and type({var}) is not bytearray:")
        add(depth + 1, "raise Unsupported")
        _length(src, depth, f"len({var})")
        add(depth, f"append(bytes({var}))")
    elif kind == "enum":
        symbols = list(node["symbols"])
        if len(symbols) > _MAX_ONE_BYTE:
            raise SchemaNotSupported("enum with too many symbols")
        symbol_bytes = {s: SMALL[i << 1] for i, s in enumerate(symbols)}
        table = src.constant("enum", symbol_bytes, repr(symbol_bytes))
        add(depth, f"if not isinstance({var}, str): raise Unsupported")
        add(depth, f"append({table}[{var}])  # KeyError: not a symbol, fastavro rejects")
    elif kind == "array":
        item = src.name("v")
        add(depth, f"if type({var}) is not list and type({var}) is not tuple:")
        add(depth + 1, "raise Unsupported")
        add(depth, f"if {var}:")
        _length(src, depth + 1, f"len({var})")
        add(depth + 1, f"for {item} in {var}:")
        _write(src, depth + 2, item, node["items"], ctx)
        add(depth, "append(b'\\x00')")
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
        src.add(depth + 1, f"append({SMALL[index << 1]!r})")
        if kind != "null":
            _write(src, depth + 1, var, branch, ctx)
        keyword = "elif"
    src.add(depth, "else: raise Unsupported  # incl. tuple notation and subclasses")


@dataclass(frozen=True)
class WriterSource:
    """The generated writer of one schema: ``def write(record, a)``, its constants, and a
    digest of both (how a writer generated at build time is recognised as this one)."""

    source: str
    constants: Mapping[str, tuple[Any, str]]  # name -> (value, expression that makes it)

    @property
    def digest(self) -> str:
        expressions = sorted((name, made) for name, (_, made) in self.constants.items())
        return hashlib.sha256(f"{self.source}{expressions!r}".encode()).hexdigest()


def writer_source(parsed: dict[str, Any], *, logical_types: bool) -> WriterSource:
    """The writer of the parsed top-level record schema ``parsed``, as source."""
    if parsed.get("type") != "record":
        raise SchemaNotSupported("top level is not a record")
    src = _Source()
    src.add(0, "def write(record, append):")
    _write(src, 1, "record", parsed, (parsed.get("__named_schemas", {}), logical_types))
    return WriterSource("\n".join(src.lines) + "\n", src.constants)


class FastWriter:
    """The compiled writer of one parsed top-level record schema.

    The same writer generated at build time (``scripts/generate_avro_writers.py``, for the
    schemas the package ships) is compiled with the hot path; it is used when its digest
    matches the source generated here, otherwise this source is compiled now.
    """

    _built: Callable[[Any, list[bytes]], None] | None
    _generated: Callable[[Any, Callable[[bytes], None]], None] | None

    def __init__(
        self, parsed: dict[str, Any], *, logical_types: bool, prefer_built: bool = True
    ) -> None:
        """``prefer_built=False`` always compiles the source now (to compare the two)."""
        generated = writer_source(parsed, logical_types=logical_types)
        #: The generated function, for reading and debugging.
        self.source = generated.source
        self._built = BUILT_WRITERS.get(generated.digest) if prefer_built else None
        self._generated = None
        if self._built is not None:
            return
        namespace: dict[str, Any] = {
            **{name: value for name, (value, _) in generated.constants.items()},
            "S": SMALL,
            "varint": varint,
            "zigzag": zigzag,
            "Unsupported": Unsupported,
            "NoneType": NoneType,
            "datetime": dt.datetime,
        }
        # The source is built from the schema's structure only: field names enter as repr()
        # literals, symbols and helpers as namespace constants; no record value is in it.
        code = compile(self.source, "<lovhub avro writer>", "exec")
        exec(code, namespace)  # noqa: S102
        self._generated = namespace["write"]

    @property
    def built(self) -> bool:
        """Whether the writer generated at build time (compiled with the hot path) is used."""
        return self._built is not None

    def write(self, record: Any) -> bytes | None:
        """The Avro binary body of ``record``, or None when fastavro must handle it."""
        parts: list[bytes] = []
        try:
            if self._built is not None:
                self._built(record, parts)
            elif self._generated is not None:
                self._generated(record, parts.append)
        except Exception:  # Unsupported, a missing field, a value that fails to encode
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
