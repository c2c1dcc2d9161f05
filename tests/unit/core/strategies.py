"""Hypothesis strategies: short, adversarial jobseeker logs over a tiny world."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from tests.unit.core.fakes import (
    IN_SWEDEN,
    SIGNED_LONG_AGO,
    FakeRecipient,
    FakeResidency,
    FakeSubProcessor,
    FakeUndertaking,
)

PROVIDERS = ("p1", "p2")
THIRD_PARTIES = ("t1",)
PURPOSES = ("matching", "contact", "regstatus", "unknown")
CATEGORIES = ("registration", "plan", "health")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


Vetting = tuple[FakeUndertaking | None, FakeResidency | None, str | None]
VETTED: Vetting = (SIGNED_LONG_AGO, IN_SWEDEN, "C-1")
# What a registry record may lack (issue 15): each one alone, a provider's and a third party's
# both; one harmless (a sub-processor in an allowed country).
UNVETTED: tuple[Vetting, ...] = (
    (None, IN_SWEDEN, "C-1"),
    (FakeUndertaking(START.date() + dt.timedelta(days=1)), IN_SWEDEN, "C-1"),
    (FakeUndertaking(START.date() + dt.timedelta(days=3)), IN_SWEDEN, "C-1"),
    (SIGNED_LONG_AGO, None, "C-1"),
    (SIGNED_LONG_AGO, FakeResidency("US"), "C-1"),
    (SIGNED_LONG_AGO, FakeResidency("SE", sub_processors=(FakeSubProcessor("Moln", "US"),)), "C-1"),
    (SIGNED_LONG_AGO, FakeResidency("NO", sub_processors=(FakeSubProcessor("Moln", "DE"),)), "C-1"),
    (SIGNED_LONG_AGO, IN_SWEDEN, None),
)


def vetting() -> st.SearchStrategy[Vetting]:
    """Mostly a fully vetted record (so the later rules stay well exercised)."""
    return st.sampled_from((VETTED,) * 16 + UNVETTED)


def recipients() -> st.SearchStrategy[dict[str, FakeRecipient]]:
    status = st.sampled_from(("active", "active", "active", "suspended", "terminated"))
    contract = st.frozensets(st.sampled_from(PURPOSES))
    # Mostly insured throughout; sometimes the insurance ends during the log.
    insured = st.one_of(
        st.just(dt.date.max), st.integers(-1, 3).map(lambda d: START.date() + dt.timedelta(d))
    )

    def build(
        statuses: list[str],
        contracts: list[frozenset[str]],
        missing: bool,
        insurance: list[dt.date],
        vettings: list[Vetting],
    ) -> dict[str, FakeRecipient]:
        ids = PROVIDERS + THIRD_PARTIES
        world = {
            rid: FakeRecipient(
                rid, rid in PROVIDERS, statuses[i], contracts[i], insurance[i], *vettings[i]
            )
            for i, rid in enumerate(ids)
        }
        if missing:
            world.pop("p2")  # a recipient the registry no longer knows
        return world

    return st.builds(
        build,
        st.lists(status, min_size=3, max_size=3),
        st.lists(contract, min_size=3, max_size=3),
        st.booleans(),
        st.lists(insured, min_size=3, max_size=3),
        st.lists(vetting(), min_size=3, max_size=3),
    )


def _body(draw: st.DrawFn, event_type: str, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    event_type = CORRECTED_BODIES.get(event_type, event_type)
    if event_type in ("ASSIGNMENT_STARTED", "ASSIGNMENT_ENDED"):
        start = day + dt.timedelta(days=draw(st.integers(-5, 3)))
        end = draw(
            st.one_of(st.none(), st.integers(0, 6).map(lambda d: start + dt.timedelta(days=d)))
        )
        if event_type == "ASSIGNMENT_ENDED" and end is None:
            end = day
        return {
            "assignment_id": draw(st.sampled_from(("a1", "a2", "a3"))),
            "provider_id": draw(st.sampled_from(PROVIDERS)),
            "purposes": draw(st.lists(st.sampled_from(PURPOSES), max_size=3, unique=True)),
            "valid_from": start,
            "valid_to": end,
        }
    if event_type == "CONSENT_GIVEN":
        until = draw(
            st.one_of(st.none(), st.integers(0, 72).map(lambda h: now + dt.timedelta(hours=h)))
        )
        return {
            "consent_id": draw(st.sampled_from(("c1", "c2", "c3"))),
            "recipient_id": draw(st.sampled_from(PROVIDERS + THIRD_PARTIES)),
            "purposes": draw(st.lists(st.sampled_from(PURPOSES), max_size=3, unique=True)),
            "data_categories": draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True)),
            "valid_until": until,
            "delivery_mode": draw(st.sampled_from(("ONCE", "WHILE_VALID"))),
        }
    if event_type == "CONSENT_WITHDRAWN":
        return {
            "consent_id": draw(st.sampled_from(("c1", "c2", "c3"))),
            "recipient_id": draw(st.sampled_from(PROVIDERS + THIRD_PARTIES)),
        }
    if event_type == "REGISTRATION":  # what rules read, and what none does (never held)
        return {
            "given_name": draw(st.sampled_from(("Astrid", "Nils"))),
            "birth_year": draw(st.integers(1960, 2005)),
            "registered": True,
            "personal_id": "19900101-0017",
        }
    if event_type == "CORRECTION":
        kind = draw(st.sampled_from(tuple(CORRECTED_BODIES)))
        inner = _body(draw, kind, day, now)
        return {"corrects_event_id": f"e{draw(st.integers(0, 13))}", "corrected": (kind, inner)}
    if event_type == "HEALTH_RESTRICTION_RECORDED":
        return {"work_ability_percent": draw(st.sampled_from((25, 50))), "note": "free text"}
    return {}


EVENT_TYPES = (
    "REGISTRATION",
    "DEREGISTRATION",
    "PLAN_UPDATED",
    "HEALTH_RESTRICTION_RECORDED",
    "ASSIGNMENT_STARTED",
    "ASSIGNMENT_ENDED",
    "CONSENT_GIVEN",
    "CONSENT_WITHDRAWN",
    "PROTECTED_IDENTITY_SET",
    "PROTECTED_IDENTITY_CLEARED",
    "RESTRICTION_SET",
    "RESTRICTION_CLEARED",
    "CORRECTION",
)
# The corrected body's record name says the corrected event's type.
CORRECTED_BODIES = {
    "se.lovhub.agency.Registration": "REGISTRATION",
    "se.lovhub.agency.HealthRestrictionRecorded": "HEALTH_RESTRICTION_RECORDED",
    "se.lovhub.agency.PlanUpdated": "PLAN_UPDATED",
    "se.lovhub.agency.Deregistration": "DEREGISTRATION",
}


@st.composite
def jobseeker_logs(draw: st.DrawFn, max_size: int = 14) -> list[dict[str, Any]]:
    size = draw(st.integers(1, max_size))
    log: list[dict[str, Any]] = []
    now = START
    for i in range(size):
        # Mostly hours apart; sometimes weeks, so follow-up windows open and close.
        gap = st.one_of(st.integers(0, 30), st.integers(24 * 20, 24 * 45))
        now = now + dt.timedelta(hours=draw(gap))
        event_type = draw(st.sampled_from(EVENT_TYPES))
        log.append(
            {
                "event_id": f"e{i}",
                "event_type": event_type,
                "occurred_at": now,
                "jobseeker_id": "AS-1",
                "body": ("se.lovhub.agency.X", _body(draw, event_type, now.date(), now)),
            }
        )
        if event_type == "CORRECTION" and i and draw(st.integers(0, 9)) < 8:
            # Mostly a correction of an earlier event, in that event's own body type.
            target = log[draw(st.integers(0, i - 1))]
            names = {kind: name for name, kind in CORRECTED_BODIES.items()}
            name = names.get(target["event_type"])
            if name is not None:
                inner = _body(draw, name, now.date(), now)
                log[-1]["body"] = (
                    "se.lovhub.agency.X",
                    {"corrects_event_id": target["event_id"], "corrected": (name, inner)},
                )
    return log


@st.composite
def corrected_logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A log that opens with an assignment (so deliveries, and so receipts, are common) and
    ends with corrections of its earlier events, mostly in the right body type."""
    log = draw(jobseeker_logs(max_size=10))
    start = {
        "event_id": "e-start",
        "event_type": "ASSIGNMENT_STARTED",
        "occurred_at": START - dt.timedelta(hours=1),
        "jobseeker_id": "AS-1",
        "body": (
            "se.lovhub.agency.X",
            {
                "assignment_id": "a0",
                "provider_id": draw(st.sampled_from(PROVIDERS)),
                "purposes": draw(st.lists(st.sampled_from(PURPOSES), min_size=1, unique=True)),
                "valid_from": START.date() - dt.timedelta(days=1),
                "valid_to": None,
            },
        ),
    }
    log = [start, *log]
    names = {kind: name for name, kind in CORRECTED_BODIES.items()}
    now = log[-1]["occurred_at"]
    for n in range(draw(st.integers(1, 3))):
        now += dt.timedelta(hours=draw(st.integers(0, 30)))
        correctable = [e for e in log if e["event_type"] in names] or log
        target = correctable[draw(st.integers(0, len(correctable) - 1))]
        name = names.get(target["event_type"]) or draw(st.sampled_from(tuple(CORRECTED_BODIES)))
        if draw(st.integers(0, 3)) == 0:  # sometimes the wrong type: it goes nowhere
            name = draw(st.sampled_from(tuple(CORRECTED_BODIES)))
        inner = _body(draw, name, now.date(), now)
        log.append(
            {
                "event_id": f"c{n}",
                "event_type": "CORRECTION",
                "occurred_at": now,
                "jobseeker_id": "AS-1",
                "body": (
                    "se.lovhub.agency.X",
                    {"corrects_event_id": target["event_id"], "corrected": (name, inner)},
                ),
            }
        )
    return log
