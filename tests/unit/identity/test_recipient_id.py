from __future__ import annotations

import pytest

from lovhub.identity import is_valid_recipient_id
from lovhub.provisioning.topology import provider_report_topic, provider_topic


@pytest.mark.parametrize("value", ["a", "jobbcoach-syd", "p1", "x" * 48, "a-b-c"])
def test_valid(value: str) -> None:
    assert is_valid_recipient_id(value)


@pytest.mark.parametrize(
    "value",
    ["", "-a", "a-", "A", "a_b", "a.b", "a b", "x" * 49, "å", "a\n", None, 7],
)
def test_invalid(value: object) -> None:
    assert not is_valid_recipient_id(value)


def test_no_valid_id_can_alias_another_providers_report_topic() -> None:
    # With dots allowed, "x.reports" would name provider x's report topic.
    assert provider_topic("x.reports") == provider_report_topic("x")
    assert not is_valid_recipient_id("x.reports")
