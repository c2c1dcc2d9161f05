"""Implausible agency input is rejected at validation, each class with its own reason
(issue 10, findings 9 and 17). Every case below was delivered or audited falsely before."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.synthetic import build_world, pipeline_for

CODEC = codec_for(None)
JOBSEEKER = "AS-500000007"


def _event(event_type: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    event = jobseeker_event(event_type, random.Random(5), jobseeker_id=JOBSEEKER)
    change(event)
    return event


def _body(event: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = event["body"][1]
    return body


CASES: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "a 300,000-character name": (
        "REGISTRATION",
        lambda e: _body(e).update(given_name="A" * 300_000),
        "TOO_LONG",
    ),
    "100,000 plan activities": (
        "PLAN_UPDATED",
        lambda e: _body(e).update(activities=[_body(e)["activities"][0]] * 100_000),
        "TOO_MANY_ITEMS",
    ),
    "an event in year 2999": (
        "PLAN_UPDATED",
        lambda e: e.update(occurred_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC)),
        "IMPLAUSIBLE_DATE",
    ),
    "an event in year 1900": (
        "PLAN_UPDATED",
        lambda e: e.update(occurred_at=dt.datetime(1900, 1, 1, tzinfo=dt.UTC)),
        "IMPLAUSIBLE_DATE",
    ),
    "an assignment for marketing": (
        "ASSIGNMENT_STARTED",
        lambda e: _body(e).update(provider_id="jobbcoach-syd", purposes=["marketing"]),
        "UNKNOWN_PURPOSE",
    ),
    "a consent to everything": (
        "CONSENT_GIVEN",
        lambda e: _body(e).update(recipient_id="forsakring-alfa", data_categories=["everything"]),
        "UNKNOWN_CATEGORY",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_implausible_input_is_rejected_with_its_own_reason(case: str) -> None:
    event_type, change, reason = CASES[case]
    event = _event(event_type, change)
    pipeline = pipeline_for(build_world())
    value = CODEC.encode(JOBSEEKER_EVENT, event)
    result = pipeline.process(
        value, JOBSEEKER.encode(), SourcePosition("agency", 0, 1), JobseekerState()
    )
    assert not result.deliveries
    assert len(result.dead_letters) == 1
    assert [(a.decision["outcome"], a.decision["reason_code"]) for a in result.audits] == [
        ("REJECTED", reason)
    ]


def test_the_untouched_events_pass() -> None:
    """The cases' base events are valid: each rejection above is caused by its change."""
    pipeline = pipeline_for(build_world())
    for event_type, _, _ in CASES.values():
        event = _event(event_type, lambda e: None)
        if event_type in ("ASSIGNMENT_STARTED", "CONSENT_GIVEN"):
            _body(event).update(
                {"provider_id": "jobbcoach-syd"}
                if event_type == "ASSIGNMENT_STARTED"
                else {"recipient_id": "forsakring-alfa"}
            )
        value = CODEC.encode(JOBSEEKER_EVENT, event)
        result = pipeline.process(
            value, JOBSEEKER.encode(), SourcePosition("agency", 0, 1), JobseekerState()
        )
        assert not result.dead_letters, event_type


def test_an_event_whose_delivery_cannot_fit_is_rejected_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bound is far above any valid event (the input bounds keep deliveries small), so the
    test lowers it to a size a valid registration's delivery exceeds."""
    import lovhub.pipeline.hub as hub

    world = build_world()
    pipeline = pipeline_for(world)
    state = JobseekerState()
    records = []
    story = [
        _event("REGISTRATION", lambda e: None),
        _event(
            "ASSIGNMENT_STARTED",
            lambda e: _body(e).update(
                provider_id="jobbcoach-syd",
                purposes=["lov.matching", "lov.preparation", "lov.contact"],
                valid_to=None,
            ),
        ),
        _event("CONTACT_DETAILS_CHANGED", lambda e: None),
    ]
    for offset, event in enumerate(story):
        event["occurred_at"] = dt.datetime(2026, 3, 2, 9, offset, tzinfo=dt.UTC)
        _body(story[1])["valid_from"] = dt.date(2026, 3, 2)
        value = CODEC.encode(JOBSEEKER_EVENT, event)
        result = pipeline.process(
            value, JOBSEEKER.encode(), SourcePosition("agency", 0, offset), state
        )
        state = result.state or state
        records.append(result)
    delivered = records[-1].deliveries
    assert delivered, "the contact details reach the assigned provider"
    monkeypatch.setattr(hub, "MAX_DELIVERY_BYTES", len(delivered[0].value) - 1)
    again = pipeline.process(
        CODEC.encode(JOBSEEKER_EVENT, story[-1]),
        JOBSEEKER.encode(),
        SourcePosition("agency", 0, 2),
        state,
    )
    assert not again.deliveries
    assert [(a.decision["outcome"], a.decision["reason_code"]) for a in again.audits] == [
        ("REJECTED", "OUTPUT_TOO_LARGE")
    ]


def test_a_dead_letter_of_a_huge_payload_keeps_only_its_digest() -> None:
    import hashlib

    from lovhub.pipeline.rejection import MAX_DEAD_LETTER_PAYLOAD, Rejection, dead_letter_record

    world = build_world()
    payload = b"\x01" * (MAX_DEAD_LETTER_PAYLOAD + 1)
    record, _ = dead_letter_record(
        Rejection("OVERSIZED", "OVERSIZED"),
        payload=payload,
        source=SourcePosition("agency", 0, 9),
        dead_letter_topic="dl",
        operator_key=world.operator_key.public_key(),
        codec=CODEC,
        now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        clock_seconds=dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp(),
    )
    assert len(record.value) < 10_000
    letter = CODEC.decode(record.value, "se.lovhub.deadletter.DeadLetterRecord")
    assert "SHA-256" in letter["detail"]
    from lovhub.crypto import open_for_operators

    opened = open_for_operators(
        letter["operator_key_id"],
        letter["encrypted_payload"],
        dead_letter_id=letter["dead_letter_id"],
        private_key=world.operator_key,
    )
    assert hashlib.sha256(payload).hexdigest() in opened.decode()
