"""Input that may decode later is held, not rejected; input that never will is rejected."""

from __future__ import annotations

import random
import time

import pytest

from lovhub.codec import (
    AUDIT_DECISION,
    JOBSEEKER_EVENT,
    ConfluentCodec,
    SchemaNotKnownYetError,
    SchemaRegistryClient,
    codec_for,
    default_store,
)
from lovhub.codec.examples import jobseeker_event
from lovhub.codec.examples.records import audit_decision
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.pipeline.hold import InputHeld
from lovhub.synthetic import build_world, pipeline_for
from tests.unit.codec.fake_registry import FakeSchemaRegistry

AT = SourcePosition("agency", 0, 7)


def _withdrawal() -> dict[str, object]:
    return jobseeker_event("CONSENT_WITHDRAWN", random.Random(1), jobseeker_id="AS-500000001")


def test_unknown_fingerprint_holds_by_default_and_is_rejected_when_told() -> None:
    world = build_world()
    known = codec_for(None).encode(JOBSEEKER_EVENT, _withdrawal())
    unknown = known[:2] + bytes(8) + known[10:]  # a fingerprint no schema of ours has
    with pytest.raises(InputHeld) as held:
        pipeline_for(world).process(unknown, b"AS-500000001", AT, JobseekerState())
    assert held.value.reason == "UNKNOWN_SCHEMA"
    rejecting = pipeline_for(world, hold_unknown_schemas=False)
    result = rejecting.process(unknown, b"AS-500000001", AT, JobseekerState())
    assert [a.decision["reason_code"] for a in result.audits] == ["UNKNOWN_SCHEMA"]


def test_a_known_schema_of_another_record_type_is_rejected_not_held() -> None:
    wrong_type = codec_for(None).encode(AUDIT_DECISION, audit_decision(random.Random(2)))
    result = pipeline_for(build_world()).process(wrong_type, b"k", AT, JobseekerState())
    assert result.dead_letters, "never decodable as an agency event: a dead letter"


def test_registry_outage_holds_the_record() -> None:
    world = build_world()
    with FakeSchemaRegistry() as registry:
        writer = ConfluentCodec(default_store(), SchemaRegistryClient(registry.url))
        value = writer.encode(JOBSEEKER_EVENT, _withdrawal())
        registry.unavailable = True
        pipeline = pipeline_for(world)
        pipeline.codec = ConfluentCodec(default_store(), SchemaRegistryClient(registry.url))
        with pytest.raises(InputHeld) as held:
            pipeline.process(value, b"AS-500000001", AT, JobseekerState())
        assert held.value.reason == "SCHEMA_REGISTRY_UNAVAILABLE"
        registry.unavailable = False
        result = pipeline.process(value, b"AS-500000001", AT, JobseekerState())
        assert not result.dead_letters


def test_an_id_registered_later_becomes_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeSchemaRegistry() as registry:
        reader = ConfluentCodec(default_store(), SchemaRegistryClient(registry.url))
        record = _withdrawal()
        elsewhere = ConfluentCodec(default_store(), SchemaRegistryClient(registry.url))
        value = elsewhere.encode(JOBSEEKER_EVENT, record)
        late = b"\x00" + (999).to_bytes(4, "big") + value[5:]
        with pytest.raises(SchemaNotKnownYetError):
            reader.decode(late, JOBSEEKER_EVENT)
        schema_id = int.from_bytes(value[1:5], "big")
        registry.schemas[999] = registry.schemas[schema_id]  # registered after the write
        clock = [time.monotonic() + 60.0]
        monkeypatch.setattr(reader, "_now", lambda: clock[0])
        assert reader.decode(late, JOBSEEKER_EVENT)["event_id"] == record["event_id"]
