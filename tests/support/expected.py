"""What the hub must decide for a synthetic scenario, from the reference model.

The decision-level rules come from ``tests/unit/core/reference_model.py`` (a rescan of each
jobseeker's raw log, no state object). Three later steps of the pipeline are restated here
just as plainly: a delivery whose allowed fields are all absent, or all address/contact for
a protected person, is ``NOTHING_ALLOWED``; one with a personal field for a recipient
without a key is ``NO_KEY``; invalid input is ``REJECTED`` with the reason its kind implies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from lovhub.minimise import source_value
from lovhub.policy import is_contact_path
from lovhub.synthetic import Scenario, World
from tests.unit.core.reference_model import expected_decisions

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


def expected_outcomes(world: World, scenario: Scenario) -> Counter[Outcome]:
    recipients = world.recipients.as_mapping()
    protected_paths = tuple(world.policy.protected_identity_paths)
    logs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in scenario.events:
        if event is not None:
            logs[event["jobseeker_id"]].append(event)
    expected: Counter[Outcome] = Counter()
    for kind, count in scenario.invalid.items():
        expected[("REJECTED", REJECTION_OF[kind], None)] += count
    for log in logs.values():
        for index, event in enumerate(log):
            decided = expected_decisions(log, index, world.policy, recipients)  # type: ignore[arg-type]
            for recipient_id, (outcome, reason, purposes, _basis, _consent) in decided.items():
                if outcome == "DELIVERED":
                    outcome, reason = _after_decision(
                        world,
                        event,
                        purposes,
                        recipient_id,
                        _protected(log, index),
                        protected_paths,
                    )
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
    """(event id, recipient) of every delivery the model predicts for one jobseeker."""
    recipients = world.recipients.as_mapping()
    protected_paths = tuple(world.policy.protected_identity_paths)
    log = [e for e in scenario.events if e is not None and e["jobseeker_id"] == jobseeker_id]
    delivered: set[tuple[str, str | None]] = set()
    for index, event in enumerate(log):
        decided = expected_decisions(log, index, world.policy, recipients)  # type: ignore[arg-type]
        for recipient_id, (outcome, _reason, purposes, _basis, _consent) in decided.items():
            if outcome != "DELIVERED":
                continue
            outcome, _ = _after_decision(
                world, event, purposes, recipient_id, _protected(log, index), protected_paths
            )
            if outcome == "DELIVERED":
                delivered.add((event["event_id"], recipient_id))
    return delivered
