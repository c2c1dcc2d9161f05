"""The Avro writers generated at build time (lovhub.codec._generated_writers).

They must be exactly the generator's output for today's schemas, be the ones the codec uses
for the shipped schemas, write the same bytes as the writers generated at start-up (and so
as fastavro: tests/unit/codec/test_fast_writer.py), and be ignored for any schema that
differs from the one they were built for.
"""

from __future__ import annotations

import copy
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastavro import schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lovhub.codec import AUDIT_DECISION, RECIPIENT_RECORD, default_store
from lovhub.codec._fastwrite import FastWriter
from lovhub.codec._probes import probe_records

ROOT = Path(__file__).resolve().parents[3]
STORE = default_store()
SHIPPED = [
    (schema.ref, logical)
    for schema in STORE
    if schema.name in (AUDIT_DECISION, RECIPIENT_RECORD)
    for logical in (True, False)
]


def test_the_committed_module_is_the_generators_output() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/generate_avro_writers.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("ref", "logical"), SHIPPED)
def test_every_shipped_output_schema_uses_its_built_writer(ref: str, logical: bool) -> None:
    parsed = STORE.resolve(ref).for_fastavro(logical_types=logical)
    assert FastWriter(parsed, logical_types=logical).built


def _at_start_up(parsed: dict[str, Any], logical: bool) -> FastWriter:
    """The writer ``_fastwrite`` generates at start-up when the build has none."""
    writer = FastWriter(parsed, logical_types=logical, prefer_built=False)
    assert not writer.built
    return writer


@pytest.mark.parametrize(("ref", "logical"), SHIPPED)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_built_and_start_up_writers_write_the_same_bytes(
    ref: str, logical: bool, data: st.DataObject
) -> None:
    parsed = STORE.resolve(ref).for_fastavro(logical_types=logical)
    built = FastWriter(parsed, logical_types=logical)
    started = _at_start_up(parsed, logical)
    probes = probe_records(parsed, logical_types=logical)
    record = data.draw(st.sampled_from(probes))
    # A field knocked out or given an odd value: both leave the record to fastavro alike.
    field = data.draw(st.sampled_from([f["name"] for f in parsed["fields"]]))
    odd = data.draw(st.sampled_from([None, 1.5, "x", b"x", [], {}, "missing"]))
    changed = dict(record)
    if odd == "missing":
        del changed[field]
    else:
        changed[field] = odd
    for candidate in (record, changed):
        assert built.write(candidate) == started.write(candidate)


def test_a_schema_changed_since_the_build_gets_a_writer_of_its_own() -> None:
    parsed = copy.deepcopy(STORE.resolve(AUDIT_DECISION).for_fastavro(logical_types=True))
    parsed["fields"][0]["name"] = "renamed_decision_id"
    writer = FastWriter(parsed, logical_types=True)
    assert not writer.built
    record = probe_records(parsed, logical_types=True)[0]
    expected = io.BytesIO()
    schemaless_writer(expected, parsed, record, strict_allow_default=True)
    assert writer.write(record) == expected.getvalue()
