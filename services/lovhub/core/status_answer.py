"""The registration-status answer, on consent (Mitt inskrivningsintyg; issue 11, part 2).

A third party that the jobseeker lets check their registration status must learn the answer
when the consent is given, not whenever the agency next happens to emit a registration. So
when ``CONSENT_GIVEN`` gives (for the first time, at this position) a consent to a third
party naming the registration category, the hub decides an answer for it: "registered: yes
or no, as of this event". It is decided exactly as a ``REGISTRATION`` event arriving now
would be for that recipient (recipient status, the consent's validity and category, the
purposes' catalogue and contract, the policy's rules): one decision, one reason.

With ``delivery_mode`` ONCE that answer is all: the consent is spent for every later event
(``CONSENT_SPENT``). With WHILE_VALID later registration events (a deregistration) follow
under the consent until it is withdrawn or expires. Never for a provider: its consents add
to an assignment and get no answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from lovhub.core.decide import (
    Decision,
    PolicyView,
    RecipientView,
    decide_for_recipient,
    judged_instant,
)
from lovhub.core.state import Consent, JobseekerState

__all__ = ["STATUS_EVENT_TYPE", "StatusAnswer", "status_answer"]

#: The event type the answer is decided as (and whose category a consent must name).
STATUS_EVENT_TYPE = "REGISTRATION"


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    consent: Consent
    decision: Decision
    registered: bool  # as of the consent event


def status_answer(
    state: JobseekerState,
    event: Mapping[str, Any],
    position: int,
    policy: PolicyView,
    recipients: Mapping[str, RecipientView],
    *,
    ingested_at: dt.datetime | None = None,
) -> StatusAnswer | None:
    """The answer owed for ``event`` (``state``: the state after it), or None."""
    if event["event_type"] != "CONSENT_GIVEN":
        return None
    consent = state.consents.get(event["body"][1]["consent_id"])
    if consent is None or consent.since != position:
        return None  # a re-sent consent gives no second answer
    recipient = recipients.get(consent.recipient_id)
    if recipient is not None and recipient.is_provider:
        return None
    if policy.category_of(STATUS_EVENT_TYPE) not in consent.data_categories:
        return None
    question = {
        "event_id": event["event_id"],
        "event_type": STATUS_EVENT_TYPE,
        "occurred_at": event["occurred_at"],
        "jobseeker_id": event["jobseeker_id"],
        "body": ("", {}),
    }
    when = judged_instant(event["occurred_at"], ingested_at)
    decision = decide_for_recipient(
        state, question, position, policy, recipient, consent.recipient_id, when
    )
    if decision.consent_id is not None:
        decision = replace(decision, consent_id=consent.consent_id)  # the answer's own consent
    return StatusAnswer(consent, decision, state.registered(position))
