"""The handover: what a provider learns when an assignment to it starts (issue 11, part 1).

When ``ASSIGNMENT_STARTED`` begins an assignment (the first time the hub sees its id, at
this position), its provider gets the facts held from before (:mod:`lovhub.core.facts`),
each decided exactly as if the fact's event arrived now, at the assignment's position and
judged instant: the same checks, in the same order, with the same reason codes, so a
special-category fact still needs a covering consent and a purpose the policy gives nothing
from still gets nothing. Only the assignment's provider is a candidate: a handover is about
this assignment, not news for anyone else.

A re-sent ``ASSIGNMENT_STARTED`` (same assignment id, later position) starts nothing, so it
gets no second handover; a replay at the same position gives the same handover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from lovhub.core.decide import (
    Decision,
    PolicyView,
    RecipientView,
    decide_for_recipient,
    judged_instant,
)
from lovhub.core.facts import FACT_EVENT_TYPES
from lovhub.core.state import Fact, JobseekerState

__all__ = ["handover_decisions"]


def handover_decisions(
    state: JobseekerState,
    event: Mapping[str, Any],
    position: int,
    policy: PolicyView,
    recipients: Mapping[str, RecipientView],
    *,
    ingested_at: dt.datetime | None = None,
) -> list[tuple[Fact, Decision]]:
    """One (fact, decision) per held fact from before ``position``, in
    :data:`~lovhub.core.facts.FACT_EVENT_TYPES` order, if ``event`` starts an assignment in
    ``state`` (the state after it); else none."""
    if event["event_type"] != "ASSIGNMENT_STARTED":
        return []
    body = event["body"][1]
    assignment = state.assignments.get(body["assignment_id"])
    if assignment is None or assignment.since != position:
        return []
    when = judged_instant(event["occurred_at"], ingested_at)
    provider_id = assignment.provider_id
    provider = recipients.get(provider_id)
    items = []
    for event_type in FACT_EVENT_TYPES:
        fact = state.facts.get(event_type)
        if fact is None or fact.since >= position:
            continue
        fact_event = fact.as_event(event["jobseeker_id"])
        decision = decide_for_recipient(
            state, fact_event, position, policy, provider, provider_id, when
        )
        items.append((fact, decision))
    return items
