"""Dead-letter payloads: readable by the operators' key only, bound to their record."""

from __future__ import annotations

import pytest

from lovhub.crypto import (
    X25519,
    DecryptionError,
    FakeClock,
    MissingKeyError,
    RecipientPrivateKey,
    open_for_operators,
    seal_for_operators,
)
from tests.unit.crypto.conftest import VALID_TO, key_for

PAYLOAD = b"\x00\x01 rejected input that may hold 19870101-1234 or anything else"
DLQ_ID = "3f2b9a1c-0d4e-4f5a-8b6c-7d8e9f0a1b2c"


def test_round_trip(private_key: RecipientPrivateKey, clock: FakeClock) -> None:
    key_id, sealed = seal_for_operators(
        PAYLOAD, dead_letter_id=DLQ_ID, operator_key=private_key.public_key(), clock=clock
    )
    assert key_id == private_key.key_id
    assert sealed[:2] == bytes((0x01, private_key.suite.number))
    assert PAYLOAD not in sealed
    opened = open_for_operators(key_id, sealed, dead_letter_id=DLQ_ID, private_key=private_key)
    assert opened == PAYLOAD


def test_payload_is_bound_to_its_dead_letter_id(
    private_key: RecipientPrivateKey, clock: FakeClock
) -> None:
    key_id, sealed = seal_for_operators(
        PAYLOAD, dead_letter_id=DLQ_ID, operator_key=private_key.public_key(), clock=clock
    )
    with pytest.raises(DecryptionError):
        open_for_operators(
            key_id, sealed, dead_letter_id=DLQ_ID[:-1] + "d", private_key=private_key
        )


def test_other_key_and_tampering_fail(private_key: RecipientPrivateKey, clock: FakeClock) -> None:
    key_id, sealed = seal_for_operators(
        PAYLOAD, dead_letter_id=DLQ_ID, operator_key=private_key.public_key(), clock=clock
    )
    stranger = key_for(private_key.suite, "stranger")
    with pytest.raises(MissingKeyError):
        open_for_operators(key_id, sealed, dead_letter_id=DLQ_ID, private_key=stranger)
    for index in (0, 1, 2, len(sealed) // 2, len(sealed) - 1):
        tampered = sealed[:index] + bytes([sealed[index] ^ 0x01]) + sealed[index + 1 :]
        with pytest.raises(DecryptionError):
            open_for_operators(key_id, tampered, dead_letter_id=DLQ_ID, private_key=private_key)
    with pytest.raises(DecryptionError):
        open_for_operators(key_id, sealed[:10], dead_letter_id=DLQ_ID, private_key=private_key)


def test_expired_operator_key_is_refused() -> None:
    key = key_for(X25519)
    with pytest.raises(MissingKeyError):
        seal_for_operators(
            PAYLOAD,
            dead_letter_id=DLQ_ID,
            operator_key=key.public_key(),
            clock=FakeClock(VALID_TO.timestamp()),
        )
