"""The provider client opens its own verified deliveries and nothing else."""

from __future__ import annotations

import copy
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.client import DeliveryOpener, DeliveryProblem, OpenedDelivery, ProblemReason
from lovhub.client.deliveries import RecordPosition
from lovhub.codec import JOBSEEKER_EVENT
from lovhub.codec.examples import jobseeker_event
from tests.unit.client.records import (
    CLEAR,
    CODEC,
    PERSONAL,
    RECIPIENT,
    TOPIC,
    encode,
    new_key,
    record,
)

AT = RecordPosition(TOPIC, 0, 7)


def opener(*keys: object) -> DeliveryOpener:
    return DeliveryOpener(RECIPIENT, {k.key_id: k for k in keys}, CODEC)  # type: ignore[attr-defined]


def problem_of(result: object) -> ProblemReason:
    assert isinstance(result, DeliveryProblem), result
    assert result.position == AT
    return result.reason


def test_a_delivery_opens_with_every_field_in_clear() -> None:
    key = new_key()
    result = opener(key).open(encode(record(key)), AT)
    assert isinstance(result, OpenedDelivery)
    assert [(f.path, f.value) for f in result.fields] == CLEAR + PERSONAL
    assert [f.encrypted for f in result.fields] == [False] * len(CLEAR) + [True] * len(PERSONAL)
    as_json = result.to_json()
    assert as_json["fields"]["body.phone"] == "+46701234567"
    assert (as_json["topic"], as_json["partition"], as_json["offset"]) == (TOPIC, 0, 7)
    assert as_json["key_id"] == key.key_id


def test_a_record_without_personal_fields_opens_without_a_key_operation() -> None:
    key = new_key()
    result = opener(key).open(encode(record(key, personal=[])), AT)
    assert isinstance(result, OpenedDelivery)
    assert result.key_id == key.key_id  # a data key is wrapped all the same: it keys the binding
    assert [(f.path, f.value) for f in result.fields] == CLEAR


def test_a_record_for_another_recipient_is_a_problem() -> None:
    key = new_key()
    value = encode(record(key, recipient="karriarbron"))
    assert problem_of(opener(key).open(value, AT)) is ProblemReason.WRONG_RECIPIENT


def test_a_flipped_ciphertext_byte_is_a_problem_not_a_delivery() -> None:
    key = new_key()
    tampered = record(key)
    envelope = bytearray(tampered["fields"][-1]["encrypted"])
    envelope[-1] ^= 0x01
    tampered["fields"][-1]["encrypted"] = bytes(envelope)
    assert problem_of(opener(key).open(encode(tampered), AT)) is ProblemReason.RECORD_FORGED


def test_swapped_field_paths_do_not_authenticate() -> None:
    key = new_key()
    moved = record(key)
    phone, email = moved["fields"][-3], moved["fields"][-2]
    phone["path"], email["path"] = email["path"], phone["path"]
    assert problem_of(opener(key).open(encode(moved), AT)) is ProblemReason.RECORD_FORGED


def test_a_record_copied_to_another_topic_does_not_authenticate() -> None:
    key = new_key()
    value = encode(record(key))
    elsewhere = RecordPosition("lov.provider.karriarbron.v1", 0, 7)
    result = opener(key).open(value, elsewhere)
    assert isinstance(result, DeliveryProblem)
    assert result.reason is ProblemReason.RECORD_FORGED


def test_a_field_both_clear_and_encrypted_is_refused() -> None:
    key = new_key()
    odd = record(key)
    odd["fields"][-1]["value"] = "shown in clear"
    assert problem_of(opener(key).open(encode(odd), AT)) is ProblemReason.INCONSISTENT_RECORD


def test_encrypted_fields_without_a_data_key_are_refused() -> None:
    key = new_key()
    odd = record(key)
    odd["data_key"] = None
    assert problem_of(opener(key).open(encode(odd), AT)) is ProblemReason.RECORD_FORGED


