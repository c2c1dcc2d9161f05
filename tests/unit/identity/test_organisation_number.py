"""Organisation numbers of legal persons: ten digits, third digit >= 2, Luhn."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.identity import (
    InvalidOrganisationNumberError,
    is_valid_organisation_number,
    is_valid_personal_id,
    parse_organisation_number,
    synthetic_organisation_number,
)

# Organisation numbers of Swedish government agencies (public reference data, group 2).
KNOWN_VALID = ["2021002114", "2021005448", "2021005489"]


@pytest.mark.parametrize("value", KNOWN_VALID)
def test_known_valid_numbers(value: str) -> None:
    assert is_valid_organisation_number(value)
    assert parse_organisation_number(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "202100-5489",  # the hub's form has no hyphen
        "2021005488",  # wrong check digit
        "6408233234",  # a valid 10-digit personal id: third digit 0 (a month)
        "5512345678",
        "162021005489",  # 12-digit form with the 16 prefix is not accepted
        None,
        2021005489,
    ],
)
def test_invalid_values(value: object) -> None:
    assert not is_valid_organisation_number(value)


def test_third_digit_rule_is_checked_separately_from_luhn() -> None:
    # 6408233234 passes Luhn over all ten digits but is a personal id, not an organisation.
    from lovhub.identity import luhn_valid

    assert luhn_valid("6408233234")
    assert not is_valid_organisation_number("6408233234")


def test_parse_error_does_not_echo_the_value() -> None:
    with pytest.raises(InvalidOrganisationNumberError) as caught:
        parse_organisation_number("2021005488", path="body.employer_org_number")
    assert caught.value.reason == "BAD_ORGANISATION_NUMBER"
    assert "2021005488" not in str(caught.value)


@given(seed=st.integers(min_value=0, max_value=2**32))
def test_synthetic_numbers_are_valid_and_never_personal_ids(seed: int) -> None:
    value = synthetic_organisation_number(random.Random(seed))
    assert is_valid_organisation_number(value)
    assert int(value[2]) >= 2
    assert not is_valid_personal_id("19" + value)


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    position=st.integers(min_value=0, max_value=9),
    delta=st.integers(1, 9),
)
def test_changing_any_digit_invalidates(seed: int, position: int, delta: int) -> None:
    value = synthetic_organisation_number(random.Random(seed))
    digits = list(value)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not is_valid_organisation_number("".join(digits))
