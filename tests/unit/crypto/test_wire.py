"""Canonical encodings: values come back with their type; AAD and info are unambiguous."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.crypto import DecryptionError, Value
from lovhub.crypto._wire import (
    data_key_info,
    decode_value,
    encode_value,
    field_aad_prefix,
    lp_str,
)

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),
    st.lists(st.text(), max_size=10),
)


@given(values)
def test_values_round_trip_with_their_type(value: Value) -> None:
    decoded = decode_value(encode_value(value))
    assert decoded == value
    assert type(decoded) is type(value)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (None, "00"),
        (False, "0100"),
        (True, "0101"),
        (1, "020000000000000001"),
        (-1, "02ffffffffffffffff"),
        ("", "03"),
        ("å", "03c3a5"),
        ([], "0400000000"),
        (["a", ""], "04000000020000000161" + "00000000"),
    ],
)
def test_value_encoding_matches_the_spec(value: Value, encoded: str) -> None:
    assert encode_value(value).hex() == encoded


def test_equal_looking_values_of_different_types_differ() -> None:
    encodings = {encode_value(v) for v in (None, False, 0, "", [], True, 1, "1", ["1"])}
    assert len(encodings) == 9


@pytest.mark.parametrize(
    "plaintext",
    [
        "",
        "05",  # unknown tag
        "0000",  # null with a payload
        "0102",  # boolean neither 0 nor 1
        "01",  # boolean without its byte
        "0200",  # long too short
        "02000000000000000000",  # long too long
        "03ff",  # invalid UTF-8
        "04000000",  # list count truncated
        "040000000100000005616263",  # item longer than what remains
        "0400000000" + "00",  # trailing byte after the list
        "04ffffffff",  # absurd count
    ],
)
def test_non_canonical_plaintexts_are_rejected(plaintext: str) -> None:
    with pytest.raises(DecryptionError):
        decode_value(bytes.fromhex(plaintext))


@given(
    st.lists(st.text(max_size=6), min_size=3, max_size=3),
    st.lists(st.text(max_size=6), min_size=3, max_size=3),
)
def test_aad_parts_cannot_be_shifted_between_fields(first: list[str], second: list[str]) -> None:
    # With separators, ("a:b", "c") and ("a", "b:c") would authenticate the same bytes.
    def aad(parts: list[str]) -> bytes:
        return field_aad_prefix(1, b"\x00" * 16, "p", "k") + b"".join(map(lp_str, parts))

    assert (aad(first) == aad(second)) == (first == second)


def test_info_binds_every_part() -> None:
    base = data_key_info("s", "recipient", "key", b"\x01" * 16)
    assert data_key_info("s", "recipien", "tkey", b"\x01" * 16) != base
    assert data_key_info("s", "recipient", "key", b"\x02" * 16) != base
    assert data_key_info("t", "recipient", "key", b"\x01" * 16) != base
