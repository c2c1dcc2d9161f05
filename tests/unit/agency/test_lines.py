"""Checking agency lines before sending (lovhub.agency.lines): an accepted line is the
framed Avro record the hub reads back as the same event, keyed by its jobseeker id; every
refusal names the line, the field and the hub's own reason, never the value."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest

from lovhub.agency import Accepted, EventLineChecker, NamedTypes, Refused, event_to_json
from lovhub.codec import JOBSEEKER_EVENT, SingleObjectCodec, codec_for, default_store
from lovhub.codec.examples import jobseeker_event
from lovhub.policy import load_policy
from lovhub.policy.location import default_policy_dir

STORE = default_store()
CODEC = codec_for(None)
TYPES = NamedTypes(STORE.get(JOBSEEKER_EVENT).raw)
POLICY = load_policy(default_policy_dir() / "policy.yaml")


def _event(event_type: str, seed: int = 1, **body: Any) -> dict[str, Any]:
    event = jobseeker_event(event_type, random.Random(seed), body=body or None)
    event["occurred_at"] = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    return event


def _line(event: dict[str, Any]) -> str:
    return json.dumps(event_to_json(event, TYPES))


def _checker(now: dt.datetime | None = None, **options: Any) -> EventLineChecker:
    now = now or dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)
    return EventLineChecker(CODEC, STORE, now=now, policy=POLICY, **options)


def _refused(result: Accepted | Refused) -> Refused:
    assert isinstance(result, Refused), result
    return result


def test_an_accepted_line_is_the_event_as_the_hub_decodes_it_keyed_by_jobseeker_id() -> None:
    event = _event("REGISTRATION")
    result = _checker().check(1, _line(event))
    assert isinstance(result, Accepted)
    assert result.key == event["jobseeker_id"].encode()
    assert result.value[:2] == b"\xc3\x01"  # single-object encoding
    decoded = CODEC.decode(result.value, JOBSEEKER_EVENT)
    assert decoded["body"] == event["body"]
    assert decoded["event_id"] == result.event_id == event["event_id"]


def test_an_older_schema_version_is_written_when_asked() -> None:
    line = event_to_json(_event("PLAN_UPDATED"), TYPES)
    del line["schema_version"]  # optional: the version written is the checker's
    result = _checker(version=2).check(1, json.dumps(line))
    assert isinstance(result, Accepted), result
    assert STORE.by_fingerprint(result.value[2:10]).version == 2


def test_a_type_the_version_lacks_is_refused() -> None:
    result = _refused(_checker(version=2).check(4, _line(_event("RESTRICTION_SET"))))
    assert (result.line_number, result.path) == (4, "event_type")


def test_a_bad_check_digit_is_refused_with_the_hubs_reason_and_without_the_number() -> None:
    event = _event("REGISTRATION")
    pid = event["body"][1]["personal_id"]
    bad = pid[:-1] + str((int(pid[-1]) + 1) % 10)
    event["body"][1]["personal_id"] = bad
    result = _refused(_checker().check(7, _line(event)))
    assert (result.line_number, result.path, result.reason) == (
        7,
        "body.personal_id",
        "BAD_PERSONAL_ID",
    )
    assert bad not in str(result)
    assert pid not in str(result)


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (dt.datetime(2026, 3, 2, 7, 50, tzinfo=dt.UTC), "OCCURRED_IN_FUTURE"),
        (dt.datetime(2026, 4, 2, 8, 1, tzinfo=dt.UTC), "OCCURRED_TOO_LONG_AGO"),
    ],
)
def test_the_hubs_ingest_bounds_are_applied_at_the_time_of_sending(
    now: dt.datetime, reason: str
) -> None:
    result = _refused(_checker(now).check(1, _line(_event("PLAN_UPDATED"))))
    assert (result.path, result.reason) == ("occurred_at", reason)


def test_within_the_bounds_is_accepted() -> None:
    for now in (
        dt.datetime(2026, 3, 2, 7, 56, tzinfo=dt.UTC),  # 4 minutes of clock skew
        dt.datetime(2026, 4, 1, 7, 59, tzinfo=dt.UTC),  # 30 days late, just
    ):
        assert isinstance(_checker(now).check(1, _line(_event("PLAN_UPDATED"))), Accepted)


def test_a_purpose_outside_the_catalogue_is_refused_when_the_policy_is_known() -> None:
    event = _event("CONSENT_GIVEN", purposes=["marketing"])
    result = _refused(_checker().check(2, _line(event)))
    assert (result.path, result.reason) == ("body.purposes[0]", "UNKNOWN_PURPOSE")
    unchecked = EventLineChecker(CODEC, STORE, now=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    assert isinstance(unchecked.check(2, _line(event)), Accepted), "left to the hub"


def test_a_repeated_event_id_is_refused_naming_the_first_line() -> None:
    checker = _checker()
    line = _line(_event("PLAN_UPDATED"))
    assert isinstance(checker.check(3, line), Accepted)
    result = _refused(checker.check(9, line))
    assert (result.path, result.reason) == ("event_id", "EVENT_ID_REPEATED (first on line 3)")


def test_an_oversized_event_is_refused() -> None:
    result = _refused(_checker(max_record_bytes=200).check(1, _line(_event("REGISTRATION"))))
    assert result.reason.startswith("OVERSIZED")


@pytest.mark.parametrize(
    ("text", "path", "reason"),
    [
        ("{not json", "(line)", "NOT_JSON"),
        ("[1, 2]", "(event)", "SCHEMA_MISMATCH (not a JSON object)"),
        ('{"event_type": "PLAN_UPDATED"}', "event_id", "SCHEMA_MISMATCH (missing)"),
    ],
)
def test_lines_that_are_not_events_are_refused(text: str, path: str, reason: str) -> None:
    result = _refused(_checker().check(5, text))
    assert (result.line_number, result.path, result.reason) == (5, path, reason)
    assert str(result) == f"line 5: {path}: {reason}"


def test_a_declared_schema_version_must_be_the_one_written() -> None:
    line = event_to_json(_event("PLAN_UPDATED"), TYPES)
    line["schema_version"] = 2
    result = _refused(_checker().check(1, json.dumps(line)))
    assert result.path == "schema_version"
    line["schema_version"] = 3
    assert isinstance(_checker().check(1, json.dumps(line)), Accepted)


def test_the_jobseeker_id_may_not_be_a_personal_id() -> None:
    event = _event("PLAN_UPDATED")
    event["jobseeker_id"] = _event("REGISTRATION")["body"][1]["personal_id"]
    result = _refused(_checker().check(1, _line(event)))
    assert (result.path, result.reason) == ("jobseeker_id", "PERSONAL_ID_NOT_ALLOWED")


def test_the_codec_in_use_frames_the_value() -> None:
    strict = SingleObjectCodec(STORE)
    checker = EventLineChecker(strict, STORE, now=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    result = checker.check(1, _line(_event("ASSESSMENT")))
    assert isinstance(result, Accepted)
    assert strict.decode(result.value, JOBSEEKER_EVENT)["event_type"] == "ASSESSMENT"
