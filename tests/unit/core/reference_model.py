"""The sharing rules restated as simply as possible, straight from the raw event log.

No state object, no positions: for event ``i`` it rescans ``log[: i + 1]``. The real core
keeps incremental, position-indexed state; the tests hold the two to the same answers.
Recipients are read as the registry holds them (undertaking, residency with its
sub-processors, agreement id), never through the facts the pipeline derives from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta

from tests.unit.core.fakes import ALL_PURPOSES as PURPOSES_OF_POLICY
from tests.unit.core.fakes import FakePolicy, FakeRecipient

Expected = tuple[str, str | None, tuple[str, ...], str, str | None]


def _consent_reason(
    given: dict[str, Any], withdrawn: set[str], when: Any, spent: set[str] = frozenset()
) -> str:
    if any(cid in withdrawn for cid in given):
        return "CONSENT_WITHDRAWN"
    if any(c["valid_until"] is not None and when >= c["valid_until"] for c in given.values()):
        return "CONSENT_EXPIRED"
    if any(cid in spent for cid in given):
        return "CONSENT_SPENT"
    return "NO_CONSENT"


def _history(
    log: Sequence[Mapping[str, Any]], index: int
) -> tuple[Assignments, dict[str, dict[str, Any]], set[str]]:
    """Assignments and consents as they stand for event ``index`` (ends and withdrawals
    count for later events only)."""
    started: dict[str, dict[str, Any]] = {}
    ended: set[str] = set()
    last_days: dict[str, Any] = {}  # ended before this event: the last day its end names
    never: set[str] = set()  # ended without a start: never a basis, never followed up
    consents: dict[str, dict[str, Any]] = {}
    withdrawn: set[str] = set()
    for at, earlier in enumerate(log[: index + 1]):
        body = earlier["body"][1]
        kind = earlier["event_type"]
        takes_effect = at < index  # ends and withdrawals count for later events only
        if kind == "ASSIGNMENT_STARTED":
            started.setdefault(body["assignment_id"], body)
        elif kind == "ASSIGNMENT_ENDED":
            if body["assignment_id"] not in started:
                ended.add(body["assignment_id"])  # an end without a start: never a basis
                never.add(body["assignment_id"])
            started.setdefault(body["assignment_id"], body)
            if takes_effect:
                ended.add(body["assignment_id"])
                last_days.setdefault(body["assignment_id"], body["valid_to"])  # first end
        elif kind == "CONSENT_GIVEN":
            consents.setdefault(body["consent_id"], body)
        elif kind == "CONSENT_WITHDRAWN":
            held = consents.get(body["consent_id"])
            if held is not None and takes_effect:  # whatever recipient id it names
                withdrawn.add(body["consent_id"])
    restricted = False  # the last restriction event at or before this one decides
    spent: set[str] = set()  # ONCE consents given before this event: their answer is given
    seen: set[str] = set()
    for at, earlier in enumerate(log[: index + 1]):
        if earlier["event_type"] in ("RESTRICTION_SET", "RESTRICTION_CLEARED"):
            restricted = earlier["event_type"] == "RESTRICTION_SET"
        if earlier["event_type"] == "CONSENT_GIVEN":
            body = earlier["body"][1]
            first = body["consent_id"] not in seen
            seen.add(body["consent_id"])
            if first and at < index and body.get("delivery_mode", "ONCE") == "ONCE":
                spent.add(body["consent_id"])
    history = Assignments(started, ended, last_days, never, restricted, spent)
    return history, consents, withdrawn


def expected_decisions(
    log: Sequence[Mapping[str, Any]],
    index: int,
    policy: FakePolicy,
    recipients: Mapping[str, FakeRecipient],
) -> dict[str | None, Expected]:
    event = log[index]
    history, consents, withdrawn = _history(log, index)
    candidates = {a["provider_id"] for a in history.started.values()} | {
        c["recipient_id"] for c in consents.values()
    }
    if not candidates:
        return {None: ("WITHHELD", "NO_CANDIDATE", (), "NONE", None)}

    category = policy.category_of(event["event_type"])
    result: dict[str | None, Expected] = {}
    for rid in sorted(candidates):
        result[rid] = _one(rid, event, history, consents, withdrawn, category, policy, recipients)
    return result


# What a handover may carry: the agency's fact events (not state events, not deregistration).
HANDOVER_TYPES = (
    "REGISTRATION",
    "ASSESSMENT",
    "PLAN_UPDATED",
    "CONTACT_DETAILS_CHANGED",
    "HEALTH_RESTRICTION_RECORDED",
)


def expected_handover(
    log: Sequence[Mapping[str, Any]],
    index: int,
    policy: FakePolicy,
    recipients: Mapping[str, FakeRecipient],
    purposes: Sequence[str] = PURPOSES_OF_POLICY,
) -> dict[str, tuple[str, Expected]]:
    """Event type -> (the event id handed over, its decision) for event ``index``.

    Only an ASSIGNMENT_STARTED whose id the log has not named before starts an assignment;
    its provider gets the latest earlier event of each type some rule reads a field from,
    decided as if that event arrived now (at the assignment's time and place in the log).
    """
    event = log[index]
    if event["event_type"] != "ASSIGNMENT_STARTED":
        return {}
    assignment_id = event["body"][1]["assignment_id"]
    if any(
        e["event_type"] in ("ASSIGNMENT_STARTED", "ASSIGNMENT_ENDED")
        and e["body"][1]["assignment_id"] == assignment_id
        for e in log[:index]
    ):
        return {}
    provider = event["body"][1]["provider_id"]
    history, consents, withdrawn = _history(log, index)
    handed: dict[str, tuple[str, Expected]] = {}
    for kind in HANDOVER_TYPES:
        readable = any(policy.rules_for(kind, p) for p in purposes)  # the catalogue's
        earlier = [e for e in log[:index] if e["event_type"] == kind]
        if not readable or not earlier:
            continue
        fact = {**earlier[-1], "occurred_at": event["occurred_at"]}
        category = policy.category_of(kind)
        handed[kind] = (
            earlier[-1]["event_id"],
            _one(provider, fact, history, consents, withdrawn, category, policy, recipients),
        )
    return handed


@dataclass(frozen=True)
class Assignments:
    started: dict[str, dict[str, Any]]
    ended: set[str]
    last_days: dict[str, Any]
    never: set[str]
    restricted: bool = False
    spent: set[str] = field(default_factory=set)


def _followed_up(
    history: Assignments, rid: str, kind: str, day: Any, policy: FakePolicy
) -> tuple[set[str], bool]:
    """Purposes of rid's finished assignments still open for this event type on this day,
    and whether any window applied at all."""
    purposes: set[str] = set()
    windowed = False
    for aid, a in history.started.items():
        if a["provider_id"] != rid or aid in history.never:
            continue
        if aid in history.last_days:
            last = history.last_days[aid] or a["valid_to"]
        elif a["valid_to"] is not None and a["valid_to"] < day:
            last = a["valid_to"]  # ran out without an end event
        else:
            continue
        if last is None:
            continue
        for p in a["purposes"]:
            months = policy.follow_up_months(p, kind)
            if months is None:
                continue
            windowed = True
            if day <= last + relativedelta(months=months):
                purposes.add(p)
    return purposes, windowed


def _unvetted(recipient: FakeRecipient, day: Any, policy: FakePolicy) -> str | None:
    """What the registry record lacks for the recipient to get anything at all (issue 15):
    a provider's confidentiality undertaking, signed by the day; a third party's agreement
    id; and for everyone a residency on record whose countries, its own and each
    sub-processor's, are all in the policy's list. Read from the record as it is."""
    if recipient.is_provider:
        if recipient.undertaking is None or recipient.undertaking.signed_on > day:
            return "NO_UNDERTAKING"
    elif not recipient.contract_id:
        return "NO_AGREEMENT"
    if recipient.residency is None:
        return "RESIDENCY"
    for where in [recipient.residency.country, *recipient.residency.sub_processors]:
        country = where if isinstance(where, str) else where.country
        if country not in policy.allowed_countries:
            return "RESIDENCY"
    return None


def _one(
    rid: str,
    event: Mapping[str, Any],
    history: Assignments,
    consents: dict[str, dict[str, Any]],
    withdrawn: set[str],
    category: str,
    policy: FakePolicy,
    recipients: Mapping[str, FakeRecipient],
) -> Expected:
    def withheld(reason: str) -> Expected:
        return ("WITHHELD", reason, (), "NONE", None)

    recipient = recipients.get(rid)
    if recipient is None:
        return withheld("RECIPIENT_UNKNOWN")
    if recipient.status == "suspended":
        return withheld("RECIPIENT_SUSPENDED")
    if recipient.status != "active":
        return withheld("RECIPIENT_TERMINATED")
    when = event["occurred_at"]
    day = when.date()
    if recipient.is_provider and (
        recipient.insurance_valid_until is None or day > recipient.insurance_valid_until
    ):
        return withheld("RECIPIENT_SUSPENDED")  # insurance expiry suspends automatically
    unvetted = _unvetted(recipient, day, policy)
    if unvetted is not None:
        return withheld(unvetted)
    state_only = {
        "CONSENT_GIVEN": "CONSENT_RECORDED",
        "CONSENT_WITHDRAWN": "CONSENT_WITHDRAWAL_RECORDED",
        "PROTECTED_IDENTITY_SET": "PROTECTION_RECORDED",
        "PROTECTED_IDENTITY_CLEARED": "PROTECTION_RECORDED",
    }
    state_only["RESTRICTION_SET"] = state_only["RESTRICTION_CLEARED"] = "RESTRICTION_RECORDED"
    if event["event_type"] in state_only:  # never shared: audited as what it is
        return withheld(state_only[event["event_type"]])
    if history.restricted:  # GDPR art. 18: nothing at all while processing is restricted
        return withheld("RESTRICTED")
    mine = {cid: c for cid, c in consents.items() if c["recipient_id"] == rid}
    live = {
        cid: c
        for cid, c in mine.items()
        if cid not in withdrawn
        and (c["valid_until"] is None or when < c["valid_until"])
        and category in c["data_categories"]
    }
    if recipient.is_provider:
        active = [
            a
            for aid, a in history.started.items()
            if a["provider_id"] == rid
            and aid not in history.ended
            and a["valid_from"] <= day
            and (a["valid_to"] is None or day <= a["valid_to"])
        ]
        if active:
            purposes = {p for a in active for p in a["purposes"]}
        else:
            purposes, windowed = _followed_up(history, rid, event["event_type"], day, policy)
            if not purposes:
                return withheld("FOLLOW_UP_ENDED" if windowed else "NOT_ASSIGNED")
        basis = "ASSIGNMENT"
    else:
        live = {cid: c for cid, c in live.items() if cid not in history.spent}
        if not live:
            return withheld(_consent_reason(mine, withdrawn, when, history.spent))
        basis, purposes = "CONSENT", {p for c in live.values() for p in c["purposes"]}
    known = sorted(p for p in purposes if policy.purpose_open_to(p, provider=recipient.is_provider))
    if not known:
        return withheld("PURPOSE_UNKNOWN")
    allowed = [p for p in known if p in recipient.contracted_purposes]
    if not allowed:
        return withheld("PURPOSE_NOT_CONTRACTED")
    kind = event["event_type"]

    special = kind in {"HEALTH_RESTRICTION_RECORDED"}  # the special categories, restated

    def needs_consent(p: str) -> bool:
        # Special-category data needs explicit consent even from an assigned provider,
        # whatever the policy's per-delivery flags say.
        return basis == "CONSENT" or special or policy.requires_consent(kind, p)

    allowed = [
        p for p in allowed if not needs_consent(p) or any(p in c["purposes"] for c in live.values())
    ]
    if not allowed:
        return withheld(_consent_reason(mine, withdrawn, when))
    consent_id = None
    if any(needs_consent(p) for p in allowed):
        first = next(p for p in allowed if needs_consent(p))
        basis = "CONSENT"
        consent_id = min(cid for cid, c in live.items() if first in c["purposes"])
    addressee = event["body"][1].get("provider_id")
    delivered = tuple(
        p
        for p in allowed
        if policy.rules_for(kind, p)
        and (policy.addressee_path(kind, p) is None or addressee == rid)
    )
    if not delivered:
        return withheld("NOTHING_ALLOWED")
    return ("DELIVERED", None, delivered, basis, consent_id)


def expected_status_answer(
    log: Sequence[Mapping[str, Any]],
    index: int,
    policy: FakePolicy,
    recipients: Mapping[str, FakeRecipient],
) -> tuple[Expected, bool] | None:
    """(decision, registered?) of the answer owed for event ``index``, if one is: a consent
    given for the first time, to a recipient that is no provider, naming the registration
    category; decided as a registration arriving now, registered as of this event."""
    event = log[index]
    if event["event_type"] != "CONSENT_GIVEN":
        return None
    body = event["body"][1]
    if any(
        e["event_type"] == "CONSENT_GIVEN" and e["body"][1]["consent_id"] == body["consent_id"]
        for e in log[:index]
    ):
        return None
    first = next(
        e["body"][1]
        for e in log[: index + 1]
        if e["event_type"] == "CONSENT_GIVEN" and e["body"][1]["consent_id"] == body["consent_id"]
    )
    rid = first["recipient_id"]
    recipient = recipients.get(rid)
    if (recipient is not None and recipient.is_provider) or (
        policy.category_of("REGISTRATION") not in first["data_categories"]
    ):
        return None
    history, consents, withdrawn = _history(log, index)
    question = {**event, "event_type": "REGISTRATION", "body": ("", {})}
    category = policy.category_of("REGISTRATION")
    expected = _one(rid, question, history, consents, withdrawn, category, policy, recipients)
    if expected[4] is not None:
        expected = (*expected[:4], body["consent_id"])
    registered = False
    for e in log[: index + 1]:
        if e["event_type"] in ("REGISTRATION", "DEREGISTRATION"):
            registered = e["event_type"] == "REGISTRATION"
    return expected, registered


CORRECTABLE = {
    "REGISTRATION",
    "ASSESSMENT",
    "PLAN_UPDATED",
    "CONTACT_DETAILS_CHANGED",
    "HEALTH_RESTRICTION_RECORDED",
    "DEREGISTRATION",
}
CORRECTED_TYPE = {
    "se.lovhub.agency.Registration": "REGISTRATION",
    "se.lovhub.agency.Assessment": "ASSESSMENT",
    "se.lovhub.agency.PlanUpdated": "PLAN_UPDATED",
    "se.lovhub.agency.ContactDetailsChanged": "CONTACT_DETAILS_CHANGED",
    "se.lovhub.agency.HealthRestrictionRecorded": "HEALTH_RESTRICTION_RECORDED",
    "se.lovhub.agency.Deregistration": "DEREGISTRATION",
}


def expected_correction(
    log: Sequence[Mapping[str, Any]],
    index: int,
    policy: FakePolicy,
    recipients: Mapping[str, FakeRecipient],
) -> dict[str | None, Expected]:
    """Exactly the recipients the corrected event reached (live, or later in a handover;
    the last delivery to a recipient says its purposes), each unless it may receive nothing
    now or processing is restricted; nobody: NO_CANDIDATE."""
    event = log[index]
    body = event["body"][1]
    target, kind = body["corrects_event_id"], CORRECTED_TYPE.get(body["corrected"][0])
    nobody: dict[str | None, Expected] = {None: ("WITHHELD", "NO_CANDIDATE", (), "NONE", None)}
    original = [j for j in range(index) if log[j]["event_id"] == target]
    if not original or log[original[0]]["event_type"] != kind or kind not in CORRECTABLE:
        return nobody
    received: dict[str, Expected] = {}
    for j in range(original[0], index):
        if j == original[0]:
            found = expected_decisions(log, j, policy, recipients)
        else:
            provider = log[j]["body"][1].get("provider_id")
            found = {}
            for event_id, expected in expected_handover(log, j, policy, recipients).values():
                if event_id == target:
                    found[provider] = expected
        for rid, expected in found.items():
            if rid is not None and expected[0] == "DELIVERED":
                received[rid] = expected
    if not received:
        return nobody
    history, _, _ = _history(log, index)
    result: dict[str | None, Expected] = {}
    day = event["occurred_at"].date()
    for rid in sorted(received):
        recipient = recipients.get(rid)
        reason = None
        if recipient is None:
            reason = "RECIPIENT_UNKNOWN"
        elif recipient.status == "suspended":
            reason = "RECIPIENT_SUSPENDED"
        elif recipient.status != "active":
            reason = "RECIPIENT_TERMINATED"
        elif recipient.is_provider and (
            recipient.insurance_valid_until is None or day > recipient.insurance_valid_until
        ):
            reason = "RECIPIENT_SUSPENDED"
        elif _unvetted(recipient, day, policy) is not None:
            reason = _unvetted(recipient, day, policy)
        elif history.restricted:
            reason = "RESTRICTED"
        _, _, purposes, basis, consent_id = received[rid]
        if reason is None and not any(policy.rules_for(kind, p) for p in purposes):
            reason = "NOTHING_ALLOWED"
        if reason is not None:
            result[rid] = ("WITHHELD", reason, (), "NONE", None)
        else:
            result[rid] = ("DELIVERED", None, purposes, basis, consent_id)
    return result
