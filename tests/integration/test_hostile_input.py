"""Hostile agency input, interleaved with good records, on the real broker (issue 10).

Every class of bad record in ``BAD`` (framing, schema, types, sizes, ids, dates, references,
encodings, keys, reused event ids) sits between good records of the same jobseekers. The
worker must stay healthy, dead-letter and audit each bad record ``REJECTED`` with the reason
its class implies (the table below is the oracle, written out by hand, and the same table is
in docs/pipeline.md), deliver every good record to the assigned provider, and
``lovhub audit reconcile`` must balance.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient

from lovhub.codec import AUDIT_DECISION, JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.codec.examples.records import audit_decision
from lovhub.kafka import producer
from lovhub.synthetic import build_world
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import (
    HubTopics,
    audit_outcomes,
    lovhub_env,
    read_all,
    run_worker_until_idle,
)
from tests.support.stories import PROVIDER, THIRD_PARTY

CODEC = codec_for(None)
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PEOPLE = ("AS-500000051", "AS-500000052", "AS-500000053")
Event = dict[str, Any]
Record = tuple[bytes | None, bytes | None]


def _body(event: Event) -> dict[str, Any]:
    body: dict[str, Any] = event["body"][1]
    return body


def _encoded(event: Event, key: bytes | None = None) -> Record:
    return (key if key is not None else event["jobseeker_id"].encode()), CODEC.encode(
        JOBSEEKER_EVENT, event
    )


def _changed(event_type: str, change: Callable[[Event], None]) -> Callable[[Event], Record]:
    """A bad record: a valid event of ``event_type`` for the person, then ``change``d."""

    def build(base: Event) -> Record:
        event = jobseeker_event(event_type, random.Random(9), jobseeker_id=base["jobseeker_id"])
        event["occurred_at"] = base["occurred_at"]
        change(event)
        return _encoded(event)

    return build


def _framed(make: Callable[[bytes], bytes | None]) -> Callable[[Event], Record]:
    def build(base: Event) -> Record:
        return base["jobseeker_id"].encode(), make(CODEC.encode(JOBSEEKER_EVENT, base))

    return build


def _keyed(key: bytes | None) -> Callable[[Event], Record]:
    def build(base: Event) -> Record:
        event = dict(base, event_id=str(uuid.UUID(int=random.getrandbits(128), version=4)))
        return key, CODEC.encode(JOBSEEKER_EVENT, event)

    return build


def _reused_id(base: Event) -> Record:
    """The id of the person's previous good event, on other content."""
    event = jobseeker_event("PLAN_UPDATED", random.Random(3), jobseeker_id=base["jobseeker_id"])
    event["event_id"] = base["event_id"]
    event["occurred_at"] = base["occurred_at"]
    return _encoded(event)


def _personal_id_as_jobseeker(base: Event) -> Record:
    event = dict(base, jobseeker_id="199001011213")  # a valid check digit: a real-looking id
    event["event_id"] = str(uuid.UUID(int=random.getrandbits(128), version=4))
    return b"199001011213", CODEC.encode(JOBSEEKER_EVENT, event)


def _oversized(base: Event) -> Record:
    """Over the hub's 1 MiB record limit (compressed on the wire, so the broker takes it)."""
    event = jobseeker_event("REGISTRATION", random.Random(8), jobseeker_id=base["jobseeker_id"])
    key, value = _encoded(event)
    assert value is not None
    return key, value + b"\x00" * 1_100_000


def _set(**fields: Any) -> Callable[[Event], None]:
    return lambda e: e.update(fields)


def _set_body(**fields: Any) -> Callable[[Event], None]:
    return lambda e: _body(e).update(fields)


