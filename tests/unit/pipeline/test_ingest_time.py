"""Dates are judged by the hub's clock, not only the producer's (issue 10, finding 10).

The ingest time is the agency record's broker timestamp (``SourcePosition.ingested_at``). An
event backdated to before a consent expired is no longer shared once the consent has expired
by the time the hub sees it; ``occurred_at`` too far after or before the ingest time is
rejected with its own reason. The oracle below judges expiry from the dates alone.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, SourcePosition
from lovhub.pipeline import HubPipeline
from lovhub.pipeline.ingest_time import LOG_APPEND_TIME, broker_ingest_time
from lovhub.synthetic import build_world, pipeline_for

CODEC = codec_for(None)
JOBSEEKER = "AS-500000008"
THIRD_PARTY = "forsakring-alfa"
GIVEN_AT = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
EXPIRES = GIVEN_AT + dt.timedelta(days=2)
PIPELINE: HubPipeline = pipeline_for(build_world())


def _event(event_type: str, occurred_at: dt.datetime, **body: Any) -> dict[str, Any]:
    event = jobseeker_event(event_type, random.Random(8), jobseeker_id=JOBSEEKER, body=body or None)
    event["occurred_at"] = occurred_at
    return event


def _run(events: list[tuple[dict[str, Any], dt.datetime | None]]) -> list[EventResult]:
    state, results = JobseekerState(), []
    for offset, (event, ingested_at) in enumerate(events):
        source = SourcePosition("agency", 0, offset, ingested_at)
        value = CODEC.encode(JOBSEEKER_EVENT, event)
        result = PIPELINE.process(value, JOBSEEKER.encode(), source, state)
        state = result.state or state
        results.append(result)
    return results


def _consent_then_registration(
    occurred_at: dt.datetime, ingested_at: dt.datetime | None
) -> EventResult:
    consent = _event(
        "CONSENT_GIVEN",
        GIVEN_AT,
        recipient_id=THIRD_PARTY,
        purposes=["consent.registration-status"],
        data_categories=["registration_status"],
        valid_until=EXPIRES,
    )
    registration = _event("REGISTRATION", occurred_at)
    return _run([(consent, GIVEN_AT), (registration, ingested_at)])[-1]


def _outcomes(result: EventResult) -> list[tuple[str, str | None]]:
    return [(a.decision["outcome"], a.decision["reason_code"]) for a in result.audits]


def test_a_backdated_event_after_the_consent_expired_is_withheld() -> None:
    """Dated a day before the consent expired, received eight days after: withheld (it was
    delivered when expiry was judged by occurred_at alone)."""
    result = _consent_then_registration(
        EXPIRES - dt.timedelta(days=1), EXPIRES + dt.timedelta(days=8)
    )
    assert not result.deliveries
    assert _outcomes(result) == [("WITHHELD", "CONSENT_EXPIRED")]
    # The audit still records when the event says it happened.
    assert result.audits[0].decision["event_occurred_at"] == EXPIRES - dt.timedelta(days=1)


def test_an_event_received_before_the_consent_expired_is_delivered() -> None:
    result = _consent_then_registration(
        EXPIRES - dt.timedelta(days=1), EXPIRES - dt.timedelta(hours=20)
    )
    assert _outcomes(result) == [("DELIVERED", None)]
    assert len(result.deliveries) == 1


def test_an_event_dated_after_its_ingest_beyond_the_skew_is_rejected() -> None:
    ingested = GIVEN_AT + dt.timedelta(hours=1)
    late = _consent_then_registration(ingested + dt.timedelta(minutes=6), ingested)
    assert _outcomes(late) == [("REJECTED", "OCCURRED_IN_FUTURE")]
    assert len(late.dead_letters) == 1
    assert not late.deliveries
    within = _consent_then_registration(ingested + dt.timedelta(minutes=4), ingested)
    assert _outcomes(within) == [("DELIVERED", None)]


def test_an_event_dated_too_long_before_its_ingest_is_rejected() -> None:
    ingested = GIVEN_AT + dt.timedelta(days=1)
    old = _consent_then_registration(ingested - dt.timedelta(days=31), ingested)
    assert _outcomes(old) == [("REJECTED", "OCCURRED_TOO_LONG_AGO")]
    assert len(old.dead_letters) == 1
    assert not old.deliveries


def test_without_an_ingest_time_occurred_at_alone_decides() -> None:
    """Callers with no trusted ingest time (a CreateTime topic) decide as before."""
    result = _consent_then_registration(EXPIRES - dt.timedelta(days=1), None)
    assert _outcomes(result) == [("DELIVERED", None)]


@settings(max_examples=40, deadline=None)
@given(
    occurred_minutes=st.integers(min_value=-3 * 24 * 60, max_value=5 * 24 * 60),
    delay_minutes=st.integers(min_value=-10, max_value=40 * 24 * 60),
)
def test_property_sharing_is_judged_at_the_later_instant(
    occurred_minutes: int, delay_minutes: int
) -> None:
    occurred_at = GIVEN_AT + dt.timedelta(minutes=occurred_minutes)
    ingested_at = occurred_at + dt.timedelta(minutes=delay_minutes)
    result = _consent_then_registration(occurred_at, ingested_at)
    # Oracle, from the documented bounds and the consent's dates alone.
    if delay_minutes < -5:
        expected = [("REJECTED", "OCCURRED_IN_FUTURE")]
    elif delay_minutes > 30 * 24 * 60:
        expected = [("REJECTED", "OCCURRED_TOO_LONG_AGO")]
    elif occurred_at >= EXPIRES or ingested_at >= EXPIRES:
        expected = [("WITHHELD", "CONSENT_EXPIRED")]
    else:
        expected = [("DELIVERED", None)]
    assert _outcomes(result) == expected


def test_only_a_broker_stamped_timestamp_is_an_ingest_time() -> None:
    millis = int(GIVEN_AT.timestamp() * 1000)
    assert broker_ingest_time(millis, LOG_APPEND_TIME) == GIVEN_AT
    assert broker_ingest_time(millis, 0) is None  # CreateTime: the producer's own clock
    assert broker_ingest_time(-1, LOG_APPEND_TIME) is None
