"""The hot path's shortcuts give exactly the bytes of the straightforward code they replace."""

from __future__ import annotations

import io
import uuid
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.audit import ChainHead, link, verify_chain
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.codec import (
    AUDIT_DECISION,
    RECIPIENT_RECORD,
    SingleObjectCodec,
    codec_for,
    default_store,
)
from lovhub.pipeline import HubPipeline
from lovhub.pipeline.audit_wire import AuditWireEncoder
from lovhub.pipeline.ids import _NAMESPACE, uuid5_text
from lovhub.synthetic import build_world, generate_scenario, pipeline_for
from tests.support.pipeline_run import in_order

CODEC = codec_for(None)


@given(st.text(max_size=200))
def test_uuid5_text_is_str_of_uuid5(name: str) -> None:
    try:
        expected = str(uuid.uuid5(_NAMESPACE, name))
    except UnicodeEncodeError:  # lone surrogates: both must refuse
        with pytest.raises(UnicodeEncodeError):
            uuid5_text(name)
        return
    assert uuid5_text(name) == expected


@cache
def _pipeline() -> HubPipeline:
    return pipeline_for(build_world())


def test_the_default_pipeline_splices_audit_records() -> None:
    assert _pipeline()._audit_wire.splices


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), start=st.integers(0, 3))
def test_spliced_audit_records_are_the_codec_encoding(seed: int, start: int) -> None:
    """Every audit record of a synthetic stream, spliced, equals encoding the chained
    decision again; and the records chain and verify as before."""
    pipeline = _pipeline()
    scenario = generate_scenario(
        build_world(), CODEC, jobseekers=4, seed=seed, invalid_rate=0.2, first_number=1
    )
    encode = canonical_audit_encoder(default_store())
    head = ChainHead(bytes(range(32)), start)  # not only the genesis head
    chained_records = []
    for offset, result in in_order(pipeline, scenario.records):
        for number, pending in enumerate(result.audits):
            where = ("t", 1, offset * 10 + number) if pending.delivery_index is not None else None
            record, new_head = pipeline.finish_audit(pending, where, head)
            decoded = CODEC.decode(record.value, AUDIT_DECISION)
            assert record.value == CODEC.encode(AUDIT_DECISION, decoded)
            reference, reference_head = link({**pending.decision, **_placed(where)}, head, encode)
            assert record.value == CODEC.encode(AUDIT_DECISION, reference)
            assert new_head == reference_head
            chained_records.append((len(chained_records), decoded))
            head = new_head
    broken, _, count = verify_chain(
        chained_records, encode, start=ChainHead(bytes(range(32)), start)
    )
    assert broken is None
    assert count == len(chained_records)


def _placed(where: tuple[str, int, int] | None) -> dict[str, object]:
    if where is None:
        return {}
    return dict(
        zip(("delivery_topic", "delivery_partition", "delivery_offset"), where, strict=True)
    )


def test_no_splice_when_the_wire_format_differs() -> None:
    store = default_store()
    canonical = canonical_audit_encoder(store)

    class OtherCodec(SingleObjectCodec):  # not the exact class: its bytes are not assumed
        pass

    assert not AuditWireEncoder(OtherCodec(store), store, canonical).splices
    assert not AuditWireEncoder(
        SingleObjectCodec(store, logical_types=False), store, canonical
    ).splices
    assert AuditWireEncoder(SingleObjectCodec(store), store, canonical).splices


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_recipient_records_are_fastavros_bytes(seed: int) -> None:
    """Every delivery of a synthetic stream, written by the compiled writer, is exactly what
    fastavro writes for the same record (decoded back from the delivery)."""
    from fastavro import schemaless_writer

    pipeline = _pipeline()
    schema = default_store().resolve(RECIPIENT_RECORD)
    scenario = generate_scenario(
        build_world(), CODEC, jobseekers=4, seed=seed, invalid_rate=0.1, first_number=1
    )
    deliveries = 0
    for _, result in in_order(pipeline, scenario.records):
        for delivery in result.deliveries:
            record = CODEC.decode(delivery.value, RECIPIENT_RECORD)
            body = io.BytesIO()
            schemaless_writer(body, schema.parsed, record, strict_allow_default=True)
            assert delivery.value == b"\xc3\x01" + schema.fingerprint + body.getvalue()
            deliveries += 1