# class -> (builder from a good event, expected audit reason of its REJECTED decision)
BAD: dict[str, tuple[Callable[[Event], Record], str]] = {
    "framing: empty value": (_framed(lambda v: None), "MALFORMED"),
    "framing: random bytes": (_framed(lambda v: random.randbytes(40)), "MALFORMED"),
    "framing: wrong magic": (_framed(lambda v: b"\xc3\x02" + v[2:]), "MALFORMED"),
    "framing: truncated": (_framed(lambda v: v[: len(v) // 2]), "MALFORMED"),
    "framing: trailing bytes": (_framed(lambda v: v + b"\x00\x01"), "MALFORMED"),
    "schema: another record type": (
        lambda base: (
            base["jobseeker_id"].encode(),
            CODEC.encode(AUDIT_DECISION, audit_decision(random.Random(4))),
        ),
        "UNKNOWN_SCHEMA",
    ),
    "types: event type and body disagree": (
        _changed("PLAN_UPDATED", _set(event_type="ASSESSMENT")),
        "INVALID_FIELD",
    ),
    "ids: event id not a UUID": (_changed("PLAN_UPDATED", _set(event_id="1234")), "INVALID_FIELD"),
    "ids: personal id as jobseeker id": (_personal_id_as_jobseeker, "INVALID_FIELD"),
    "ids: bad personal id check digit": (
        _changed("REGISTRATION", _set_body(personal_id="199001011235")),
        "BAD_PERSONAL_ID",
    ),
    "keys: key is another jobseeker": (_keyed(b"AS-599999999"), "INVALID_FIELD"),
    "keys: no key": (_keyed(None), "INVALID_FIELD"),
    "encodings: email without domain": (
        _changed("CONTACT_DETAILS_CHANGED", _set_body(email="nobody@")),
        "INVALID_FIELD",
    ),
    "sizes: 300,000-character name": (
        _changed("REGISTRATION", _set_body(given_name="Å" * 300_000)),
        "TOO_LONG",
    ),
    "sizes: record over 1 MiB": (_oversized, "OVERSIZED"),
    "sizes: 1,000 plan activities": (
        _changed(
            "PLAN_UPDATED", lambda e: _set_body(activities=_body(e)["activities"][:1] * 1_000)(e)
        ),
        "TOO_MANY_ITEMS",
    ),
    "dates: year 2999": (
        _changed("PLAN_UPDATED", _set(occurred_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))),
        "IMPLAUSIBLE_DATE",
    ),
    "dates: year 1900": (
        _changed("PLAN_UPDATED", _set(occurred_at=dt.datetime(1900, 1, 1, tzinfo=dt.UTC))),
        "IMPLAUSIBLE_DATE",
    ),
    "dates: assignment ends before it starts": (
        _changed(
            "ASSIGNMENT_STARTED",
            _set_body(
                provider_id=PROVIDER, valid_from=dt.date(2026, 3, 2), valid_to=dt.date(2026, 3, 1)
            ),
        ),
        "INVALID_FIELD",
    ),
    "references: unknown provider": (
        _changed("ASSIGNMENT_STARTED", _set_body(provider_id="okand-aktor")),
        "UNKNOWN_RECIPIENT",
    ),
    "references: consent for an unknown recipient": (
        _changed("CONSENT_GIVEN", _set_body(recipient_id="okand-part")),
        "UNKNOWN_RECIPIENT",
    ),
    "references: assignment for marketing": (
        _changed("ASSIGNMENT_STARTED", _set_body(provider_id=PROVIDER, purposes=["marketing"])),
        "UNKNOWN_PURPOSE",
    ),
    "references: consent to everything": (
        _changed(
            "CONSENT_GIVEN", _set_body(recipient_id=THIRD_PARTY, data_categories=["everything"])
        ),
        "UNKNOWN_CATEGORY",
    ),
    "reused event id": (_reused_id, "EVENT_ID_REUSED"),
}


def _good_stream(rng: random.Random) -> tuple[list[Record], list[Event], Counter[str]]:
    """Each person registers and is assigned; then plan and contact updates (the good records
    that must reach the provider) with one bad record of every class between them."""
    records: list[Record] = []
    good: list[Event] = []
    expected: Counter[str] = Counter()
    clock = [START]

    def event(person: str, event_type: str, **body: Any) -> Event:
        clock[0] += dt.timedelta(minutes=1)
        made = jobseeker_event(event_type, rng, jobseeker_id=person, body=body or None)
        made["occurred_at"] = clock[0]
        return made

    for person in PEOPLE:
        records.append(_encoded(event(person, "REGISTRATION")))
        start = event(
            person,
            "ASSIGNMENT_STARTED",
            provider_id=PROVIDER,
            purposes=["lov.matching", "lov.preparation", "lov.contact"],
            valid_from=START.date(),
            valid_to=None,
        )
        records.append(_encoded(start))
    classes = sorted(BAD)
    for index, name in enumerate(classes):
        person = PEOPLE[index % len(PEOPLE)]
        update = event(person, "PLAN_UPDATED" if index % 2 else "CONTACT_DETAILS_CHANGED")
        records.append(_encoded(update))
        good.append(update)
        build, reason = BAD[name]
        records.append(build(update))
        expected[reason] += 1
    return records, good, expected


def test_hostile_input_is_rejected_class_by_class_and_good_input_flows(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    assert len(BAD) >= 20
    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    records, good, expected = _good_stream(random.Random(23))
    writer = producer(settings, max_request_size=3_000_000, compression_type="zstd")
    for key, value in records:
        writer.send(topics.source, key=key, value=value, headers=[("x-junk", b"\xff\x00")])
    writer.flush()
    writer.close()

    worker = run_worker_until_idle(settings, world, topics, tmp_path / "state", f"t-{topics.run}")
    assert worker.health.healthy, worker.health.reason
    assert worker.health.events == len(records)

    _, decisions = audit_outcomes(settings, topics)
    rejected = Counter(d["reason_code"] for d in decisions if d["outcome"] == "REJECTED")
    assert rejected == expected
    assert len(read_all(settings, topics.dead_letter)) == sum(expected.values())
    delivered = {
        d["event_id"]
        for d in decisions
        if d["outcome"] == "DELIVERED" and d["recipient_id"] == PROVIDER
    }
    assert {e["event_id"] for e in good} <= delivered, "every good record reaches the provider"

    env = lovhub_env(settings, world, tmp_path)
    result = run_lovhub(env, *topics.reconcile_args())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "books: balanced" in result.stdout
