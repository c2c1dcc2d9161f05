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


def test_the_lookup_role_never_takes_the_hub_workers_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 15, part 4: `audit report` writes the lookup chain; in a single-key deployment
    the other roles fall back to LOVHUB_AUDIT_SIGNING_KEY_FILE, this one never does, so the
    access-report tool never loads the hub worker's key."""
    from lovhub.audit.roles import signing_key_path

    for role in WriterRole:
        monkeypatch.delenv(role.key_variable, raising=False)
    monkeypatch.setenv("LOVHUB_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "hub.key"))
    assert signing_key_path(WriterRole.OPERATOR_LOOKUP) is None
    assert signing_key_path(WriterRole.RECIPIENT_LIFECYCLE) == tmp_path / "hub.key"
    monkeypatch.setenv("LOVHUB_LOOKUP_SIGNING_KEY_FILE", str(tmp_path / "lookup.key"))
    assert signing_key_path(WriterRole.OPERATOR_LOOKUP) == tmp_path / "lookup.key"


def test_verify_reads_each_chain_with_its_writers_schema() -> None:
    from lovhub.cli.audit_verify import _schema_of
    from lovhub.codec import AUDIT_DECISION, OPERATOR_LOOKUP, RECIPIENT_CHANGE

    schemas = {
        WriterRole.HUB_WORKER: AUDIT_DECISION,
        WriterRole.REPORT_PROCESSOR: AUDIT_DECISION,
        WriterRole.REDELIVERY: AUDIT_DECISION,
        WriterRole.RECIPIENT_LIFECYCLE: RECIPIENT_CHANGE,
        WriterRole.OPERATOR_LOOKUP: OPERATOR_LOOKUP,
    }
    for topic, role in CHAINS.items():
        # A hub chain by its own name, whatever --role says.
        assert _schema_of(topic, WriterRole.HUB_WORKER) == schemas[role]
    for role, schema in schemas.items():
        assert _schema_of("staging.copy", role) == schema  # another name: --role says
