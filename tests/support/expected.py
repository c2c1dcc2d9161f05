"""What the hub must decide for a synthetic scenario, from the reference model.

The decision-level rules come from ``tests/unit/core/reference_model.py`` (a rescan of each
jobseeker's raw log, no state object): live decisions, handover items at an assignment's
start and registration-status answers on consent, each first asking whether the recipient
may receive anything at all, read from its registry record as it is (status, insurance, a
provider's undertaking, a third party's agreement, every residency country in the policy's
``allowed_countries``). Three later steps of the pipeline are
restated here just as plainly: a delivery whose allowed fields are all absent, or all
address/contact for
a protected person, is ``NOTHING_ALLOWED``; one with a personal field for a recipient
without a key is ``NO_KEY``; invalid input is ``REJECTED`` with the reason its kind implies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from lovhub.minimise import source_value
from lovhub.policy import is_contact_path
from lovhub.synthetic import Scenario, World
from tests.unit.core.reference_model import (
    expected_decisions,
    expected_handover,
    expected_status_answer,
)

Outcome = tuple[str, str | None, str | None]

REJECTION_OF = {
    "garbage": "MALFORMED",
    "bad_personal_id": "BAD_PERSONAL_ID",
    "unknown_recipient": "UNKNOWN_RECIPIENT",
    "wrong_key": "INVALID_FIELD",
}


def _protected(log: list[dict[str, Any]], index: int) -> bool:
    flags = [
        e["event_type"] == "PROTECTED_IDENTITY_SET"
        for e in log[: index + 1]
        if e["event_type"].startswith("PROTECTED_IDENTITY")
    ]
    return bool(flags) and flags[-1]


def _model(
    world: World, log: list[dict[str, Any]]
) -> Iterator[tuple[str, str | None, str | None, str]]:
    """(outcome, reason, recipient, event id) of every decision the model predicts for one
    jobseeker's log, after the pipeline's field and key steps."""
    recipients = world.recipients.as_mapping()
    protected_paths = tuple(world.policy.protected_identity_paths)
    catalogue = [p.id for p in world.policy.purposes]
    policy: Any = world.policy
    for index, event in enumerate(log):
        protected = _protected(log, index)
        decided = expected_decisions(log, index, policy, recipients)  # type: ignore[arg-type]
        for recipient_id, (outcome, reason, purposes, _basis, _consent) in decided.items():
            if outcome == "DELIVERED":
                outcome, reason = _after_decision(
                    world, event, purposes, recipient_id, protected, protected_paths
                )
            yield outcome, reason, recipient_id, event["event_id"]
        handed = expected_handover(log, index, policy, recipients, catalogue)  # type: ignore[arg-type]
        provider = event["body"][1].get("provider_id")
        for fact_id, (outcome, reason, purposes, _b, _c) in handed.values():
            fact = next(e for e in log if e["event_id"] == fact_id)
            if outcome == "DELIVERED":
                outcome, reason = _after_decision(
                    world, fact, purposes, provider, protected, protected_paths
                )
            yield outcome, reason, provider, fact_id
        answer = expected_status_answer(log, index, policy, recipients)  # type: ignore[arg-type]
        if answer is not None:
            (outcome, reason, _p, _b, _c), _registered = answer
            rid = event["body"][1]["recipient_id"]
            if outcome == "DELIVERED" and rid not in world.private_keys:
                outcome, reason = "WITHHELD", "NO_KEY"  # its own fields are always there
            yield outcome, reason, rid, event["event_id"]


def _logs(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    logs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in scenario.events:
        if event is not None:
            logs[event["jobseeker_id"]].append(event)
    return logs


def expected_outcomes(world: World, scenario: Scenario) -> Counter[Outcome]:
    expected: Counter[Outcome] = Counter()
    for kind, count in scenario.invalid.items():
        expected[("REJECTED", REJECTION_OF[kind], None)] += count
    for log in _logs(scenario).values():
        for outcome, reason, recipient_id, _event_id in _model(world, log):
            expected[(outcome, reason, recipient_id)] += 1
    return expected


def _after_decision(
    world: World,
    event: dict[str, Any],
    purposes: tuple[str, ...],
    recipient_id: str | None,
    protected: bool,
    protected_paths: tuple[str, ...],
) -> tuple[str, str | None]:
    rules = [rule for p in purposes for rule in world.policy.rules_for(event["event_type"], p)]
    present = [
        rule
        for rule in rules
        if source_value(event, rule.path) is not None
        and not (
            protected
            and (
                is_contact_path(rule.path, protected_paths)
                or is_contact_path(rule.output_path, protected_paths)
            )
        )
    ]
    if not present:
        return "WITHHELD", "NOTHING_ALLOWED"
    if recipient_id not in world.private_keys:  # every delivery is bound under a data key
        return "WITHHELD", "NO_KEY"
    return "DELIVERED", None


def expected_deliveries_of(
    world: World, scenario: Scenario, jobseeker_id: str
) -> set[tuple[str, str | None]]:
    """(event id, recipient) of every delivery the model predicts for one jobseeker (a
    handover item under the fact's event id, a status answer under the consent's)."""
    log = _logs(scenario).get(jobseeker_id, [])
    return {
        (event_id, recipient_id)
        for outcome, _reason, recipient_id, event_id in _model(world, log)
        if outcome == "DELIVERED"
    }
