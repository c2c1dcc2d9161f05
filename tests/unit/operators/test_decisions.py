"""Replay filters, the JSON form of decisions, and finding a person's agency ids."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lovhub.operators.decisions import DecisionFilter, jobseeker_ids_for, json_safe, outcome_counts

T0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)

decisions = st.fixed_dictionaries(
    {
        "decided_at": st.integers(0, 10).map(lambda h: T0 + dt.timedelta(hours=h)),
        "recipient_id": st.sampled_from(["a", "b", None]),
        "event_type": st.sampled_from(["REGISTRATION", "PLAN_UPDATED"]),
        "outcome": st.sampled_from(["DELIVERED", "WITHHELD", "REJECTED"]),
        "reason_code": st.sampled_from([None, "NO_CONSENT"]),
        "jobseeker_audit_pseudonym": st.sampled_from(["au_1", "au_2", None]),
    }
)
filters = st.builds(
    DecisionFilter,
    since=st.none() | st.integers(0, 10).map(lambda h: T0 + dt.timedelta(hours=h)),
    until=st.none() | st.integers(0, 10).map(lambda h: T0 + dt.timedelta(hours=h)),
    recipient_id=st.none() | st.sampled_from(["a", "b"]),
    event_type=st.none() | st.just("REGISTRATION"),
    outcome=st.none() | st.sampled_from(["DELIVERED", "WITHHELD"]),
    reason=st.none() | st.just("NO_CONSENT"),
    audit_pseudonyms=st.none() | st.frozensets(st.sampled_from(["au_1", "au_2"])),
)


@given(decisions, filters)
def test_a_filter_matches_exactly_when_every_criterion_holds(
    d: dict[str, Any], f: DecisionFilter
) -> None:
    expected = (
        (f.since is None or d["decided_at"] >= f.since)
        and (f.until is None or d["decided_at"] < f.until)
        and (f.recipient_id is None or d["recipient_id"] == f.recipient_id)
        and (f.event_type is None or d["event_type"] == f.event_type)
        and (f.outcome is None or d["outcome"] == f.outcome)
        and (f.reason is None or d["reason_code"] == f.reason)
        and (f.audit_pseudonyms is None or d["jobseeker_audit_pseudonym"] in f.audit_pseudonyms)
    )
    assert f.matches(d) == expected


def test_json_safe_is_json() -> None:
    value = {"hash": b"\x01\x02", "decided_at": T0, "purposes": ("x",), "n": None}
    assert json.loads(json.dumps(json_safe(value))) == {
        "hash": "0102",
        "decided_at": T0.isoformat(),
        "purposes": ["x"],
        "n": None,
    }


def test_outcome_counts_name_every_outcome() -> None:
    assert outcome_counts([{"outcome": "DELIVERED"}]) == {
        "DELIVERED": 1,
        "WITHHELD": 0,
        "REJECTED": 0,
    }


def test_only_registrations_with_that_number_name_the_person() -> None:
    events = [
        {
            "event_type": "REGISTRATION",
            "jobseeker_id": "AS-1",
            "body": ("R", {"personal_id": "19900101"}),
        },
        {
            "event_type": "REGISTRATION",
            "jobseeker_id": "AS-2",
            "body": ("R", {"personal_id": "other"}),
        },
        {"event_type": "PLAN_UPDATED", "jobseeker_id": "AS-3", "body": ("P", {"note": "19900101"})},
    ]
    assert jobseeker_ids_for("19900101", events) == {"AS-1"}
