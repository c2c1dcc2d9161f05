"""Field envelopes: round trips, and ciphertexts that must not open anywhere else."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lovhub.crypto import (
    X25519,
    CryptoError,
    DecryptionError,
    FakeClock,
    MissingKeyError,
    RecipientPrivateKey,
    RecordDecryptor,
    RecordEncryptor,
    SealedRecord,
    Value,
)
from tests.unit.crypto.conftest import (
    EVENT,
    FIELDS,
    OTHER_RECIPIENT,
    PATHS,
    RECIPIENT,
    TOPIC,
    key_for,
    open_one,
    seal,
)

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),
    st.lists(st.text(max_size=20), max_size=8),
)


def test_round_trip(private_key: RecipientPrivateKey, clock: FakeClock) -> None:
    sealed = seal(private_key, clock)
    decryptor = RecordDecryptor(RECIPIENT, {private_key.key_id: private_key})
    opened = decryptor.open_record(sealed, topic=TOPIC, event_id=EVENT, paths=PATHS)
    assert opened == [value for _, value in FIELDS]
    assert [type(v) for v in opened] == [type(v) for _, v in FIELDS]  # True stays a bool


def test_envelope_layout(private_key: RecipientPrivateKey, clock: FakeClock) -> None:
    sealed = seal(private_key, clock)
    assert sealed.wrapped_key is not None
    data_key_id = bytes.fromhex(sealed.wrapped_key.data_key_id)
    for envelope in sealed.envelopes:
        assert envelope[0] == 0x01
        assert envelope[1] == private_key.suite.number
        assert envelope[2:18] == data_key_id
    # Nonces are fresh per field: no two envelopes share one.
    assert len({envelope[18:30] for envelope in sealed.envelopes}) == len(FIELDS)
    assert len(sealed.wrapped_key.encapsulated_key) == private_key.suite.enc_len


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values)
def test_every_value_round_trips_with_its_type(value: Value, clock: FakeClock) -> None:
    key = key_for(X25519)
    encryptor = RecordEncryptor(RECIPIENT, key.public_key(), clock=clock)
    sealed = encryptor.seal_record(TOPIC, EVENT, [("body.x", value)])
    decryptor = RecordDecryptor(RECIPIENT, {key.key_id: key})
    opened = open_one(decryptor, sealed, path="body.x")
    assert opened == value
    assert type(opened) is type(value)


def test_empty_record_still_gets_a_data_key_for_its_binding(clock: FakeClock) -> None:
    encryptor = RecordEncryptor(RECIPIENT, key_for(X25519).public_key(), clock=clock)
    sealed = encryptor.seal_record(TOPIC, EVENT, [])
    assert sealed.envelopes == []
    assert sealed.wrapped_key is not None
    assert sealed.binding_key is not None
    assert len(sealed.binding_key) == 32
    assert encryptor.provider.keys_created == 1


@pytest.mark.parametrize(
    "where",
    [
        {"path": "body.family_name"},
        {"path": PATHS[1]},  # another field of the same record
        {"event_id": "6f1c2a3e-5b7d-4c9e-8f00-000000000000"},
        {"topic": "lov.provider.coachbolaget.v1"},
    ],
    ids=["other-path", "sibling-path", "other-event", "other-topic"],
)
def test_moved_ciphertext_does_not_open(
    private_key: RecipientPrivateKey, clock: FakeClock, where: dict[str, Any]
) -> None:
    sealed = seal(private_key, clock)
    decryptor = RecordDecryptor(RECIPIENT, {private_key.key_id: private_key})
    assert open_one(decryptor, sealed) == FIELDS[0][1]  # in place it opens
    with pytest.raises(DecryptionError):
        open_one(decryptor, sealed, **where)


def test_other_recipient_cannot_open_even_with_the_same_key(
    private_key: RecipientPrivateKey, clock: FakeClock
) -> None:
    # The worst case: a key shared by two recipients. The recipient id in the HPKE info and
    # in every field's AAD still keeps one recipient's records away from the other.
    sealed = seal(private_key, clock)
    other = RecordDecryptor(OTHER_RECIPIENT, {private_key.key_id: private_key})
    with pytest.raises(DecryptionError):
        open_one(other, sealed)


def test_other_recipient_with_its_own_keys_lacks_the_key(
    private_key: RecipientPrivateKey, clock: FakeClock
) -> None:
    sealed = seal(private_key, clock)
    own = key_for(private_key.suite, "other-recipient")
    with pytest.raises(MissingKeyError):
        open_one(RecordDecryptor(OTHER_RECIPIENT, {own.key_id: own}), sealed)


def test_envelope_swapped_between_records_does_not_open(
    private_key: RecipientPrivateKey, clock: FakeClock
) -> None:
    encryptor = RecordEncryptor(RECIPIENT, private_key.public_key(), clock=clock)
    first = encryptor.seal_record(TOPIC, EVENT, FIELDS)
    encryptor.provider.rotate()
    second = encryptor.seal_record(TOPIC, EVENT, FIELDS)
    assert first.wrapped_key != second.wrapped_key
    decryptor = RecordDecryptor(RECIPIENT, {private_key.key_id: private_key})
    assert second.wrapped_key is not None
    with pytest.raises(DecryptionError):  # first's envelope with second's data key
        decryptor.open_field(
            second.wrapped_key, first.envelopes[0], topic=TOPIC, event_id=EVENT, path=PATHS[0]
        )


def test_records_sharing_a_data_key_still_bind_their_event(
    private_key: RecipientPrivateKey, clock: FakeClock
) -> None:
    encryptor = RecordEncryptor(RECIPIENT, private_key.public_key(), clock=clock)
    first = encryptor.seal_record(TOPIC, "event-1", FIELDS)
    second = encryptor.seal_record(TOPIC, "event-2", FIELDS)
    assert first.wrapped_key == second.wrapped_key  # same data key
    decryptor = RecordDecryptor(RECIPIENT, {private_key.key_id: private_key})
    assert open_one(decryptor, first, event_id="event-1") == FIELDS[0][1]
    with pytest.raises(DecryptionError):  # first's envelope presented as part of event-2
        open_one(decryptor, first, event_id="event-2")


def test_data_key_is_unwrapped_once_and_cache_is_bounded(clock: FakeClock) -> None:
    key = key_for(X25519)
    encryptor = RecordEncryptor(RECIPIENT, key.public_key(), clock=clock)
    decryptor = RecordDecryptor(RECIPIENT, {key.key_id: key}, cache_size=2)
    records = [encryptor.seal_record(TOPIC, f"e{n}", FIELDS) for n in range(10)]
    for n, sealed in enumerate(records):
        decryptor.open_record(sealed, topic=TOPIC, event_id=f"e{n}", paths=PATHS)
    assert decryptor.keys_unwrapped == 1  # ten records, one data key, one HPKE operation
    for _ in range(3):
        encryptor.provider.rotate()
        sealed = encryptor.seal_record(TOPIC, "late", FIELDS)
        decryptor.open_record(sealed, topic=TOPIC, event_id="late", paths=PATHS)
    assert decryptor.keys_unwrapped == 4
    decryptor.open_record(records[0], topic=TOPIC, event_id="e0", paths=PATHS)
    assert decryptor.keys_unwrapped == 5  # evicted (cache of 2), so unwrapped again


def test_open_record_checks_its_shape(clock: FakeClock) -> None:
    key = key_for(X25519)
    sealed = seal(key, clock)
    decryptor = RecordDecryptor(RECIPIENT, {key.key_id: key})
    with pytest.raises(DecryptionError):
        decryptor.open_record(sealed, topic=TOPIC, event_id=EVENT, paths=PATHS[:-1])
    with pytest.raises(DecryptionError):
        decryptor.open_record(
            SealedRecord(None, sealed.envelopes), topic=TOPIC, event_id=EVENT, paths=PATHS
        )


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 1.5, b"bytes", {"a": 1}, ["a", 1]])
def test_unsupported_values_are_refused_not_sent(clock: FakeClock, value: object) -> None:
    encryptor = RecordEncryptor(RECIPIENT, key_for(X25519).public_key(), clock=clock)
    with pytest.raises(CryptoError):
        encryptor.seal_record(TOPIC, EVENT, [("body.x", value)])  # type: ignore[list-item]


def test_invalid_recipient_id_is_refused() -> None:
    with pytest.raises(CryptoError):
        RecordEncryptor("Not A Recipient", key_for(X25519).public_key())
    with pytest.raises(CryptoError):
        RecordDecryptor("a.reports", {})
