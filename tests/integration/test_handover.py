"""On the real broker: a provider assigned after registration, assessment, plan and contact
details receives them as a handover it can decrypt and show with `lovhub consume`; the
hub's changelog and local store hold none of the stream's personal data in clear
(issue 11, part 1)."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from rocksdict import Rdict

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.kafka import admin_client
from lovhub.synthetic import generate_scenario
from tests.support.broker import TestBroker
from tests.support.consume_cli import consume_as
from tests.support.hubrun import produce_all, read_all, run_worker_until_idle
from tests.support.recipients import RecipientNamedTopics, provisioned, unique_world

CODEC = codec_for(None)
# Values no other record of the stream has, so finding them means finding this person.
GIVEN, FAMILY = "Sigvardina", "Qvarnstromsdotter"
STREET, PHONE, EMAIL = "Xylofongatan 77", "+46701234567", "sigvardina.q@example.se"


def _person_history(jobseeker: str, provider: str, rng: random.Random) -> list[dict[str, Any]]:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=10)
    registration = jobseeker_event("REGISTRATION", rng)["body"][1]
    registration.update(
        given_name=GIVEN,
        family_name=FAMILY,
        education_level="UPPER_SECONDARY",
        languages=["sv", "so"],
        address={**registration["address"], "street": STREET} if registration["address"] else None,
    )
    events = [
        jobseeker_event("REGISTRATION", rng, body=registration),
        jobseeker_event("ASSESSMENT", rng, body={"distance_category": "FAR"}),
        jobseeker_event("PLAN_UPDATED", rng),
        jobseeker_event("CONTACT_DETAILS_CHANGED", rng, body={"phone": PHONE, "email": EMAIL}),
        jobseeker_event("HEALTH_RESTRICTION_RECORDED", rng),  # no consent: not handed over
        jobseeker_event(
            "ASSIGNMENT_STARTED",
            rng,
            body={
                "assignment_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "provider_id": provider,
                "purposes": ["lov.matching", "lov.preparation", "lov.contact", "lov.compensation"],
                "valid_from": (start + dt.timedelta(days=1)).date(),
                "valid_to": None,
            },
        ),
    ]
    for hours, event in enumerate(events):
        event["jobseeker_id"] = jobseeker
        event["occurred_at"] = start + dt.timedelta(days=1, hours=hours)
    return events


def _personal_values(events: list[dict[str, Any] | None]) -> set[bytes]:
    """Every personal id, name, street, phone, e-mail and health code of the stream that is
    long enough not to turn up by chance in ciphertext or base64."""
    found: set[str] = set()
    for event in events:
        if event is None:
            continue
        body = event["body"][1]
        address = body.get("address") or {}
        found.update(
            str(value)
            for value in (
                body.get("personal_id"),
                body.get("given_name"),
                body.get("family_name"),
                address.get("street"),
                body.get("phone"),
                body.get("email"),
                body.get("restriction_code"),
            )
            if value is not None
        )
    return {value.encode() for value in found if len(value) >= 5}


def test_a_provider_assigned_after_the_facts_gets_them_handed_over_and_nothing_is_clear_at_rest(
    kafka_broker: TestBroker, tmp_path: Path
) -> None:
    admin: KafkaAdminClient = admin_client(kafka_broker.admin_settings)
    world, ids = unique_world(tmp_path / "policy")
    provider = ids["jobbcoach-syd"]
    topics = RecipientNamedTopics.fresh()
    topics.create(admin, world)
    rng = random.Random(23)
    person = _person_history("AS-700000001", provider, rng)
    scenario = generate_scenario(world, CODEC, jobseekers=30, seed=9, invalid_rate=0.0)
    records = [
        *scenario.records,
        *((e["jobseeker_id"].encode(), CODEC.encode(JOBSEEKER_EVENT, e)) for e in person),
    ]
    with provisioned(kafka_broker, admin, provider) as provider_settings:
        produce_all(kafka_broker.admin_settings, topics.source, records)
        state_dir = tmp_path / "state"
        run_worker_until_idle(
            kafka_broker.admin_settings, world, topics, state_dir, f"lovhub-{topics.run}"
        )
        printed = consume_as(provider, provider_settings, world.private_keys[provider], tmp_path)
    admin.close()

    handed = [d for d in printed if d["fields"].get("delivery_kind") == "HANDOVER"]
    mine = {d["event_type"]: d for d in handed if d["fields"].get("body.given_name") == GIVEN}
    assert set(mine) == {"REGISTRATION"}
    pseudonym = mine["REGISTRATION"]["jobseeker_pseudonym"]
    by_type = {d["event_type"]: d for d in handed if d["jobseeker_pseudonym"] == pseudonym}
    # Health restrictions need the person's explicit consent: none was given.
    assert set(by_type) == {
        "REGISTRATION",
        "ASSESSMENT",
        "PLAN_UPDATED",
        "CONTACT_DETAILS_CHANGED",
    }
    assert by_type["REGISTRATION"]["fields"]["body.education_level"] == "UPPER_SECONDARY"
    # A list travels as a JSON array in a string (docs/envelope.md).
    assert json.loads(by_type["REGISTRATION"]["fields"]["body.languages"]) == ["sv", "so"]
    assert by_type["ASSESSMENT"]["fields"]["body.distance_category"] == "FAR"
    assert by_type["CONTACT_DETAILS_CHANGED"]["fields"]["body.phone"] == PHONE
    assert by_type["CONTACT_DETAILS_CHANGED"]["fields"]["body.email"] == EMAIL
    for delivery in by_type.values():
        assert delivery["legal_basis"] == "ASSIGNMENT"

    secrets = _personal_values([*scenario.events, *person])
    assert {GIVEN.encode(), STREET.encode(), PHONE.encode()} <= secrets
    changelog = read_all(kafka_broker.admin_settings, topics.changelog)
    assert changelog, "the run wrote state"
    for record in changelog:
        stored = (record.key or b"") + (record.value or b"")
        assert not [s for s in secrets if s in stored]
    store = Rdict(str(state_dir))
    try:
        for key, value in store.items():
            stored = bytes(key) + (value if isinstance(value, bytes) else str(value).encode())
            assert not [s for s in secrets if s in stored]
    finally:
        store.close()
    for file in state_dir.rglob("*"):
        if file.is_file():
            raw = file.read_bytes()
            assert not [s for s in secrets if s in raw], file.name
