"""Bytes that are not our records raise typed codec errors, and nothing else, ever."""

from __future__ import annotations

import contextlib
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lovhub.codec import (
    AUDIT_DECISION,
    JOBSEEKER_EVENT,
    CodecError,
    ConfluentCodec,
    MalformedRecordError,
    OversizedRecordError,
    SchemaRegistryClient,
    SchemaStore,
    SingleObjectCodec,
    UnknownSchemaError,
)
from lovhub.codec.examples import EVENT_TYPES, example_record, jobseeker_event
from lovhub.codec.single_object import MAGIC, decode, encode
from tests.unit.codec.fake_registry import FakeSchemaRegistry

HYPOTHESIS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def single(store: SchemaStore) -> SingleObjectCodec:
    return SingleObjectCodec(store)


@pytest.fixture(scope="module")
def valid(single: SingleObjectCodec) -> bytes:
    return single.encode(JOBSEEKER_EVENT, jobseeker_event("REGISTRATION", random.Random(1)))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", MalformedRecordError),
        (b"\xc3", MalformedRecordError),
        (b"\xc3\x01\x00\x01", MalformedRecordError),
        (b"\x00\x01" + bytes(8) + b"\x02", MalformedRecordError),
        (b"\xc3\x01" + bytes(8), UnknownSchemaError),
        (b"\xc3\x01" + b"\xff" * 8 + b"body", UnknownSchemaError),
    ],
    ids=["empty", "one-byte", "short-header", "wrong-magic", "zero-fingerprint", "unknown"],
)
def test_bad_headers(single: SingleObjectCodec, data: bytes, error: type[CodecError]) -> None:
    with pytest.raises(error):
        single.decode(data, JOBSEEKER_EVENT)


def test_truncated_record_is_malformed(single: SingleObjectCodec, valid: bytes) -> None:
    for cut in range(10, len(valid)):
        with pytest.raises(MalformedRecordError):
            single.decode(valid[:cut], JOBSEEKER_EVENT)


def test_trailing_bytes_are_malformed(single: SingleObjectCodec, valid: bytes) -> None:
    with pytest.raises(MalformedRecordError, match="1 trailing bytes"):
        single.decode(valid + b"\x00", JOBSEEKER_EVENT)


def test_garbage_body_is_malformed(single: SingleObjectCodec, valid: bytes) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        single.decode(valid[:10] + b"\xff" * 40, JOBSEEKER_EVENT)
    assert caught.value.__cause__ is not None  # the fastavro error is kept for operators


def test_record_of_another_schema_is_refused(single: SingleObjectCodec) -> None:
    data = single.encode(AUDIT_DECISION, example_record(AUDIT_DECISION, 1))
    with pytest.raises(UnknownSchemaError, match="cannot be read as"):
        single.decode(data, JOBSEEKER_EVENT)


def test_unknown_reader_name_is_refused(single: SingleObjectCodec, valid: bytes) -> None:
    with pytest.raises(UnknownSchemaError):
        single.decode(valid, "se.lovhub.agency.NoSuchRecord")
    with pytest.raises(UnknownSchemaError):
        single.decode(valid, f"{JOBSEEKER_EVENT}@99")


def test_oversized_record_is_refused_before_parsing(store: SchemaStore, valid: bytes) -> None:
    small = SingleObjectCodec(store, max_record_bytes=len(valid) - 1)
    with pytest.raises(OversizedRecordError):
        small.decode(valid, JOBSEEKER_EVENT)
    assert SingleObjectCodec(store, max_record_bytes=len(valid)).decode(valid, JOBSEEKER_EVENT)


def test_module_functions_match_the_codec(store: SchemaStore, valid: bytes) -> None:
    schema = store.resolve(JOBSEEKER_EVENT)
    record = decode(valid, schema, store)
    assert encode(schema, record) == valid
    assert valid[:2] == MAGIC
    assert valid[2:10] == schema.fingerprint


@HYPOTHESIS
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_codec_errors(single: SingleObjectCodec, data: bytes) -> None:
    with contextlib.suppress(CodecError):
        single.decode(data, JOBSEEKER_EVENT)


@HYPOTHESIS
@given(body=st.binary(max_size=300))
def test_arbitrary_bodies_behind_a_valid_header_raise_only_codec_errors(
    single: SingleObjectCodec, store: SchemaStore, body: bytes
) -> None:
    header = MAGIC + store.resolve(JOBSEEKER_EVENT).fingerprint
    with contextlib.suppress(CodecError):
        single.decode(header + body, JOBSEEKER_EVENT)


@HYPOTHESIS
@given(
    event_type=st.sampled_from(EVENT_TYPES),
    position=st.integers(min_value=0),
    replacement=st.integers(min_value=0, max_value=255),
)
def test_one_corrupted_byte_raises_only_codec_errors(
    single: SingleObjectCodec, event_type: str, position: int, replacement: int
) -> None:
    data = bytearray(single.encode(JOBSEEKER_EVENT, jobseeker_event(event_type, random.Random(0))))
    data[position % len(data)] = replacement
    try:
        decoded = single.decode(bytes(data), JOBSEEKER_EVENT)
    except CodecError:
        return
    assert isinstance(decoded, dict)


@HYPOTHESIS
@given(data=st.binary(max_size=200))
def test_confluent_arbitrary_bytes_raise_only_codec_errors(
    store: SchemaStore, shared_registry: FakeSchemaRegistry, data: bytes
) -> None:
    codec = ConfluentCodec(store, SchemaRegistryClient(shared_registry.url))
    schema_id = codec.schema_id(store.resolve(JOBSEEKER_EVENT))
    for candidate in (data, b"\x00" + schema_id.to_bytes(4, "big") + data):
        with contextlib.suppress(CodecError):
            codec.decode(candidate, JOBSEEKER_EVENT)
