"""On the real broker: a deregistration to work eight months after the assignment ended
still reaches the provider for its follow-up purposes; thirteen months after, it does not
(issue 11, part 3)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient

from lovhub.codec import JOBSEEKER_EVENT, RECIPIENT_RECORD, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.kafka import producer
from lovhub.synthetic import build_world
from tests.support.broker import TestBroker
from tests.support.hubrun import HubTopics, audit_outcomes, read_all, run_worker_until_idle
from tests.support.stories import PROVIDER

CODEC = codec_for(None)
# In the past, so every event is plausible at ingest: the assignment ends 20 months ago.
ENDED = (dt.datetime.now(dt.UTC) - dt.timedelta(days=600)).replace(hour=9, microsecond=0)


def _history(jobseeker: str, months_after_end: int, rng: random.Random) -> list[dict[str, Any]]:
    started = ENDED - dt.timedelta(days=90)
    assignment = {
        "assignment_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "provider_id": PROVIDER,
        "service_code": "kvl",
        "purposes": ["lov.matching", "lov.compensation", "lov.follow-up"],
        "valid_from": started.date(),
        "valid_to": None,
    }
    events = [
        (started - dt.timedelta(days=1), jobseeker_event("REGISTRATION", rng)),
        (started, jobseeker_event("ASSIGNMENT_STARTED", rng, body=assignment)),
        (
            ENDED,
            jobseeker_event("ASSIGNMENT_ENDED", rng, body={**assignment, "valid_to": ENDED.date()}),
        ),
        (
            ENDED + dt.timedelta(days=round(30.44 * months_after_end)),
            jobseeker_event("DEREGISTRATION", rng, body={"reason": "WORK"}),
        ),
    ]
    for when, event in events:
        event["jobseeker_id"] = jobseeker
        event["occurred_at"] = when
    return [event for _, event in events]


def _produce(settings: Any, topic: str, events: list[dict[str, Any]]) -> None:
    writer = producer(settings)
    for event in events:
        writer.send(
            topic,
            key=event["jobseeker_id"].encode(),
            value=CODEC.encode(JOBSEEKER_EVENT, event),
            timestamp_ms=int(event["occurred_at"].timestamp() * 1000),
        )
    writer.flush()
    writer.close()


def test_a_deregistration_after_the_assignment_reaches_the_provider_within_the_window(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    rng = random.Random(11)
    within, after = "AS-500000101", "AS-500000102"
    events = _history(within, 8, rng) + _history(after, 13, rng)
    _produce(settings, topics.source, events)
    run_worker_until_idle(settings, world, topics, tmp_path / "state", f"lovhub-{topics.run}")

    _, decisions = audit_outcomes(settings, topics)
    deregistrations = {
        e["event_id"]: e["jobseeker_id"] for e in events if e["event_type"] == "DEREGISTRATION"
    }
    by_person = {
        deregistrations[d["event_id"]]: d
        for d in decisions
        if d["event_id"] in deregistrations and d["recipient_id"] == PROVIDER
    }
    assert by_person[within]["outcome"] == "DELIVERED"
    assert set(by_person[within]["purposes"]) == {"lov.compensation", "lov.follow-up"}
    assert by_person[within]["legal_basis"] == "ASSIGNMENT"
    assert (by_person[after]["outcome"], by_person[after]["reason_code"]) == (
        "WITHHELD",
        "FOLLOW_UP_ENDED",
    )
    delivered = [
        CODEC.decode(r.value, RECIPIENT_RECORD)
        for r in read_all(settings, topics.recipient(world.recipients.get(PROVIDER)))
    ]
    outcomes = [r for r in delivered if r["event_type"] == "DEREGISTRATION"]
    assert len(outcomes) == 1, "exactly the one inside the window"
