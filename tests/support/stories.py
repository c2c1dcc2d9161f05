"""Small hand-written agency histories for the operators' tools (synthetic people only)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from lovhub.codec import JOBSEEKER_EVENT, Codec
from lovhub.codec.examples import jobseeker_event

PROVIDER = "jobbcoach-syd"
THIRD_PARTY = "forsakring-alfa"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Story:
    """Events in log order (one partition), and who is who."""

    events: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: str = "AS-500000001"  # gave the third party consent, then withdrew it
    consenting: str = "AS-500000002"  # gave the third party consent and kept it

    def records(self, codec: Codec) -> list[tuple[bytes, bytes]]:
        return [(e["jobseeker_id"].encode(), codec.encode(JOBSEEKER_EVENT, e)) for e in self.events]


def consent_withdrawal_story(seed: int = 3) -> Story:
    """Two people assigned to :data:`PROVIDER` who consent to :data:`THIRD_PARTY` learning
    their registration status; the first later withdraws that consent."""
    rng = random.Random(seed)  # synthetic data, not secrets
    story = Story()
    clock = [START]

    def add(jobseeker: str, event_type: str, **body: Any) -> dict[str, Any]:
        clock[0] += dt.timedelta(minutes=30)
        event = jobseeker_event(event_type, rng, jobseeker_id=jobseeker, body=body or None)
        event["occurred_at"] = clock[0]
        story.events.append(event)
        return event

    for person in (story.withdrawn, story.consenting):
        first = add(person, "REGISTRATION")
        registration = dict(first["body"][1])
        add(
            person,
            "ASSIGNMENT_STARTED",
            provider_id=PROVIDER,
            purposes=["lov.matching", "lov.preparation", "lov.contact"],
            valid_from=clock[0].date(),
            valid_to=None,
        )
        consent = add(
            person,
            "CONSENT_GIVEN",
            recipient_id=THIRD_PARTY,
            purposes=["consent.registration-status"],
            data_categories=["registration_status"],
            valid_until=None,
            # Later registration events follow under the consent until it is withdrawn.
            delivery_mode="WHILE_VALID",
        )
        add(person, "REGISTRATION", **registration)
        add(person, "PLAN_UPDATED")
        if person == story.withdrawn:
            add(
                person,
                "CONSENT_WITHDRAWN",
                consent_id=consent["body"][1]["consent_id"],
                recipient_id=THIRD_PARTY,
            )
        add(person, "REGISTRATION", **registration)
    return story
