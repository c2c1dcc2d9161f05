"""Outcomes and reason codes of sharing decisions: safe to show recipients and auditors."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Outcome", "Reason"]


class Outcome(StrEnum):
    DELIVERED = "DELIVERED"
    WITHHELD = "WITHHELD"
    REJECTED = "REJECTED"


class Reason(StrEnum):
    """Why an event was not delivered to a candidate recipient (or not processed at all).

    The order of checks, and so which reason wins when several apply, is documented in
    :mod:`lovhub.core.decide`.
    """

    NO_CANDIDATE = "NO_CANDIDATE"
    RECIPIENT_UNKNOWN = "RECIPIENT_UNKNOWN"
    RECIPIENT_SUSPENDED = "RECIPIENT_SUSPENDED"
    RECIPIENT_TERMINATED = "RECIPIENT_TERMINATED"
    # A provider without a confidentiality undertaking in force (issue 15, part 3).
    NO_UNDERTAKING = "NO_UNDERTAKING"
    # A third party without a vetted data-sharing agreement on record (issue 15, part 7).
    NO_AGREEMENT = "NO_AGREEMENT"
    # The recipient keeps delivered data, itself or through a sub-processor, in a country the
    # policy does not allow, or its record does not say where (issue 15, part 6).
    RESIDENCY = "RESIDENCY"
    NOT_ASSIGNED = "NOT_ASSIGNED"
    # The assignment has ended and the policy's follow-up window for this event has passed.
    FOLLOW_UP_ENDED = "FOLLOW_UP_ENDED"
    NO_CONSENT = "NO_CONSENT"
    # A third party's ONCE consent has given its one answer (issue 11, part 2).
    CONSENT_SPENT = "CONSENT_SPENT"
    # The jobseeker's data is restricted (GDPR art. 18): nothing is shared while it is.
    RESTRICTED = "RESTRICTED"
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"
    CONSENT_EXPIRED = "CONSENT_EXPIRED"
    PURPOSE_NOT_CONTRACTED = "PURPOSE_NOT_CONTRACTED"
    PURPOSE_UNKNOWN = "PURPOSE_UNKNOWN"
    NOTHING_ALLOWED = "NOTHING_ALLOWED"
    NO_KEY = "NO_KEY"
    # The recipient's topic refused the hub's writes: its deliveries are withheld, audited
    # with their purposes, and re-delivered by an operator (issue 12, part 6); the other
    # recipients keep receiving. A fact of the shell, never of the decision core.
    RECIPIENT_UNAVAILABLE = "RECIPIENT_UNAVAILABLE"
    # Events that only change what the hub knows; nothing of them is ever shared, and their
    # audit says what they are instead of a lapsed basis (issue 10, finding 18).
    CONSENT_RECORDED = "CONSENT_RECORDED"
    CONSENT_WITHDRAWAL_RECORDED = "CONSENT_WITHDRAWAL_RECORDED"
    PROTECTION_RECORDED = "PROTECTION_RECORDED"
    RESTRICTION_RECORDED = "RESTRICTION_RECORDED"
    # The agency sent an event already decided (same event id, same content): audited as
    # a duplicate input, decided no second time (issue 12, part 2).
    DUPLICATE_INPUT = "DUPLICATE_INPUT"
