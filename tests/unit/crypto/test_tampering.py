"""Tampering: any changed byte, id or key makes decryption fail, and fail safely."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lovhub.crypto import (
    MLKEM768_X25519,
    X25519,
    CryptoError,
    DecryptionError,
    FakeClock,
    MissingKeyError,
    RecipientPrivateKey,
    RecordDecryptor,
    SealedRecord,
    Suite,
)
from tests.unit.crypto.conftest import FIELDS, NOW, RECIPIENT, key_for, open_one, seal


def _flip(data: bytes, index: int, mask: int) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


@pytest.mark.parametrize("suite", [X25519, MLKEM768_X25519], ids=lambda s: s.name)
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_flipping_any_byte_fails(suite: Suite, data: st.DataObject) -> None:
    key = key_for(suite)
    sealed = seal(key, FakeClock(NOW))
    assert sealed.wrapped_key is not None
    # One decryptor for all cases: a genuine wrapped key is cached before the tampered ones,
    # so the cache must not let a tampered wrapped key through.
    decryptor = RecordDecryptor(RECIPIENT, {key.key_id: key})
    assert open_one(decryptor, sealed) == FIELDS[0][1]
    target = data.draw(st.sampled_from(["envelope", "encapsulated_key", "wrapped_key"]))
    mask = data.draw(st.integers(min_value=1, max_value=255))
    if target == "envelope":
        envelope = sealed.envelopes[0]
        index = data.draw(st.integers(min_value=0, max_value=len(envelope) - 1))
        tampered = SealedRecord(sealed.wrapped_key, [_flip(envelope, index, mask)])
    else:
        blob: bytes = getattr(sealed.wrapped_key, target)
        index = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
        changes: dict[str, Any] = {target: _flip(blob, index, mask)}
        changed = dataclasses.replace(sealed.wrapped_key, **changes)
        tampered = SealedRecord(changed, [sealed.envelopes[0]])
    with pytest.raises(DecryptionError):
        open_one(decryptor, tampered)


@pytest.mark.parametrize("field", ["data_key_id", "key_id", "suite_id"])
def test_changed_wrapped_key_ids_fail(
    private_key: RecipientPrivateKey, clock: FakeClock, field: str
) -> None:
    sealed = seal(private_key, clock)
    assert sealed.wrapped_key is not None
    original: str = getattr(sealed.wrapped_key, field)
    replacement = {
        "data_key_id": "0" * 32,
        "key_id": "0123456789abcdef",
        "suite_id": next(s for s in (X25519, MLKEM768_X25519) if s != private_key.suite).suite_id,
    }[field]
    assert replacement != original
    changes: dict[str, Any] = {field: replacement}
    changed = dataclasses.replace(sealed.wrapped_key, **changes)
    decryptor = RecordDecryptor(RECIPIENT, {private_key.key_id: private_key})
    with pytest.raises(CryptoError):
        open_one(decryptor, SealedRecord(changed, sealed.envelopes))


def test_wrong_suite_private_key_under_the_same_id_fails(clock: FakeClock) -> None:
    sealed = seal(key_for(X25519), clock)
    impostor = key_for(MLKEM768_X25519)
    impostor = dataclasses.replace(impostor, key_id=key_for(X25519).key_id)
    with pytest.raises(DecryptionError, match="suite"):
        open_one(RecordDecryptor(RECIPIENT, {impostor.key_id: impostor}), sealed)


def test_unknown_key_id_is_a_missing_key(clock: FakeClock) -> None:
    sealed = seal(key_for(X25519), clock)
    with pytest.raises(MissingKeyError) as raised:
        open_one(RecordDecryptor(RECIPIENT, {}), sealed)
    assert raised.value.code == "KEY_MISSING"


@pytest.mark.parametrize(
    "envelope", [b"", b"\x01", b"\x01" * 46], ids=["empty", "one-byte", "shorter-than-minimum"]
)
def test_truncated_envelope_fails(clock: FakeClock, envelope: bytes) -> None:
    key = key_for(X25519)
    sealed = seal(key, clock)
    decryptor = RecordDecryptor(RECIPIENT, {key.key_id: key})
    with pytest.raises(DecryptionError):
        open_one(decryptor, SealedRecord(sealed.wrapped_key, [envelope]))


def test_errors_carry_no_plaintext_or_key_material(clock: FakeClock) -> None:
    key = key_for(X25519)
    sealed = seal(key, clock)
    decryptor = RecordDecryptor(RECIPIENT, {key.key_id: key})
    with pytest.raises(DecryptionError) as raised:
        open_one(decryptor, sealed, path="body.other")
    message = str(raised.value) + repr(raised.value)
    assert "Åsa" not in message
    assert key.private_bytes.hex() not in message
    assert "private_bytes" not in repr(key)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
