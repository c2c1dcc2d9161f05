"""Registry records: encoding, and the table that folds them (invalid records fail closed)."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.policy import load_policy
from lovhub.registry import load_recipients
from lovhub.registry.records import (
    InvalidRegistryRecord,
    RegistryTable,
    decode_registry_record,
    encode_registry_record,
)
from tests.unit.policy.helpers import DEFAULT_POLICY, DEFAULT_RECIPIENTS

POLICY = load_policy(DEFAULT_POLICY)
SEED = load_recipients(DEFAULT_RECIPIENTS, policy=POLICY)


def test_every_seed_recipient_round_trips() -> None:
    for recipient in SEED.recipients:
        key, value = encode_registry_record(recipient)
        assert key == recipient.id.encode()
        assert decode_registry_record(key, value, policy=POLICY) == recipient
        assert encode_registry_record(recipient) == (key, value)  # deterministic


def _doc(value: bytes) -> dict[str, object]:
    return json.loads(value)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: {**d, "format": "lovhub-recipient-v9"}, "UNKNOWN_FORMAT"),
        (lambda d: {**d, "extra": 1}, "UNEXPECTED_FIELDS"),
        (lambda d: {**d, "recipient": {**d["recipient"], "organisation_number": "5785797549"}},
         "INVALID_RECIPIENT"),
        (lambda d: {**d, "recipient": {**d["recipient"], "purposes": ["lov.nonexistent"]}},
         "PURPOSE_NOT_IN_POLICY"),
    ],
)  # fmt: skip
def test_invalid_records_are_refused_with_a_code(mutate: object, code: str) -> None:
    key, value = encode_registry_record(SEED.get("jobbcoach-syd"))  # type: ignore[arg-type]
    broken = json.dumps(mutate(_doc(value))).encode()  # type: ignore[operator]
    with pytest.raises(InvalidRegistryRecord) as caught:
        decode_registry_record(key, broken, policy=POLICY)
    assert caught.value.code == code


def test_key_must_name_the_recipient() -> None:
    _, value = encode_registry_record(SEED.get("jobbcoach-syd"))  # type: ignore[arg-type]
    with pytest.raises(InvalidRegistryRecord, match="KEY_MISMATCH"):
        decode_registry_record(b"karriarbron", value)


def test_an_invalid_record_makes_its_recipient_unknown_and_is_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    table = RegistryTable(policy=POLICY)
    for offset, recipient in enumerate(SEED.recipients):
        assert table.apply(offset, *encode_registry_record(recipient))
    assert len(table.directory()) == len(SEED)
    with caplog.at_level(logging.WARNING, logger="lovhub.registry"):
        assert table.apply(99, b"jobbcoach-syd", b"{not json")
    assert "jobbcoach-syd" not in table.directory()
    assert table.invalid == 1
    assert "offset 99" in caplog.text
    assert "NOT_JSON" in caplog.text
    assert "Jobbcoach" not in caplog.text  # no content in logs
    # A later valid record restores it; replaying an identical record changes nothing.
    record = encode_registry_record(SEED.get("jobbcoach-syd"))  # type: ignore[arg-type]
    assert table.apply(100, *record)
    assert not table.apply(101, *record)
    assert table.directory().as_mapping() == SEED.as_mapping()


@given(st.binary(max_size=200), st.one_of(st.none(), st.binary(max_size=30)))
def test_garbage_never_enters_the_table(value: bytes, key: bytes | None) -> None:
    table = RegistryTable(policy=POLICY)
    table.apply(0, key, value)
    assert len(table.directory()) == 0
