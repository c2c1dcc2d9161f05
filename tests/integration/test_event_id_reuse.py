"""Different events under one event id are never merged (issue 10, finding 5).

Before: three different events (two jobseekers) sharing an ``event_id`` were delivered under
one decision and delivery id, so a provider's client showed one of them. Now, on the real
broker: a reuse within a partition is rejected ``EVENT_ID_REUSED`` (also after the worker's
state is rebuilt from the changelog on a fresh disk), a true re-send of the same event is not,
and another jobseeker's event with the same id gets its own decision and delivery ids.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.partitioner.default import murmur2

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.synthetic import build_world
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    HubTopics,
    audit_outcomes,
    produce_all,
    read_all,
    run_worker_until_idle,
)
from tests.support.stories import PROVIDER

CODEC = codec_for(None)
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _assigned(jobseeker: str, rng: random.Random) -> list[dict[str, Any]]:
    events = [
        jobseeker_event("REGISTRATION", rng, jobseeker_id=jobseeker),
        jobseeker_event(
            "ASSIGNMENT_STARTED",
            rng,
            jobseeker_id=jobseeker,
            body={
                "assignment_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "provider_id": PROVIDER,
                "service_code": "kvl",
                "purposes": ["lov.matching", "lov.preparation", "lov.contact"],
                "valid_from": START.date(),
                "valid_to": None,
            },
        ),
    ]
    for minute, event in enumerate(events):
        event["occurred_at"] = START + dt.timedelta(minutes=minute)
    return events


def _plan(jobseeker: str, rng: random.Random, event_id: str, minute: int) -> dict[str, Any]:
    event = jobseeker_event("PLAN_UPDATED", rng, jobseeker_id=jobseeker)
    event["event_id"] = event_id
    event["occurred_at"] = START + dt.timedelta(minutes=minute)
    return event


def _partition(jobseeker: str) -> int:
    return (murmur2(jobseeker.encode()) & 0x7FFFFFFF) % HubTopics.partitions


def _records(events: list[dict[str, Any]]) -> list[tuple[bytes | None, bytes]]:
    return [(e["jobseeker_id"].encode(), CODEC.encode(JOBSEEKER_EVENT, e)) for e in events]


def test_a_reused_event_id_is_rejected_and_never_merged(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    rng = random.Random(17)
    shared_id = "5e1f0a4c-1111-4222-8333-444455556666"
    anna, bertil = "AS-500000031", "AS-500000033"
    # Kafka's default partitioner puts them on different partitions of three: no shared
    # index sees both, so only the ids derived from the jobseeker as well keep them apart.
    assert _partition(anna) != _partition(bertil)
    first = _plan(anna, rng, shared_id, 10)
    reused_same_person = _plan(anna, rng, shared_id, 11)  # other content, same id
    other_person = _plan(bertil, rng, shared_id, 12)  # same id, another jobseeker
    stream = [*_assigned(anna, rng), *_assigned(bertil, rng), first, reused_same_person]
    stream.append(other_person)
    records = _records(stream)
    records.append(records[len(stream) - 3])  # a true re-send of ``first``: same bytes
    produce_all(settings, topics.source, records)
    group = f"test-{topics.run}"
    run_worker_until_idle(settings, world, topics, tmp_path / "state-1", group)

    _, decisions = audit_outcomes(settings, topics)
    rejected = [d for d in decisions if d["outcome"] == "REJECTED"]
    assert [(d["reason_code"], d["event_id"]) for d in rejected] == [("EVENT_ID_REUSED", shared_id)]
    assert len(read_all(settings, topics.dead_letter)) == 1
    to_provider = [
        d for d in decisions if d["event_id"] == shared_id and d["outcome"] == "DELIVERED"
    ]
    # Anna's first plan (and its re-send, a recognisable duplicate) and Bertil's plan:
    # two distinct deliveries, never one merged delivery for two people.
    assert len({d["delivery_id"] for d in to_provider}) == 2
    assert len({d["decision_id"] for d in to_provider}) == 2

    # A fresh disk: the index comes back from the changelog and still knows the id.
    later = _plan(anna, rng, shared_id, 20)
    produce_all(settings, topics.source, _records([later]))
    run_worker_until_idle(settings, world, topics, tmp_path / "state-2", group)
    _, decisions = audit_outcomes(settings, topics)
    assert [d["reason_code"] for d in decisions if d["outcome"] == "REJECTED"] == [
        "EVENT_ID_REUSED",
        "EVENT_ID_REUSED",
    ]
