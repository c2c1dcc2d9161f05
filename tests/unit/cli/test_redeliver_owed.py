"""What `lovhub redeliver` takes a recipient to be owed, from its audit decisions (issue 12,
part 6): deliveries, and decisions withheld only because its topic refused the hub's writes;
with --unavailable only the latter. Withheld status answers are counted, never silently
dropped: an answer is "as of" its consent and is not re-delivered."""

from __future__ import annotations

from typing import Any

from lovhub.cli.redeliver import owed_from

R = "jobbcoach-syd"


def _decision(event_id: str, outcome: str, reason: str | None = None, **more: Any) -> Any:
    return {
        "recipient_id": R,
        "event_id": event_id,
        "event_type": "PLAN_UPDATED",
        "outcome": outcome,
        "reason_code": reason,
        "purposes": ["lov.matching"],
        "redelivery": False,
        **more,
    }


DECISIONS = [
    (0, _decision("e1", "DELIVERED")),
    (1, _decision("e2", "WITHHELD", "RECIPIENT_UNAVAILABLE")),
    (2, _decision("e3", "WITHHELD", "NOT_ASSIGNED")),
    (3, _decision("e4", "WITHHELD", "RECIPIENT_UNAVAILABLE", redelivery=True)),
    (4, _decision("e5", "WITHHELD", "RECIPIENT_UNAVAILABLE", recipient_id="someone-else")),
    (5, _decision("e6", "WITHHELD", "RECIPIENT_UNAVAILABLE", event_type="REGISTRATION_STATUS")),
]


def test_owed_are_deliveries_and_decisions_withheld_for_an_unwritable_topic() -> None:
    owed = owed_from(DECISIONS, R)
    assert set(owed.purposes) == {"e1", "e2"}
    assert owed.partitions_withheld == {1}
    assert owed.status_answers_withheld == 1


def test_unavailable_only_leaves_what_was_delivered_out() -> None:
    owed = owed_from(DECISIONS, R, unavailable_only=True)
    assert set(owed.purposes) == {"e2"}
    assert owed.purposes["e2"] == ["lov.matching"]
