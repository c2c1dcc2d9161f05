"""Every schema version and every union branch survives encode -> decode unchanged."""

from __future__ import annotations

import random

import pytest

from lovhub.codec import (
    JOBSEEKER_EVENT,
    PROVIDER_REPORT,
    TOP_LEVEL_SCHEMAS,
    Codec,
    InvalidFieldError,
    SchemaStore,
    SingleObjectCodec,
    versioned,
)
from lovhub.codec.examples import (
    event_types_in,
    example_record,
    example_refs,
    jobseeker_event,
    provider_report,
)
from lovhub.codec.store import default_store

ALL_REFS = sorted(schema.ref for schema in default_store())


def test_every_schema_version_has_an_example(store: SchemaStore) -> None:
    missing = {schema.ref for schema in store} - example_refs()
    assert not missing, f"add examples to lovhub.codec.examples for {sorted(missing)}"


def test_examples_exist_only_for_real_schemas(store: SchemaStore) -> None:
    assert example_refs() <= {schema.ref for schema in store}


def test_names_module_lists_every_top_level_schema(store: SchemaStore) -> None:
    assert set(store.names()) == set(TOP_LEVEL_SCHEMAS)


@pytest.mark.parametrize("ref", ALL_REFS)
def test_example_round_trips(codec: Codec, store: SchemaStore, ref: str) -> None:
    schema = store.resolve(ref)
    for seed in range(5):
        record = example_record(schema.name, schema.version, rng=random.Random(seed))
        assert codec.decode(codec.encode(ref, record), ref) == record


@pytest.mark.parametrize(
    ("event_type", "version"),
    [(event_type, version) for version in (1, 2, 3) for event_type in event_types_in(version)],
)
def test_every_event_type_round_trips(codec: Codec, event_type: str, version: int) -> None:
    ref = versioned(JOBSEEKER_EVENT, version)
    record = jobseeker_event(event_type, random.Random(event_type), version=version)
    decoded = codec.decode(codec.encode(ref, record), ref)
    assert decoded == record
    assert decoded["body"][0].endswith(event_type.title().replace("_", ""))


CORRECTABLE = {
    "REGISTRATION": "se.lovhub.agency.Registration",
    "ASSESSMENT": "se.lovhub.agency.Assessment",
    "PLAN_UPDATED": "se.lovhub.agency.PlanUpdated",
    "CONTACT_DETAILS_CHANGED": "se.lovhub.agency.ContactDetailsChanged",
    "HEALTH_RESTRICTION_RECORDED": "se.lovhub.agency.HealthRestrictionRecorded",
    "DEREGISTRATION": "se.lovhub.agency.Deregistration",
}


@pytest.mark.parametrize(("event_type", "record_name"), sorted(CORRECTABLE.items()))
def test_a_correction_keeps_the_branch_of_its_corrected_body(
    codec: Codec, event_type: str, record_name: str
) -> None:
    # The in-memory form core code reads: (Correction, {..., "corrected": (name, dict)}).
    inner = jobseeker_event(event_type, random.Random(event_type))["body"]
    assert inner[0] == record_name
    record = jobseeker_event("CORRECTION", random.Random(1), body={"corrected": inner})
    decoded = codec.decode(codec.encode(JOBSEEKER_EVENT, record), JOBSEEKER_EVENT)
    assert decoded["body"] == (
        "se.lovhub.agency.Correction",
        {"corrects_event_id": record["body"][1]["corrects_event_id"], "corrected": inner},
    )


def test_a_correction_of_a_state_event_does_not_encode(codec: Codec) -> None:
    consent = jobseeker_event("CONSENT_GIVEN", random.Random(2))["body"]
    record = jobseeker_event("CORRECTION", random.Random(2), body={"corrected": consent})
    with pytest.raises(InvalidFieldError) as caught:
        codec.encode(JOBSEEKER_EVENT, record)
    assert caught.value.path == "body.corrected"


@pytest.mark.parametrize("report_type", ["ACTIVITY", "ABSENCE", "OUTCOME"])
def test_every_report_type_round_trips(codec: Codec, report_type: str) -> None:
    record = provider_report(random.Random(1), report_type=report_type)
    assert codec.decode(codec.encode(PROVIDER_REPORT, record), PROVIDER_REPORT) == record


def test_records_with_the_same_fields_keep_their_branch(codec: Codec) -> None:
    # AssignmentStarted and AssignmentEnded can hold identical values; the tuple notation
    # must keep them apart instead of fastavro picking the first branch that fits.
    rng = random.Random(3)
    ended = jobseeker_event("ASSIGNMENT_ENDED", rng)
    started = {**ended, "event_type": "ASSIGNMENT_STARTED"}
    started["body"] = ("se.lovhub.agency.AssignmentStarted", ended["body"][1])
    for record in (started, ended):
        decoded = codec.decode(codec.encode(JOBSEEKER_EVENT, record), JOBSEEKER_EVENT)
        assert decoded["body"][0] == record["body"][0]


@pytest.mark.parametrize("ref", ALL_REFS)
def test_without_logical_types_the_bytes_are_the_same(store: SchemaStore, ref: str) -> None:
    friendly, plain = SingleObjectCodec(store), SingleObjectCodec(store, logical_types=False)
    schema = store.resolve(ref)
    data = friendly.encode(ref, example_record(schema.name, schema.version))
    as_ints = plain.decode(data, ref)
    assert plain.encode(ref, as_ints) == data
    assert friendly.decode(data, ref) == example_record(schema.name, schema.version)


def test_without_logical_types_timestamps_are_epoch_millis(store: SchemaStore) -> None:
    record = jobseeker_event("REGISTRATION", random.Random(5))
    data = SingleObjectCodec(store).encode(JOBSEEKER_EVENT, record)
    plain = SingleObjectCodec(store, logical_types=False).decode(data, JOBSEEKER_EVENT)
    assert plain["occurred_at"] == int(record["occurred_at"].timestamp() * 1000)
    birth_date = record["body"][1]["birth_date"]
    assert plain["body"][1]["birth_date"] == birth_date.toordinal() - 719163  # 1970-01-01
