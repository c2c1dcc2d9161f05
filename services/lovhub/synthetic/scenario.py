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
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lovhub.codec import JOBSEEKER_EVENT, Codec
from lovhub.codec.examples import jobseeker_event
from lovhub.identity import parse_personal_id, synthetic_personal_ids
from lovhub.registry import RecipientDirectory
from lovhub.synthetic.world import World

__all__ = ["GeneratedInput", "Scenario", "agency_inputs", "generate_scenario"]

INVALID_KINDS = ("garbage", "bad_personal_id", "unknown_recipient", "wrong_key")
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@dataclass
class Scenario:
    records: list[tuple[bytes | None, bytes]] = field(default_factory=list)
    events: list[dict[str, Any] | None] = field(default_factory=list)  # None: invalid input
    invalid: dict[str, int] = field(default_factory=dict)


@functools.cache
def _test_numbers() -> tuple[str, ...]:
    """Skatteverket's test numbers in a fixed shuffled order, about 9% coordination numbers."""
    numbers = [*synthetic_personal_ids(), *synthetic_personal_ids(coordination=True)]
    random.Random("synthetic-personal-ids").shuffle(numbers)  # noqa: S311 - not a secret
    return tuple(numbers)


def _test_number(jobseeker_number: int) -> str:
    """Jobseeker ``n``'s personal id: different for any 10,000 consecutive numbers, and
    repeating beyond (the published list is finite); a repeat is a different jobseeker id
    with the same number (an access report for it finds both)."""
    numbers = _test_numbers()
    return numbers[jobseeker_number % len(numbers)]


class _Jobseeker:
    def __init__(
        self,
        recipients: RecipientDirectory,
        rng: random.Random,
        number: int,
        start: dt.datetime = START,
    ) -> None:
        self.recipients, self.rng = recipients, rng
        self.id = f"AS-{number:09d}"
        self.personal_id = _test_number(number)
        self.now = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 20))

    def event(self, event_type: str, **body: Any) -> dict[str, Any]:
        self.now += dt.timedelta(minutes=self.rng.randrange(1, 600))
        event = jobseeker_event(event_type, self.rng, jobseeker_id=self.id, body=body or None)
        event["occurred_at"] = self.now
        return event

    def history(self) -> Iterator[dict[str, Any]]:
        rng, recipients = self.rng, self.recipients
        born = parse_personal_id(self.personal_id).birth_date
        yield self.event("REGISTRATION", personal_id=self.personal_id, birth_date=born)
        yield self.event("ASSESSMENT")
        provider = rng.choice(recipients.providers())
        purposes = sorted(provider.contracted_purposes)
        assignment = self.event(
            "ASSIGNMENT_STARTED",
            provider_id=provider.id,
            purposes=purposes,
            valid_from=self.now.date(),
            valid_to=None,
        )
        yield assignment
        third = rng.choice(recipients.third_parties())
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


@dataclass(frozen=True)
class GeneratedInput:
    """One input as the agency would send it: an event, or an invalid record of ``kind``.

    ``event`` is None for the kinds no event can express (``garbage``); an invalid event
    (``bad_personal_id``, ``unknown_recipient``, ``wrong_key``) is still the event sent."""

    event: dict[str, Any] | None
    invalid_kind: str | None = None
    key: bytes | None = None  # the record key, when it is not the event's jobseeker id


def _invalid(kind: str, person: _Jobseeker) -> GeneratedInput:
    if kind == "garbage":
        return GeneratedInput(None, kind, key=person.id.encode())
    if kind == "bad_personal_id":
        event = person.event("REGISTRATION")
        pid = event["body"][1]["personal_id"]
        event["body"][1]["personal_id"] = pid[:-1] + str((int(pid[-1]) + 1) % 10)
        return GeneratedInput(event, kind)
    if kind == "unknown_recipient":
        return GeneratedInput(person.event("CONSENT_GIVEN", recipient_id="okand-mottagare"), kind)
    return GeneratedInput(person.event("PLAN_UPDATED"), kind, key=b"AS-000000000-wrong")


def agency_inputs(
    recipients: RecipientDirectory,
    *,
    jobseekers: int,
    seed: int = 7,
    invalid_rate: float = 0.03,
    first_number: int = 1,
    start: dt.datetime = START,
) -> Iterator[GeneratedInput]:
    """The agency's inputs for ``jobseekers`` people, interleaved as its systems would emit
    them; after any event, with probability ``invalid_rate``, an invalid input.

    The same arguments give the same inputs (``seed`` seeds every choice). ``first_number``
    numbers the jobseekers (AS-<9 digits>), so runs can avoid each other. Histories begin
    within 20 days after ``start`` and span at most about a week. Recipients are the
    registry's providers and third parties (``recipients``)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    numbers = range(first_number, first_number + jobseekers)
    streams = [_Jobseeker(recipients, rng, n, start).history() for n in numbers]
    people = [_Jobseeker(recipients, rng, 900_000_000 + n, start) for n in range(jobseekers)]
    live = list(range(jobseekers))
    while live:
        index = rng.choice(live)
        event = next(streams[index], None)
        if event is None:
            live.remove(index)
            continue
        yield GeneratedInput(event)
        if rng.random() < invalid_rate:
            yield _invalid(rng.choice(INVALID_KINDS), people[index])


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
    """:func:`agency_inputs` for the world's recipients, encoded by ``codec`` and keyed as
    the agency would (``garbage`` is 40 random bytes).

    The demo starts histories 28 days before now, so every event is within the hub's ingest
    bounds (:mod:`lovhub.pipeline.ingest_time`) when the broker stamps it."""
    scenario = Scenario()
    noise = random.Random(f"garbage-{seed}")  # noqa: S311 - synthetic data, not secrets
    inputs = agency_inputs(
        world.recipients,
        jobseekers=jobseekers,
        seed=seed,
        invalid_rate=invalid_rate,
        first_number=first_number,
        start=start,
    )
    for item in inputs:
        if item.event is None:
            value = bytes(noise.getrandbits(8) for _ in range(40))
        else:
            value = codec.encode(JOBSEEKER_EVENT, item.event)
        key = item.key or item.event["jobseeker_id"].encode()  # type: ignore[index]
        scenario.records.append((key, value))
        scenario.events.append(item.event if item.invalid_kind is None else None)
        if item.invalid_kind is not None:
            scenario.invalid[item.invalid_kind] = scenario.invalid.get(item.invalid_kind, 0) + 1
    return scenario
