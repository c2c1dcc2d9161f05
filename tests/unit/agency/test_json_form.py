"""The JSON form of agency events (lovhub.agency.json_form): a hand-written line reads as
the event written out by hand, every event type round-trips through JSON to the same Avro
bytes, and what does not fit the schema is refused naming the field, never the value."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.agency import JsonFormError, NamedTypes, event_from_json, event_to_json
from lovhub.codec import JOBSEEKER_EVENT, codec_for, default_store, versioned
from lovhub.codec.examples import EVENT_TYPES, jobseeker_event

STORE = default_store()
CODEC = codec_for(None)
TYPES = NamedTypes(STORE.get(JOBSEEKER_EVENT, 3).raw)
AGENCY = "se.lovhub.agency."
# The body record of each event type, written out here rather than taken from the codec.
BODIES = {
    "REGISTRATION": "Registration",
    "ASSESSMENT": "Assessment",
    "ASSIGNMENT_STARTED": "AssignmentStarted",
    "ASSIGNMENT_ENDED": "AssignmentEnded",
    "PLAN_UPDATED": "PlanUpdated",
    "CONTACT_DETAILS_CHANGED": "ContactDetailsChanged",
    "HEALTH_RESTRICTION_RECORDED": "HealthRestrictionRecorded",
    "PROTECTED_IDENTITY_SET": "ProtectedIdentitySet",
    "PROTECTED_IDENTITY_CLEARED": "ProtectedIdentityCleared",
    "CONSENT_GIVEN": "ConsentGiven",
    "CONSENT_WITHDRAWN": "ConsentWithdrawn",
    "DEREGISTRATION": "Deregistration",
    "CORRECTION": "Correction",
    "RESTRICTION_SET": "RestrictionSet",
    "RESTRICTION_CLEARED": "RestrictionCleared",
}
BODY_TYPES = {event_type: AGENCY + name for event_type, name in BODIES.items()}

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "agency-guide.md"


def _guide_example() -> str:
    """The one JSON line in the agency guide's section on the JSON form."""
    section = GUIDE.read_text(encoding="utf-8").split("## The JSON form of an event")[1]
    blocks = re.findall(r"```json\n(.*?)```", section.split("\n## ")[0], re.S)
    assert len(blocks) == 1, "the section shows exactly one JSON example"
    return blocks[0]


CONSENT_LINE = _guide_example()


def _consent_expected() -> dict[str, Any]:
    return {
        "event_id": "0b7e6a52-2f0c-4a51-9c43-5d0c1d1e0a01",
        "event_type": "CONSENT_GIVEN",
        "occurred_at": dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC),
        "producing_system": "af-samtycke",
        "jobseeker_id": "AS-000000042",
        "trace_id": None,  # left out of the line: optional, so null
        "body": (
            AGENCY + "ConsentGiven",
            {
                "consent_id": "5f1d8a0e-7c1b-4f7e-8d2a-9a4b3c2d1e0f",
                "recipient_id": "karriarbron",
                "purposes": ["consent.registration-status"],
                "data_categories": ["registration_status"],
                "valid_until": dt.datetime(2026, 6, 30, tzinfo=dt.UTC),
                "channel": "WEB",
                "recorded_by": None,  # left out of the line: optional, so null
                "reference": "ANS-2026-118",
                "delivery_mode": "ONCE",
            },
        ),
    }


def test_the_guides_line_reads_as_the_event_written_out_by_hand() -> None:
    assert len(CONSENT_LINE.strip().splitlines()) == 1, "one event per line"
    event = event_from_json(json.loads(CONSENT_LINE), TYPES, body_types=BODY_TYPES)
    assert event == _consent_expected()


def test_null_and_left_out_are_the_same_for_an_optional_field() -> None:
    line = json.loads(CONSENT_LINE)
    line["trace_id"], line["body"]["recorded_by"] = None, None
    assert event_from_json(line, TYPES, body_types=BODY_TYPES) == _consent_expected()
    del line["body"]["reference"]
    assert event_from_json(line, TYPES, body_types=BODY_TYPES)["body"][1]["reference"] is None


