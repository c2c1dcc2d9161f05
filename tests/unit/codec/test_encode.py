"""Records that do not fit their schema are refused with the field's path, not its value."""

from __future__ import annotations

import random
from typing import Any

import pytest

from lovhub.codec import (
    DEAD_LETTER_RECORD,
    JOBSEEKER_EVENT,
    Codec,
    FieldProblem,
    InvalidFieldError,
    SchemaStore,
    SingleObjectCodec,
    UnknownSchemaError,
)
from lovhub.codec.examples import example_record, jobseeker_event

SECRET = "195001011234-SECRET"


def _registration(**changes: Any) -> dict[str, Any]:
    record = jobseeker_event("REGISTRATION", random.Random(9))
    record["body"][1].update(changes)
    return record


def _refused(codec: Codec, name: str, record: dict[str, Any]) -> InvalidFieldError:
    with pytest.raises(InvalidFieldError) as caught:
        codec.encode(name, record)
    error = caught.value
    assert error.reason is FieldProblem.SCHEMA_MISMATCH
    # fastavro's own message would quote the value: it must be gone, cause and context too.
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert error.__cause__ is None
    assert error.__suppress_context__
    return error


@pytest.mark.parametrize(
    ("record", "path"),
    [
        (_registration(birth_date=SECRET), "body.birth_date"),
        (_registration(education_level=SECRET), "body.education_level"),
        (_registration(languages=["sv", SECRET.encode()]), "body.languages[1]"),
        (
            _registration(
                address={
                    "street": SECRET,
                    "postal_code": 11122,
                    "municipality_code": "0180",
                    "city": "Stockholm",
                }
            ),
            "body.address.postal_code",
        ),
        (_registration(unexpected=SECRET), "body.unexpected"),
        ({**_registration(), "event_type": SECRET}, "event_type"),
        ({**_registration(), "body": ("se.lovhub.agency.Nope", {"x": SECRET})}, "body"),
    ],
    ids=["date", "enum", "array-item", "nested", "extra-field", "envelope", "unknown-branch"],
)
def test_mismatch_names_the_path(codec: Codec, record: dict[str, Any], path: str) -> None:
    assert _refused(codec, JOBSEEKER_EVENT, record).path == path


def test_missing_required_field_is_refused(codec: Codec) -> None:
    record = example_record(DEAD_LETTER_RECORD, 1)
    del record["detail"]
    assert _refused(codec, DEAD_LETTER_RECORD, record).path == "detail"


def test_missing_field_with_default_is_filled_in(codec: Codec) -> None:
    record = jobseeker_event("REGISTRATION", random.Random(1), version=2)
    del record["trace_id"]
    assert codec.decode(codec.encode(JOBSEEKER_EVENT, record), JOBSEEKER_EVENT)["trace_id"] is None


def test_lenient_codec_ignores_extra_fields(store: SchemaStore) -> None:
    lenient = SingleObjectCodec(store, strict=False)
    record = jobseeker_event("DEREGISTRATION", random.Random(1))
    decoded = lenient.decode(lenient.encode(JOBSEEKER_EVENT, {**record, "x": 1}), JOBSEEKER_EVENT)
    assert decoded == record


def test_unknown_schema_name_is_refused(codec: Codec) -> None:
    with pytest.raises(UnknownSchemaError):
        codec.encode("se.lovhub.agency.Nothing", {})
