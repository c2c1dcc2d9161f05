"""Registry records are used only when the audited change chain names them (issue 10, 16a)."""

from __future__ import annotations

import hashlib
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.policy import load_policy
from lovhub.registry import Recipient, load_recipients
from lovhub.registry.attestation import AttestationProblem, choose_attested
from lovhub.registry.records import RegistryTable, encode_registry_record
from tests.unit.policy.helpers import DEFAULT_POLICY, DEFAULT_RECIPIENTS

POLICY = load_policy(DEFAULT_POLICY)
SEED = load_recipients(DEFAULT_RECIPIENTS, policy=POLICY)


def _seed_recipient(recipient_id: str) -> Recipient:
    found = SEED.get(recipient_id)
    assert found is not None
    return found


COACH = _seed_recipient("jobbcoach-syd")


def _sha256(value: bytes) -> bytes:
    # The oracle hashes the value itself (never record_sha256, the code under test).
    return hashlib.sha256(value).digest()


def _changed(**fields: object) -> Recipient:
    return Recipient.model_validate({**COACH.model_dump(mode="json"), **fields})


def _table() -> RegistryTable:
    return RegistryTable(policy=POLICY, require_attestation=True)


DIGEST = st.sampled_from([bytes([n]) * 32 for n in range(4)])


@given(st.lists(DIGEST, max_size=8), st.one_of(st.none(), DIGEST))
def test_the_newest_record_the_latest_change_names_is_used(
    seen: list[bytes], attested: bytes | None
) -> None:
    choice = choose_attested(seen, attested)
    matching = [i for i, digest in enumerate(seen) if attested is not None and digest == attested]
    expected = max(matching) if matching else None
    assert choice.index == expected
    if not seen:
        assert choice.problem is None
    elif attested is None:
        assert choice.problem is AttestationProblem.NO_CHANGE_RECORD
    elif expected == len(seen) - 1:
        assert choice.problem is None
    else:
        assert choice.problem is AttestationProblem.NOT_ATTESTED
    # Fail closed: a record is only ever used when the chain names exactly its digest.
    if choice.index is not None:
        assert seen[choice.index] == attested


def test_an_attested_record_is_used() -> None:
    table = _table()
    key, value = encode_registry_record(COACH)
    table.apply(0, key, value)
    table.attest(COACH.id, _sha256(value))
    assert table.directory().get(COACH.id) == COACH
    assert table.unattested == {}


def test_a_record_without_any_change_record_is_not_used(caplog: pytest.LogCaptureFixture) -> None:
    table = _table()
    with caplog.at_level(logging.WARNING, logger="lovhub.registry"):
        table.apply(7, *encode_registry_record(COACH))
        assert COACH.id not in table.directory()
    assert table.unattested[COACH.id] == (7, AttestationProblem.NO_CHANGE_RECORD)
    assert "offset 7" in caplog.text
    assert "NO_CHANGE_RECORD" in caplog.text
    assert COACH.name not in caplog.text  # no content in logs


def test_a_forged_record_over_an_audited_one_is_ignored_and_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    table = _table()
    key, value = encode_registry_record(COACH)
    table.apply(0, key, value)
    table.attest(COACH.id, _sha256(value))
    forged = _changed(contact="synthetic-forger@example.invalid")
    with caplog.at_level(logging.WARNING, logger="lovhub.registry"):
        table.apply(1, *encode_registry_record(forged))
        used = table.directory().get(COACH.id)
    assert used == COACH  # the audited state stays in force
    assert table.unattested[COACH.id] == (1, AttestationProblem.NOT_ATTESTED)
    assert "offset 1" in caplog.text
    assert "NOT_ATTESTED" in caplog.text


def test_a_forged_record_whose_audited_one_is_gone_leaves_the_recipient_absent() -> None:
    # After compaction only the forged record is left on the topic.
    table = _table()
    _, audited = encode_registry_record(COACH)
    forged = _changed(name="Synthetic Forged AB")
    table.apply(5, *encode_registry_record(forged))
    table.attest(COACH.id, _sha256(audited))
    assert COACH.id not in table.directory()
    assert table.unattested[COACH.id] == (5, AttestationProblem.NOT_ATTESTED)


def test_a_lifecycle_change_applies_once_its_change_record_arrives() -> None:
    # The lifecycle writes the registry record first, then its change record.
    table = _table()
    _, active = encode_registry_record(COACH)
    table.apply(0, COACH.id.encode(), active)
    table.attest(COACH.id, _sha256(active))
    suspended = _changed(status="suspended")
    key, value = encode_registry_record(suspended)
    table.apply(1, key, value)
    assert table.directory().get(COACH.id) == COACH  # not attested yet
    assert table.attest(COACH.id, _sha256(value))
    assert table.directory().get(COACH.id) == suspended
    assert table.unattested == {}


def test_without_the_change_chain_every_valid_record_is_used_as_before() -> None:
    table = RegistryTable(policy=POLICY)
    table.apply(0, *encode_registry_record(COACH))
    assert table.directory().get(COACH.id) == COACH
