"""A realistic synthetic agency stream: registrations, assignments, consents given and
withdrawn, special-category data, protected identities, and a few percent invalid records.

Each jobseeker's history is in the order real life produces it: registration and assessment
first, then the assignment (so the provider learns them from the handover), then consents,
plan, contact details, sometimes the end of the assignment and a deregistration (a
follow-up). Nothing is re-emitted to make a delivery happen. Jobseekers are interleaved as
the agency's systems would emit them. Returned as (key, value) pairs ready to produce, plus
the source events.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lovhub.codec import JOBSEEKER_EVENT, Codec
from lovhub.codec.examples import jobseeker_event
from lovhub.synthetic.world import World

__all__ = ["Scenario", "generate_scenario"]

INVALID_KINDS = ("garbage", "bad_personal_id", "unknown_recipient", "wrong_key")
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@dataclass
class Scenario:
    records: list[tuple[bytes | None, bytes]] = field(default_factory=list)
    events: list[dict[str, Any] | None] = field(default_factory=list)  # None: invalid input
    invalid: dict[str, int] = field(default_factory=dict)


class _Jobseeker:
    def __init__(
        self, world: World, rng: random.Random, number: int, start: dt.datetime = START
    ) -> None:
        self.world, self.rng = world, rng
        self.id = f"AS-{number:09d}"
        self.now = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 20))

    def event(self, event_type: str, **body: Any) -> dict[str, Any]:
        self.now += dt.timedelta(minutes=self.rng.randrange(1, 600))
        event = jobseeker_event(event_type, self.rng, jobseeker_id=self.id, body=body or None)
        event["occurred_at"] = self.now
        return event

    def history(self) -> Iterator[dict[str, Any]]:
        rng, world = self.rng, self.world
        yield self.event("REGISTRATION")
        yield self.event("ASSESSMENT")
        provider = rng.choice(world.recipients.providers())
        purposes = sorted(provider.contracted_purposes)
        assignment = self.event(
            "ASSIGNMENT_STARTED",
            provider_id=provider.id,
            purposes=purposes,
            valid_from=self.now.date(),
            valid_to=None,
        )
        yield assignment
        third = rng.choice(world.recipients.third_parties())
        third_consent = None
        if rng.random() < 0.5:
            third_consent = self.event(
                "CONSENT_GIVEN",
                recipient_id=third.id,
                purposes=["consent.registration-status"],
                data_categories=["registration_status"],
                valid_until=None if rng.random() < 0.7 else self.now + dt.timedelta(days=2),
            )
            yield third_consent
        if rng.random() < 0.4:
            yield self.event(
                "CONSENT_GIVEN",
                recipient_id=provider.id,
                purposes=["lov.preparation"],
                data_categories=["health_restrictions"],
                valid_until=None,
            )
        if rng.random() < 0.6:
            yield self.event("HEALTH_RESTRICTION_RECORDED")
        if rng.random() < 0.15:
            yield self.event("PROTECTED_IDENTITY_SET", kind="PROTECTED_REGISTRATION")
        yield self.event("CONTACT_DETAILS_CHANGED")
        yield self.event("PLAN_UPDATED")
        if third_consent is not None and rng.random() < 0.5:
            consent = third_consent["body"][1]
            yield self.event(
                "CONSENT_WITHDRAWN", consent_id=consent["consent_id"], recipient_id=third.id
            )
        if rng.random() < 0.35:
            body = assignment["body"][1]
            yield self.event(
                "ASSIGNMENT_ENDED",
                assignment_id=body["assignment_id"],
                provider_id=provider.id,
                purposes=purposes,
                valid_from=body["valid_from"],
                valid_to=self.now.date(),
            )
            yield self.event("PLAN_UPDATED")
        if rng.random() < 0.3:
            yield self.event("DEREGISTRATION")


def _invalid(kind: str, person: _Jobseeker, codec: Codec) -> tuple[bytes | None, bytes]:
    key = person.id.encode()
    if kind == "garbage":
        return key, bytes(person.rng.getrandbits(8) for _ in range(40))
    if kind == "bad_personal_id":
        event = person.event("REGISTRATION")
        pid = event["body"][1]["personal_id"]
        event["body"][1]["personal_id"] = pid[:-1] + str((int(pid[-1]) + 1) % 10)
        return key, codec.encode(JOBSEEKER_EVENT, event)
    if kind == "unknown_recipient":
        event = person.event("CONSENT_GIVEN", recipient_id="okand-mottagare")
        return key, codec.encode(JOBSEEKER_EVENT, event)
    event = person.event("PLAN_UPDATED")
    return b"AS-000000000-wrong", codec.encode(JOBSEEKER_EVENT, event)


def generate_scenario(
    world: World,
    codec: Codec,
    *,
    jobseekers: int,
    seed: int = 7,
    invalid_rate: float = 0.03,
    first_number: int = 1,
    start: dt.datetime = START,
) -> Scenario:
    """``first_number`` numbers the jobseekers (AS-<9 digits>), so runs can avoid each other.

    Histories begin within 20 days after ``start`` and span at most about a week: the demo
    starts them 28 days before now, so every event is within the hub's ingest bounds
    (:mod:`lovhub.pipeline.ingest_time`) when the broker stamps it."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    numbers = range(first_number, first_number + jobseekers)
    streams = [_Jobseeker(world, rng, n, start).history() for n in numbers]
    people = [_Jobseeker(world, rng, 900_000_000 + n, start) for n in range(jobseekers)]
    scenario = Scenario()
    live = list(range(jobseekers))
    while live:
        index = rng.choice(live)
        event = next(streams[index], None)
        if event is None:
            live.remove(index)
            continue
        scenario.records.append(
            (event["jobseeker_id"].encode(), codec.encode(JOBSEEKER_EVENT, event))
        )
        scenario.events.append(event)
        if rng.random() < invalid_rate:
            kind = rng.choice(INVALID_KINDS)
            scenario.records.append(_invalid(kind, people[index], codec))
            scenario.events.append(None)
            scenario.invalid[kind] = scenario.invalid.get(kind, 0) + 1
    return scenario