def test_key_rotation_picks_the_key_by_its_id() -> None:
    old, new = new_key("key-old"), new_key("key-new")
    before, after = encode(record(old)), encode(record(new))
    both = opener(old, new)
    assert isinstance(both.open(before, AT), OpenedDelivery)
    assert isinstance(both.open(after, AT), OpenedDelivery)
    only_old = opener(old)
    assert isinstance(only_old.open(before, AT), OpenedDelivery)
    assert problem_of(only_old.open(after, AT)) is ProblemReason.UNKNOWN_KEY


def test_the_wrong_key_with_the_right_id_does_not_open() -> None:
    key = new_key("key-a")
    impostor = new_key("key-a")
    value = encode(record(key))
    assert problem_of(opener(impostor).open(value, AT)) is ProblemReason.DECRYPTION_FAILED


def test_garbage_and_other_schemas_are_problems() -> None:
    key = new_key()
    reader = opener(key)
    assert problem_of(reader.open(b"\xc3\x01 not avro at all", AT)) in (
        ProblemReason.MALFORMED,
        ProblemReason.UNKNOWN_SCHEMA,
    )
    assert problem_of(reader.open(b"", AT)) is ProblemReason.MALFORMED
    event = CODEC.encode(JOBSEEKER_EVENT, jobseeker_event("REGISTRATION", random.Random(1)))
    assert problem_of(reader.open(event, AT)) in (
        ProblemReason.MALFORMED,
        ProblemReason.UNKNOWN_SCHEMA,
    )


def test_a_duplicate_delivery_is_dropped_once_opened() -> None:
    key = new_key()
    reader = opener(key)
    value = encode(record(key))
    assert isinstance(reader.open(value, AT), OpenedDelivery)
    assert reader.open(value, RecordPosition(TOPIC, 0, 8)) is None
    assert reader.duplicates == 1


def test_a_tampered_copy_neither_counts_as_duplicate_nor_hides_the_real_one() -> None:
    key = new_key()
    genuine = record(key)
    tampered = copy.deepcopy(genuine)
    envelope = bytearray(tampered["fields"][-1]["encrypted"])
    envelope[35] ^= 0x80
    tampered["fields"][-1]["encrypted"] = bytes(envelope)
    reader = opener(key)
    assert isinstance(reader.open(encode(tampered), AT), DeliveryProblem)
    assert isinstance(reader.open(encode(genuine), AT), OpenedDelivery)
    assert reader.duplicates == 0


def test_the_dedup_window_is_bounded() -> None:
    key = new_key()
    reader = DeliveryOpener(RECIPIENT, {key.key_id: key}, CODEC, dedup_window=2)
    first, second, third = (encode(record(key, personal=[])) for _ in range(3))
    for value in (first, second, third):
        assert isinstance(reader.open(value, AT), OpenedDelivery)
    assert isinstance(reader.open(first, AT), OpenedDelivery)  # forgotten: shown again
    assert reader.open(third, AT) is None


_KEY = new_key()
_GENUINE = record(_KEY)


@settings(max_examples=150, deadline=None)
@given(
    field=st.integers(min_value=0, max_value=len(PERSONAL) - 1),
    index=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_any_changed_envelope_byte_is_a_problem(field: int, index: int, flip: int) -> None:
    tampered = copy.deepcopy(_GENUINE)
    at = len(CLEAR) + field
    envelope = bytearray(tampered["fields"][at]["encrypted"])
    envelope[index % len(envelope)] ^= flip
    tampered["fields"][at]["encrypted"] = bytes(envelope)
    assert problem_of(opener(_KEY).open(encode(tampered), AT)) is ProblemReason.RECORD_FORGED


@pytest.mark.parametrize("part", ["encapsulated_key", "wrapped_key"])
def test_a_changed_wrapped_key_is_a_problem(part: str) -> None:
    tampered = copy.deepcopy(_GENUINE)
    blob = bytearray(tampered["data_key"][part])
    blob[0] ^= 0x01
    tampered["data_key"][part] = bytes(blob)
    assert problem_of(opener(_KEY).open(encode(tampered), AT)) is ProblemReason.DECRYPTION_FAILED
