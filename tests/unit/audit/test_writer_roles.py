"""One signing key per audit writer role (issue 10, finding 6): a key published for one
role signs only that role's chains, so holding the report processor's key does not let
anyone sign over the hub's decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.audit.checkpoints import signature_valid
from lovhub.audit.roles import WriterRole, role_of_chain
from lovhub.audit.signing import SigningKey, load_verifying_keys
from lovhub.errors import ConfigurationError
from tests.unit.audit.chains import ENCODE_CHECKPOINT, chain, checkpoint_at

KEYS = {role: SigningKey.generate() for role in WriterRole}
# The five chains, written out (not taken from the code under test).
CHAINS = {
    "lov.hub.audit.v1": WriterRole.HUB_WORKER,
    "lov.hub.audit.reports.v1": WriterRole.REPORT_PROCESSOR,
    "lov.hub.audit.redeliveries.v1": WriterRole.REDELIVERY,
    "lov.hub.audit.recipient-changes.v1": WriterRole.RECIPIENT_LIFECYCLE,
    "lov.hub.audit.lookups.v1": WriterRole.OPERATOR_LOOKUP,
}


def _published(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audit-signing.pub"
    path.write_text(text, encoding="ascii")
    return path


def test_each_chain_belongs_to_its_writer_role() -> None:
    assert {topic: role_of_chain(topic) for topic in CHAINS} == CHAINS
    assert role_of_chain("staging.audit", default=WriterRole.REDELIVERY) is WriterRole.REDELIVERY


@given(
    signer=st.sampled_from(list(WriterRole)),
    chain_topic=st.sampled_from(sorted(CHAINS)),
)
def test_a_labelled_key_signs_only_its_own_roles_chains(
    tmp_path_factory: pytest.TempPathFactory, signer: WriterRole, chain_topic: str
) -> None:
    published = _published(
        tmp_path_factory.mktemp("keys"),
        "# published by the agency\n" + "".join(k.public_pem(r) for r, k in KEYS.items()),
    )
    keys = load_verifying_keys(published)
    checkpoint = checkpoint_at(chain(3), 2, key=KEYS[signer])
    trusted = keys.for_role(role_of_chain(chain_topic))
    valid = signature_valid(checkpoint, trusted, ENCODE_CHECKPOINT)
    assert valid == (CHAINS[chain_topic] is signer)


def test_an_unlabelled_key_is_trusted_for_every_chain(tmp_path: Path) -> None:
    """What a single-key deployment published before roles existed keeps verifying."""
    single = SigningKey.generate()
    keys = load_verifying_keys(_published(tmp_path, single.public_pem()))
    checkpoint = checkpoint_at(chain(2), 1, key=single)
    for role in WriterRole:
        assert signature_valid(checkpoint, keys.for_role(role), ENCODE_CHECKPOINT)


def test_an_unknown_role_label_is_refused(tmp_path: Path) -> None:
    text = (
        KEYS[WriterRole.REDELIVERY]
        .public_pem()
        .replace("-----BEGIN", "lovhub-audit-role: everything\n-----BEGIN", 1)
    )
    with pytest.raises(ConfigurationError, match="unknown writer role"):
        load_verifying_keys(_published(tmp_path, text))
