"""Recipient ids never collide with the hub's principals, and no recipient's group ACL
covers another's groups (issue 10, finding 3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.identity import is_valid_recipient_id
from lovhub.provisioning.topology import recipient_acls, recipient_group_prefix
from lovhub.registry.model import Recipient

IDS = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?", fullmatch=True).filter(
    is_valid_recipient_id
)


@pytest.mark.parametrize("name", ["lovhub", "lovhub-admin", "lovhub-hub", "lovhub-reports"])
def test_the_hubs_names_are_not_recipient_ids(name: str) -> None:
    assert not is_valid_recipient_id(name)
    with pytest.raises(ValueError, match="reserved"):
        Recipient.model_validate({"id": name})


def test_a_prefix_id_does_not_cover_a_longer_ids_groups() -> None:
    """The case reproduced: ``jobbcoach`` joined ``jobbcoach-syd``'s consumer group."""
    assert not f"{recipient_group_prefix('jobbcoach-syd')}consume".startswith(
        recipient_group_prefix("jobbcoach")
    )


@given(one=IDS, other=IDS, suffix=st.from_regex(r"[a-z0-9.-]{0,10}", fullmatch=True))
def test_no_recipients_group_acl_covers_another_recipients_groups(
    one: str, other: str, suffix: str
) -> None:
    if one == other:
        return
    others_group = recipient_group_prefix(other) + suffix
    for rule in recipient_acls(one, provider=True):
        if rule.resource.value == "GROUP":
            assert not others_group.startswith(rule.name)
