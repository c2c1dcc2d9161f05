"""On the real broker, in the order real life produces events (issue 11, parts 2 and 4):

- a third party given a ONCE consent with a reference receives exactly one status answer,
  carrying that reference; a later registration is withheld CONSENT_SPENT;
- a correction of the registration reaches exactly the provider that received it (in its
  handover), pointing at the record it corrects, and nobody else;
- while a restriction is set nothing is shared; a restriction that fails validation still
  applies.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event
from lovhub.kafka import admin_client
from tests.support.broker import TestBroker
from tests.support.consume_cli import consume_as
from tests.support.hubrun import audit_outcomes, produce_all, run_worker_until_idle
from tests.support.recipients import RecipientNamedTopics, provisioned, unique_world

CODEC = codec_for(None)
REFERENCE = "ANSOKAN-2026-0042"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _story(provider: str, third: str, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Two people: one follows the consent, correction and restriction; one is a control."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=5)
    registration = jobseeker_event("REGISTRATION", rng)
    corrected = {**registration["body"][1], "given_name": "Ingegerd"}
    assignment = {
        "assignment_id": _uuid(rng),
        "provider_id": provider,
        "purposes": ["lov.matching", "lov.preparation", "lov.contact"],
        "valid_from": start.date(),
        "valid_to": None,
    }
    consent = {
        "recipient_id": third,
        "purposes": ["consent.registration-status"],
        "data_categories": ["registration_status"],
        "valid_until": None,
        "reference": REFERENCE,
        "delivery_mode": "ONCE",
    }
    bad_restriction = jobseeker_event("RESTRICTION_SET", rng)
    bad_restriction["body"][1]["restriction_id"] = "not-a-uuid"  # invalid: still applies
    person = [
        ("registration", registration),
        ("assignment", jobseeker_event("ASSIGNMENT_STARTED", rng, body=assignment)),
        ("consent", jobseeker_event("CONSENT_GIVEN", rng, body=consent)),
        ("again", jobseeker_event("REGISTRATION", rng, body=registration["body"][1])),
        (
            "correction",
            jobseeker_event(
                "CORRECTION",
                rng,
                body={
                    "corrects_event_id": registration["event_id"],
                    "corrected": ("se.lovhub.agency.Registration", corrected),
                },
            ),
        ),
        ("restriction", jobseeker_event("RESTRICTION_SET", rng)),
        ("restricted-plan", jobseeker_event("PLAN_UPDATED", rng)),
        ("cleared", jobseeker_event("RESTRICTION_CLEARED", rng)),
        ("free-plan", jobseeker_event("PLAN_UPDATED", rng)),
        ("bad-restriction", bad_restriction),
        ("after-bad", jobseeker_event("PLAN_UPDATED", rng)),
    ]
    story: dict[str, list[dict[str, Any]]] = {"person": []}
    for hours, (name, event) in enumerate(person):
        event["jobseeker_id"] = "AS-700000021"
        event["occurred_at"] = start + dt.timedelta(hours=hours)
        event["label"] = name
        story["person"].append(event)
    return story


def test_status_answer_correction_and_restriction_as_recipients_see_them(
    kafka_broker: TestBroker, tmp_path: Path
) -> None:
    admin: KafkaAdminClient = admin_client(kafka_broker.admin_settings)
    world, ids = unique_world(tmp_path / "policy")
    provider, other, third = ids["jobbcoach-syd"], ids["framtidsvagen"], ids["forsakring-alfa"]
    topics = RecipientNamedTopics.fresh()
    topics.create(admin, world)
    events = _story(provider, third, random.Random(31))["person"]
    labels = {e["event_id"]: e.pop("label") for e in events}
    records = [(e["jobseeker_id"].encode(), CODEC.encode(JOBSEEKER_EVENT, e)) for e in events]
    with (
        provisioned(kafka_broker, admin, provider) as provider_settings,
        provisioned(kafka_broker, admin, other) as other_settings,
        provisioned(kafka_broker, admin, third, provider=False) as third_settings,
    ):
        produce_all(kafka_broker.admin_settings, topics.source, records)
        run_worker_until_idle(
            kafka_broker.admin_settings, world, topics, tmp_path / "state", f"lovhub-{topics.run}"
        )
        keys = world.private_keys
        at_provider = consume_as(provider, provider_settings, keys[provider], tmp_path / "p")
        at_other = consume_as(other, other_settings, keys[other], tmp_path / "o")
        at_third = consume_as(third, third_settings, keys[third], tmp_path / "t", third_party=True)
    admin.close()

    # The third party: one answer, with the person's reference, and nothing else.
    assert [d["event_type"] for d in at_third] == ["REGISTRATION_STATUS"]
    (answer,) = at_third
    assert answer["fields"]["registered"] is True
    assert answer["fields"]["consent_reference"] == REFERENCE
    assert answer["fields"]["delivery_kind"] == "STATUS_ANSWER"
    _, decisions = audit_outcomes(kafka_broker.admin_settings, topics)
    by_label = {}
    for d in decisions:
        if d["recipient_id"] in (provider, third) and d["event_id"] in labels:
            by_label.setdefault((labels[d["event_id"]], d["recipient_id"]), []).append(d)
    again = by_label[("again", third)]
    assert [(d["outcome"], d["reason_code"]) for d in again] == [("WITHHELD", "CONSENT_SPENT")]

    # The correction: to the provider that got the registration (in its handover) only.
    handed = [d for d in at_provider if d["fields"].get("delivery_kind") == "HANDOVER"]
    (registration,) = [d for d in handed if d["event_type"] == "REGISTRATION"]
    corrections = [d for d in at_provider if d["fields"].get("delivery_kind") == "CORRECTION"]
    assert len(corrections) == 1
    assert corrections[0]["event_type"] == "REGISTRATION"
    assert corrections[0]["fields"]["corrects_event_id"] == registration["event_id"]
    assert corrections[0]["fields"]["body.given_name"] == "Ingegerd"
    assert at_other == [], "a provider that received nothing gets no correction"

    # Restriction: the plan while restricted is withheld; after clearing it flows; an
    # invalid restriction is rejected but applied.
    assert [d["reason_code"] for d in by_label[("restricted-plan", provider)]] == ["RESTRICTED"]
    assert [d["outcome"] for d in by_label[("free-plan", provider)]] == ["DELIVERED"]
    assert [d["outcome"] for d in decisions if labels.get(d["event_id"]) == "bad-restriction"] == [
        "REJECTED"
    ]
    assert [d["reason_code"] for d in by_label[("after-bad", provider)]] == ["RESTRICTED"]
    plans = [d for d in at_provider if d["event_type"] == "PLAN_UPDATED"]
    assert len(plans) == 1, "only the plan between clearing and the invalid restriction"