def test_json_written_is_in_utc_to_the_millisecond_with_dates_as_iso_days() -> None:
    event = _consent_expected()
    event["occurred_at"] = dt.datetime(2026, 3, 2, 8, 15, 1, 234_567, tzinfo=dt.UTC)
    written = event_to_json(event, TYPES)
    assert written["occurred_at"] == "2026-03-02T08:15:01.234Z"
    assert written["body"]["valid_until"] == "2026-06-30T00:00:00.000Z"
    assignment = jobseeker_event("ASSIGNMENT_STARTED", random.Random(3))
    body = event_to_json(assignment, TYPES)["body"]
    assert body["valid_from"] == assignment["body"][1]["valid_from"].isoformat()
    assert len(body["valid_from"]) == 10


def _avro(event: dict[str, Any]) -> bytes:
    return CODEC.encode(versioned(JOBSEEKER_EVENT, 3), {**event, "schema_version": 3})


@settings(max_examples=150, deadline=None)
@given(event_type=st.sampled_from(EVENT_TYPES), seed=st.integers(0, 2**32))
def test_every_event_type_round_trips_through_json_to_the_same_avro_bytes(
    event_type: str, seed: int
) -> None:
    event = jobseeker_event(event_type, random.Random(seed))
    text = json.dumps(event_to_json(event, TYPES))  # plain JSON: no default= needed
    back = event_from_json(json.loads(text), TYPES, body_types=BODY_TYPES)
    assert _avro(back) == _avro(event)


def test_a_correction_names_its_corrected_record() -> None:
    event = jobseeker_event("CORRECTION", random.Random(5))
    corrected_type = event["body"][1]["corrected"][0]
    written = event_to_json(event, TYPES)["body"]["corrected"]
    assert list(written) == [corrected_type.rsplit(".", 1)[1]]
    full_name = {corrected_type: written[corrected_type.rsplit(".", 1)[1]]}
    line = event_to_json(event, TYPES)
    line["body"]["corrected"] = full_name  # the full name is accepted too
    back = event_from_json(line, TYPES, body_types=BODY_TYPES)
    assert back["body"][1]["corrected"][0] == corrected_type


def _refusal(change: Any) -> JsonFormError:
    line = json.loads(CONSENT_LINE)
    change(line)
    with pytest.raises(JsonFormError) as caught:
        event_from_json(line, TYPES, body_types=BODY_TYPES)
    return caught.value


def _set(path: str, value: Any) -> Any:
    def change(line: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = line
        for name in parents:
            target = target[name]
        target[last] = value

    return change


def _drop(path: str) -> Any:
    def change(line: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = line
        for name in parents:
            target = target[name]
        del target[last]

    return change


@pytest.mark.parametrize(
    ("change", "path", "problem"),
    [
        (_drop("event_id"), "event_id", "missing"),
        (_drop("body.recipient_id"), "body.recipient_id", "missing"),
        (_set("event_type", "HIRED"), "event_type", "not an event type"),
        (_set("body.channel", "CARRIER_PIGEON"), "body.channel", "not a symbol"),
        (_set("occurred_at", "2026-03-02T09:15:00"), "occurred_at", "needs a zone"),
        (_set("occurred_at", "yesterday"), "occurred_at", "not an RFC 3339"),
        (_set("occurred_at", 1772440500000), "occurred_at", "expected an RFC 3339"),
        (_set("body.purposes", "consent.registration-status"), "body.purposes", "a list"),
        (_set("body.purposes", [7]), "body.purposes[0]", "expected a string"),
        (_set("body.nickname", "Kalle"), "body.nickname", "not a field"),
        (_set("colour", "blue"), "colour", "not a field"),
        (_set("body", None), "body", "expected an object"),
        (_set("event_id", None), "event_id", "expected a string"),
    ],
)
def test_what_does_not_fit_the_schema_is_refused_naming_the_field(
    change: Any, path: str, problem: str
) -> None:
    error = _refusal(change)
    assert error.path == path
    assert problem in error.problem


def test_a_refusal_never_repeats_the_value() -> None:
    registration = jobseeker_event("REGISTRATION", random.Random(8))
    line = event_to_json(registration, TYPES)
    line["body"]["birth_date"] = line["body"]["personal_id"]  # a number where a date goes
    with pytest.raises(JsonFormError) as caught:
        event_from_json(line, TYPES, body_types=BODY_TYPES)
    assert caught.value.path == "body.birth_date"
    assert registration["body"][1]["personal_id"] not in str(caught.value)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(JsonFormError, match="not a JSON object"):
        event_from_json([1, 2], TYPES, body_types=BODY_TYPES)
