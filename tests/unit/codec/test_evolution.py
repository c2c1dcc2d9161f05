"""Schema versions: resolution between them, compatibility, and pinned fingerprints."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from lovhub.codec import (
    JOBSEEKER_EVENT,
    Codec,
    SchemaStore,
    SingleObjectCodec,
    UnknownSchemaError,
    versioned,
)
from lovhub.codec.examples import event_types_in, example_record, jobseeker_event
from lovhub.codec.store import default_store

# The CRC-64-AVRO fingerprint of every released schema version. A released file may only get
# better docs; anything that changes its canonical form must be a new version instead.
# When you add a version, add its fingerprint here (the failure message prints it).
RELEASED = {
    "se.lovhub.agency.JobseekerEvent@1": "37d128cb9d7e581a",
    "se.lovhub.agency.JobseekerEvent@2": "437a88eae3d24a73",
    "se.lovhub.agency.JobseekerEvent@3": "65000d7a0dbffc88",
    "se.lovhub.audit.AuditCheckpoint@1": "2946441e3be97dca",
    "se.lovhub.audit.AuditDecision@1": "c723fbff1f9f5a96",
    "se.lovhub.audit.OperatorLookup@1": "a22c465770a7269c",
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


@pytest.mark.parametrize("event_type", event_types_in(1))
def test_v1_event_read_with_v2_schema_gets_defaults(codec: Codec, event_type: str) -> None:
    v1 = jobseeker_event(event_type, random.Random(event_type), version=1)
    v2_ref = versioned(JOBSEEKER_EVENT, 2)
    decoded = codec.decode(codec.encode(versioned(JOBSEEKER_EVENT, 1), v1), v2_ref)
    assert decoded.pop("trace_id") is None
    if event_type == "REGISTRATION":
        assert decoded["body"][1].pop("preferred_language") is None
    assert decoded == v1


@pytest.mark.parametrize("old_version", [1, 2])
@pytest.mark.parametrize("event_type", event_types_in(2))
def test_older_events_read_with_the_hubs_v3_schema_get_defaults(
    codec: Codec, event_type: str, old_version: int
) -> None:
    old = jobseeker_event(event_type, random.Random(event_type), version=old_version)
    decoded = codec.decode(
        codec.encode(versioned(JOBSEEKER_EVENT, old_version), old), JOBSEEKER_EVENT
    )
    assert decoded["schema_version"] == old_version  # as written: the writer's own claim
    if old_version == 1:
        assert decoded.pop("trace_id") is None
        if event_type == "REGISTRATION":
            assert decoded["body"][1].pop("preferred_language") is None
    if event_type == "CONSENT_GIVEN":
        body = decoded["body"][1]
        # A consent written before v3 names no reference and reads as a single answer.
        assert (body.pop("reference"), body.pop("delivery_mode")) == (None, "ONCE")
    assert decoded == old


def test_v3_consent_read_with_v2_schema_drops_reference_and_mode(codec: Codec) -> None:
    v3 = jobseeker_event(
        "CONSENT_GIVEN",
        random.Random(3),
        version=3,
        body={"reference": "FA-2025-118", "delivery_mode": "WHILE_VALID"},
    )
    decoded = codec.decode(codec.encode(JOBSEEKER_EVENT, v3), versioned(JOBSEEKER_EVENT, 2))
    body = decoded["body"][1]
    assert "reference" not in body
    assert "delivery_mode" not in body
    assert body["consent_id"] == v3["body"][1]["consent_id"]


def test_a_delivery_mode_the_hub_does_not_know_reads_as_once(tmp_path: Path) -> None:
    # A later version may add a mode; until the hub reads with it, such a consent must not
    # read as anything wider than a single answer.
    shutil.copytree(
        default_store().resolve(JOBSEEKER_EVENT).path.parents[1], tmp_path, dirs_exist_ok=True
    )
    text = (tmp_path / "agency" / "JobseekerEvent.v3.avsc").read_text(encoding="utf-8")
    future = text.replace(
        '"symbols": ["ONCE", "WHILE_VALID"]',
        '"symbols": ["ONCE", "WHILE_VALID", "SOMETHING_WIDER"]',
    )
    assert future != text
    (tmp_path / "agency" / "JobseekerEvent.v4.avsc").write_text(future, encoding="utf-8")
    codec = SingleObjectCodec(SchemaStore.load(tmp_path))
    event = jobseeker_event(
        "CONSENT_GIVEN", random.Random(4), body={"delivery_mode": "SOMETHING_WIDER"}
    )
    data = codec.encode(versioned(JOBSEEKER_EVENT, 4), event)
    decoded = codec.decode(data, versioned(JOBSEEKER_EVENT, 3))
    assert decoded["body"][1]["delivery_mode"] == "ONCE"


@pytest.mark.parametrize("event_type", sorted(set(event_types_in(3)) - set(event_types_in(2))))
def test_v3_only_event_types_cannot_be_read_with_v2(codec: Codec, event_type: str) -> None:
    # The limit of keeping one topic: a v2 reader has no branch for the new bodies, so the
    # hub must read with v3 before any producer writes them (schemas/README.md).
    v3 = jobseeker_event(event_type, random.Random(event_type))
    with pytest.raises(UnknownSchemaError):
        codec.decode(codec.encode(JOBSEEKER_EVENT, v3), versioned(JOBSEEKER_EVENT, 2))


def test_v2_event_read_with_v1_schema_drops_new_fields(codec: Codec) -> None:
    v2 = jobseeker_event("REGISTRATION", random.Random(2), version=2)
    v1_ref = versioned(JOBSEEKER_EVENT, 1)
    decoded = codec.decode(codec.encode(JOBSEEKER_EVENT, v2), v1_ref)
    assert "trace_id" not in decoded
    assert "preferred_language" not in decoded["body"][1]
    assert decoded["body"][1]["personal_id"] == v2["body"][1]["personal_id"]


def test_unversioned_name_means_latest(store: SchemaStore) -> None:
    assert store.resolve(JOBSEEKER_EVENT) is store.get(JOBSEEKER_EVENT, 3)
    assert store.versions(JOBSEEKER_EVENT) == (1, 2, 3)


def _consecutive_pairs(store: SchemaStore) -> list[tuple[str, int]]:
    return [(name, v) for name in store.names() for v in store.versions(name)[1:]]


def _field_names(store: SchemaStore, ref: str) -> set[str]:
    return {field["name"] for field in store.resolve(ref).raw["fields"]}


@pytest.mark.parametrize(("name", "version"), _consecutive_pairs(default_store()))
def test_consecutive_versions_are_fully_compatible(
    codec: Codec, store: SchemaStore, name: str, version: int
) -> None:
    old, new = versioned(name, version - 1), versioned(name, version)
    # backward: the new schema reads old data; forward: the old schema reads new data (for
    # JobseekerEvent v3 only data of the event types v2 knows; see the test above)
    from_old = codec.decode(codec.encode(old, example_record(name, version - 1)), new)
    from_new = codec.decode(codec.encode(new, example_record(name, version)), old)
    assert set(from_old) == _field_names(store, new)
    assert set(from_new) == _field_names(store, old)
