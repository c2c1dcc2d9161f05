"""The Confluent wire format against an in-process fake Schema Registry."""

from __future__ import annotations

import json
import random

import pytest

from lovhub.codec import (
    JOBSEEKER_EVENT,
    ConfluentCodec,
    MalformedRecordError,
    SchemaRegistryClient,
    SchemaRegistryError,
    SchemaStore,
    SingleObjectCodec,
    UnknownSchemaError,
    codec_for,
    versioned,
)
from lovhub.codec.confluent import HEADER_SIZE, MAGIC
from lovhub.codec.examples import jobseeker_event
from lovhub.settings import HubSettings
from tests.unit.codec.fake_registry import FakeSchemaRegistry


@pytest.fixture
def confluent(store: SchemaStore, registry: FakeSchemaRegistry) -> ConfluentCodec:
    return ConfluentCodec(store, SchemaRegistryClient(registry.url))


def test_header_is_magic_and_big_endian_registry_id(
    confluent: ConfluentCodec, registry: FakeSchemaRegistry
) -> None:
    data = confluent.encode(JOBSEEKER_EVENT, jobseeker_event("ASSESSMENT", random.Random(1)))
    assert data[:1] == MAGIC
    schema_id = int.from_bytes(data[1:HEADER_SIZE], "big")
    assert schema_id in registry.schemas
    assert registry.subjects == {JOBSEEKER_EVENT: [schema_id]}


def test_schema_is_registered_once_and_fetched_once(
    store: SchemaStore, registry: FakeSchemaRegistry
) -> None:
    writer = ConfluentCodec(store, SchemaRegistryClient(registry.url))
    reader = ConfluentCodec(store, SchemaRegistryClient(registry.url))
    rng = random.Random(2)
    for _ in range(20):
        data = writer.encode(JOBSEEKER_EVENT, jobseeker_event("REGISTRATION", rng))
        reader.decode(data, JOBSEEKER_EVENT)
    assert [method for method, _ in registry.requests] == ["POST", "GET"]


def test_registered_text_is_the_schema_file(
    confluent: ConfluentCodec, store: SchemaStore, registry: FakeSchemaRegistry
) -> None:
    schema = store.resolve(JOBSEEKER_EVENT)
    schema_id = confluent.schema_id(schema)
    assert json.loads(registry.schemas[schema_id]) == schema.raw


def test_versions_get_their_own_ids_under_one_subject(
    confluent: ConfluentCodec, store: SchemaStore, registry: FakeSchemaRegistry
) -> None:
    ids = [confluent.schema_id(store.get(JOBSEEKER_EVENT, v)) for v in (1, 2)]
    assert ids[0] != ids[1]
    assert registry.subjects[JOBSEEKER_EVENT] == ids


def test_v1_written_by_another_producer_decodes_with_v2(
    store: SchemaStore, registry: FakeSchemaRegistry
) -> None:
    producer = ConfluentCodec(store, SchemaRegistryClient(registry.url))
    event = jobseeker_event("REGISTRATION", random.Random(3), version=1)
    data = producer.encode(versioned(JOBSEEKER_EVENT, 1), event)
    consumer = ConfluentCodec(store, SchemaRegistryClient(registry.url))
    decoded = consumer.decode(data, JOBSEEKER_EVENT)
    assert decoded["trace_id"] is None
    assert decoded["body"][1]["preferred_language"] is None


def test_writer_schema_unknown_to_the_store_is_resolved(
    store: SchemaStore, registry: FakeSchemaRegistry
) -> None:
    # A producer with a newer schema (here: v2 plus one more optional field) that this
    # process has never seen; the registry supplies it and resolution does the rest.
    newer = json.loads(json.dumps(store.resolve(JOBSEEKER_EVENT).raw))
    newer["fields"].append(
        {"name": "tenant", "type": ["null", "string"], "default": None, "doc": "test"}
    )
    schema_id = registry.add(json.dumps(newer))
    event = jobseeker_event("DEREGISTRATION", random.Random(4))
    body = SingleObjectCodec(store).encode(JOBSEEKER_EVENT, event)[10:] + b"\x00"  # null
    consumer = ConfluentCodec(store, SchemaRegistryClient(registry.url))
    decoded = consumer.decode(MAGIC + schema_id.to_bytes(4, "big") + body, JOBSEEKER_EVENT)
    assert decoded == event


def test_unknown_id_is_unknown_schema_and_asked_only_once(
    confluent: ConfluentCodec, registry: FakeSchemaRegistry
) -> None:
    data = MAGIC + (999_999).to_bytes(4, "big") + b"\x00"
    for _ in range(3):
        with pytest.raises(UnknownSchemaError):
            confluent.decode(data, JOBSEEKER_EVENT)
    assert registry.requests == [("GET", "/schemas/ids/999999")]


@pytest.mark.parametrize("data", [b"", b"\x00\x00", b"\x01\x00\x00\x00\x01\x02"])
def test_bad_header_is_malformed(confluent: ConfluentCodec, data: bytes) -> None:
    with pytest.raises(MalformedRecordError):
        confluent.decode(data, JOBSEEKER_EVENT)


def test_trailing_bytes_are_malformed(confluent: ConfluentCodec) -> None:
    data = confluent.encode(JOBSEEKER_EVENT, jobseeker_event("DEREGISTRATION", random.Random()))
    with pytest.raises(MalformedRecordError, match="trailing"):
        confluent.decode(data + b"\x00\x00", JOBSEEKER_EVENT)


def test_unreachable_registry_is_a_registry_error_not_a_data_error(
    store: SchemaStore, registry: FakeSchemaRegistry
) -> None:
    url = registry.url
    registry.__exit__(None, None, None)  # nothing listens on the port any more
    codec = ConfluentCodec(store, SchemaRegistryClient(url, timeout=2))
    with pytest.raises(SchemaRegistryError):
        codec.encode(JOBSEEKER_EVENT, jobseeker_event("DEREGISTRATION", random.Random()))
    with pytest.raises(SchemaRegistryError):
        codec.decode(MAGIC + (100).to_bytes(4, "big") + b"\x00", JOBSEEKER_EVENT)


def test_registry_url_must_be_http() -> None:
    with pytest.raises(SchemaRegistryError):
        SchemaRegistryClient("file:///etc/passwd")


def test_codec_for_picks_the_wire_format(store: SchemaStore) -> None:
    assert isinstance(codec_for(None, store), SingleObjectCodec)
    assert isinstance(codec_for("", store), SingleObjectCodec)
    assert isinstance(codec_for(HubSettings(schema_registry_url=None), store), SingleObjectCodec)
    assert isinstance(codec_for("http://127.0.0.1:1", store), ConfluentCodec)
    configured = HubSettings(schema_registry_url="http://127.0.0.1:1")
    assert isinstance(codec_for(configured, store), ConfluentCodec)


def test_codec_for_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, store: SchemaStore
) -> None:
    monkeypatch.setenv("LOVHUB_SCHEMA_REGISTRY_URL", "http://127.0.0.1:1")
    assert isinstance(codec_for(HubSettings(), store), ConfluentCodec)
