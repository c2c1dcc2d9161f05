"""Data keys: reused within bounds, replaced after max_records / max_age, never past validity."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lovhub.crypto import (
    X25519,
    DataKeyProvider,
    DecryptionError,
    FakeClock,
    MissingKeyError,
    RecipientPublicKey,
    RecordEncryptor,
    WrappedDataKey,
    unwrap_data_key,
    wrap_data_key,
)
from tests.unit.crypto.conftest import EVENT, NOW, RECIPIENT, TOPIC, VALID_FROM, key_for

FIELDS = [("body.given_name", "Åsa")]


def provider(clock: FakeClock, **limits: float) -> DataKeyProvider:
    return DataKeyProvider(RECIPIENT, key_for(X25519).public_key(), clock=clock, **limits)  # type: ignore[arg-type]


def test_reused_up_to_max_records_then_replaced(clock: FakeClock) -> None:
    keys = provider(clock, max_records=3)
    ids = [keys.for_record(1).data_key_id for _ in range(7)]
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] == ids[4] == ids[5] != ids[2]
    assert ids[6] != ids[5]
    assert keys.keys_created == 3


def test_replaced_when_max_age_is_reached(clock: FakeClock) -> None:
    keys = provider(clock, max_age=60.0)
    first = keys.for_record(1).data_key_id
    clock.advance(59.5)
    assert keys.for_record(1).data_key_id == first
    clock.advance(0.5)
    second = keys.for_record(1).data_key_id
    assert second != first
    assert keys.keys_created == 2


def test_replaced_when_the_clock_goes_back(clock: FakeClock) -> None:
    keys = provider(clock)
    first = keys.for_record(1).data_key_id
    clock.advance(-1.0)
    assert keys.for_record(1).data_key_id != first


def test_defaults_are_100k_records_and_one_hour(clock: FakeClock) -> None:
    keys = provider(clock)
    first = keys.for_record(1)
    first.records = 99_999
    assert keys.for_record(1) is first
    assert keys.for_record(1) is not first
    second = keys.current
    clock.advance(3599.0)
    assert keys.for_record(1) is second
    clock.advance(1.0)
    assert keys.for_record(1) is not second


def test_encryptor_uses_one_public_key_operation_per_data_key(clock: FakeClock) -> None:
    encryptor = RecordEncryptor(
        RECIPIENT, key_for(X25519).public_key(), clock=clock, max_records=10
    )
    wrapped = {encryptor.seal_record(TOPIC, f"e{n}", FIELDS).wrapped_key for n in range(25)}
    assert len(wrapped) == 3
    assert encryptor.provider.keys_created == 3


def test_expired_key_is_refused_not_used(clock: FakeClock) -> None:
    base = key_for(X25519).public_key()
    ends_soon = RecipientPublicKey(
        base.key_id, base.suite, base.public_bytes, VALID_FROM, VALID_FROM + timedelta(days=1)
    )
    clock.now = (VALID_FROM + timedelta(hours=23)).timestamp()
    encryptor = RecordEncryptor(RECIPIENT, ends_soon, clock=clock)
    assert encryptor.seal_record(TOPIC, EVENT, FIELDS).wrapped_key is not None
    clock.advance(3600.0)  # now exactly at valid_to: the key has expired
    with pytest.raises(MissingKeyError) as raised:
        encryptor.seal_record(TOPIC, EVENT, FIELDS)
    assert raised.value.key_id == base.key_id


def test_key_not_yet_valid_is_refused() -> None:
    clock = FakeClock(VALID_FROM.timestamp() - 1)
    with pytest.raises(MissingKeyError):
        provider(clock).for_record(1)


def test_wrapped_key_avro_round_trip(clock: FakeClock) -> None:
    wrapped = provider(clock).for_record(1).wrapped
    assert WrappedDataKey.from_avro(wrapped.to_avro()) == wrapped
    assert set(wrapped.to_avro()) == {
        "data_key_id",
        "key_id",
        "suite_id",
        "encapsulated_key",
        "wrapped_key",
    }
    with pytest.raises(DecryptionError):
        WrappedDataKey.from_avro({**wrapped.to_avro(), "wrapped_key": "not bytes"})


def test_wrap_unwrap_binds_recipient() -> None:
    key = key_for(X25519)
    wrapped = wrap_data_key(b"k" * 32, b"i" * 16, RECIPIENT, key.public_key())
    assert unwrap_data_key(wrapped, RECIPIENT, key) == b"k" * 32
    with pytest.raises(DecryptionError):
        unwrap_data_key(wrapped, "coachbolaget", key)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        provider(FakeClock(NOW), max_records=0)
    with pytest.raises(ValueError, match="positive"):
        provider(FakeClock(NOW), max_age=0.0)
