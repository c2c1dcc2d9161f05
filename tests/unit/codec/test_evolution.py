"""Schema versions: resolution between them, compatibility, and pinned fingerprints."""

from __future__ import annotations

import random

import pytest

from lovhub.codec import JOBSEEKER_EVENT, Codec, SchemaStore, versioned
from lovhub.codec.examples import EVENT_TYPES, example_record, jobseeker_event
from lovhub.codec.store import default_store

# The CRC-64-AVRO fingerprint of every released schema version. A released file may only get
# better docs; anything that changes its canonical form must be a new version instead.
# When you add a version, add its fingerprint here (the failure message prints it).
RELEASED = {
    "se.lovhub.agency.JobseekerEvent@1": "37d128cb9d7e581a",
    "se.lovhub.agency.JobseekerEvent@2": "437a88eae3d24a73",
    "se.lovhub.audit.AuditCheckpoint@1": "2946441e3be97dca",
    "se.lovhub.audit.AuditDecision@1": "c723fbff1f9f5a96",
    "se.lovhub.deadletter.DeadLetterRecord@1": "ba885a5cba27acda",
    "se.lovhub.recipient.RecipientRecord@1": "70c0ed8e55ba3353",
    "se.lovhub.recipient.RecipientRecord@2": "89c21d3ff68f1d1b",
    "se.lovhub.registry.RecipientChange@1": "ca633285f1f090bd",
    "se.lovhub.report.AgencyProviderReport@1": "93d4b537445dda04",
    "se.lovhub.report.ProviderReport@1": "014cf0e3ecaaf54c",
}


def test_released_fingerprints_are_unchanged(store: SchemaStore) -> None:
    actual = {schema.ref: schema.fingerprint.hex() for schema in store}
    assert actual == RELEASED


def test_fingerprint_matches_the_avro_reference_value() -> None:
    # Avro spec test vector: CRC-64-AVRO of the canonical form "int", little-endian.
    from fastavro.schema import fingerprint

    assert fingerprint('"int"', "CRC-64-AVRO") == "8f5c393f1ad57572"


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_v1_event_read_with_v2_schema_gets_defaults(codec: Codec, event_type: str) -> None:
    v1 = jobseeker_event(event_type, random.Random(event_type), version=1)
    decoded = codec.decode(codec.encode(versioned(JOBSEEKER_EVENT, 1), v1), JOBSEEKER_EVENT)
    assert decoded.pop("trace_id") is None
    if event_type == "REGISTRATION":
        assert decoded["body"][1].pop("preferred_language") is None
    assert decoded == v1


def test_v2_event_read_with_v1_schema_drops_new_fields(codec: Codec) -> None:
    v2 = jobseeker_event("REGISTRATION", random.Random(2), version=2)
    v1_ref = versioned(JOBSEEKER_EVENT, 1)
    decoded = codec.decode(codec.encode(JOBSEEKER_EVENT, v2), v1_ref)
    assert "trace_id" not in decoded
    assert "preferred_language" not in decoded["body"][1]
    assert decoded["body"][1]["personal_id"] == v2["body"][1]["personal_id"]


def test_unversioned_name_means_latest(store: SchemaStore) -> None:
    assert store.resolve(JOBSEEKER_EVENT) is store.get(JOBSEEKER_EVENT, 2)
    assert store.versions(JOBSEEKER_EVENT) == (1, 2)


def _consecutive_pairs(store: SchemaStore) -> list[tuple[str, int]]:
    return [(name, v) for name in store.names() for v in store.versions(name)[1:]]


def _field_names(store: SchemaStore, ref: str) -> set[str]:
    return {field["name"] for field in store.resolve(ref).raw["fields"]}


@pytest.mark.parametrize(("name", "version"), _consecutive_pairs(default_store()))
def test_consecutive_versions_are_fully_compatible(
    codec: Codec, store: SchemaStore, name: str, version: int
) -> None:
    old, new = versioned(name, version - 1), versioned(name, version)
    # backward: the new schema reads old data; forward: the old schema reads new data
    from_old = codec.decode(codec.encode(old, example_record(name, version - 1)), new)
    from_new = codec.decode(codec.encode(new, example_record(name, version)), old)
    assert set(from_old) == _field_names(store, new)
    assert set(from_new) == _field_names(store, old)
