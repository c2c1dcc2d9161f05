"""Personal identity and coordination numbers: Luhn, calendar, century, no leaks."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.identity import (
    InvalidPersonalIdError,
    is_valid_personal_id,
    luhn_check_digit,
    luhn_valid,
    parse_personal_id,
    synthetic_personal_id,
)
from tests.support.personal_ids import luhn_digit, random_valid_personal_id

# Fictitious numbers used in public explanations of the check digit.
KNOWN_VALID = ["196408233234", "198112189876", "190001010008"]


@pytest.mark.parametrize("value", KNOWN_VALID)
def test_known_valid_numbers(value: str) -> None:
    assert is_valid_personal_id(value)
    assert parse_personal_id(value).coordination_number is False


def test_check_digit_worked_example() -> None:
    # 640823-323?: digits x 2,1,2,... summed digit-wise give 36, so the check digit is 4.
    assert luhn_check_digit("640823323") == 4
    assert luhn_valid("6408233234")
    assert not luhn_valid("6408233235")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "6408233234",  # 10-digit form: not accepted, the hub uses 12 digits only
        "19640823-3234",
        "196408233235",  # wrong check digit
        "199002300000",  # 30 February
        "199013010000",  # month 13
        "199001000000",  # day 0
        "199001600000",  # coordination day 60 is day 0
        "210001010000",  # century 21
        "１９６４０８２３３２３４",  # full-width digits are not ASCII digits
        "19640823323a",
    ],
)
def test_invalid_values(value: str) -> None:
    assert not is_valid_personal_id(value)


@pytest.mark.parametrize("value", [None, 196408233234, b"196408233234", ["196408233234"]])
def test_non_strings_are_invalid(value: object) -> None:
    assert not is_valid_personal_id(value)


def test_february_30_is_rejected_even_with_a_correct_check_digit() -> None:
    payload = "9002300"
    for serial in range(100):
        body = f"{payload}{serial:02d}"
        assert not is_valid_personal_id(f"19{body}{luhn_check_digit(body)}")


def test_leap_day_depends_on_the_year() -> None:
    for year, valid in ((2000, True), (1996, True), (1900, False), (2001, False)):
        body = f"{year % 100:02d}0229123"
        assert is_valid_personal_id(f"{year}0229123{luhn_check_digit(body)}") is valid


def test_parse_gives_birth_date_and_hides_the_value() -> None:
    parsed = parse_personal_id("196408233234")
    assert parsed.birth_date == datetime.date(1964, 8, 23)
    assert "196408233234" not in repr(parsed)
    assert "1964" not in str(parsed)


def test_parse_error_names_the_path_not_the_value() -> None:
    with pytest.raises(InvalidPersonalIdError) as caught:
        parse_personal_id("196408233235", path="body.personal_id")
    assert caught.value.reason == "BAD_PERSONAL_ID"
    assert caught.value.path == "body.personal_id"
    assert "196408233235" not in str(caught.value)


seeds = st.integers(min_value=0, max_value=2**32)


@given(seed=seeds, coordination=st.booleans())
def test_random_valid_numbers_parse(seed: int, coordination: bool) -> None:
    value = random_valid_personal_id(random.Random(seed), coordination=coordination)
    parsed = parse_personal_id(value)
    assert parsed.coordination_number is coordination
    assert len(value) == 12
    assert value.isdigit()


@given(seed=seeds)
def test_coordination_number_is_the_personal_id_with_day_plus_60(seed: int) -> None:
    value = random_valid_personal_id(random.Random(seed))
    body = f"{value[2:6]}{int(value[6:8]) + 60}{value[8:11]}"
    coordination = f"{value[:2]}{body}{luhn_check_digit(body)}"
    parsed = parse_personal_id(coordination)
    assert parsed.coordination_number
    assert parsed.birth_date == parse_personal_id(value).birth_date


@given(seed=seeds, position=st.integers(min_value=2, max_value=11), delta=st.integers(1, 9))
def test_changing_any_checked_digit_invalidates(seed: int, position: int, delta: int) -> None:
    # Luhn catches every single-digit error in the ten checked digits (positions 2-11);
    # the century digits are not part of the check, but must still be 18, 19 or 20.
    value = random_valid_personal_id(random.Random(seed))
    digits = list(value)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not is_valid_personal_id("".join(digits))


@given(seed=seeds, delta=st.integers(1, 9))
def test_changing_a_century_digit_invalidates_or_changes_century(seed: int, delta: int) -> None:
    value = random_valid_personal_id(random.Random(seed))
    changed = value[0] + str((int(value[1]) + delta) % 10) + value[2:]
    if changed[:2] not in ("18", "20"):
        assert not is_valid_personal_id(changed)


@given(seed=seeds, position=st.integers(min_value=0, max_value=10))
def test_swapping_adjacent_different_digits_is_usually_caught(seed: int, position: int) -> None:
    # Luhn misses only the 0<->9 transposition; everything else must be caught.
    value = random_valid_personal_id(random.Random(seed))
    a, b = value[position], value[position + 1]
    swapped = value[:position] + b + a + value[position + 2 :]
    if position >= 2 and a != b and {a, b} != {"0", "9"}:
        assert not is_valid_personal_id(swapped)


TEST_NUMBERS = (
    Path(__file__).resolve().parents[3]
    / "services"
    / "lovhub"
    / "identity"
    / "skatteverket-test-numbers.txt"
)


def _published() -> list[str]:
    lines = TEST_NUMBERS.read_text(encoding="ascii").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_the_published_test_numbers_are_valid_and_born_1940_to_2010() -> None:
    published = _published()
    assert len(published) == len(set(published)) > 10_000
    for value in published:
        assert is_valid_personal_id(value), "every listed test number passes the validator"
        assert value[2:11] + str(luhn_digit(value[2:11])) == value[2:]
        assert 1940 <= int(value[:4]) <= 2010


@given(seed=seeds, coordination=st.booleans())
def test_synthetic_ids_are_published_test_numbers_of_the_kind_asked(
    seed: int, coordination: bool
) -> None:
    value = synthetic_personal_id(random.Random(seed), coordination=coordination)
    assert value in set(_published())
    assert (int(value[6:8]) > 60) is coordination
    assert parse_personal_id(value).coordination_number is coordination


def test_synthetic_ids_respect_the_birth_range() -> None:
    born = (datetime.date(1995, 1, 1), datetime.date(1995, 12, 31))
    values = {synthetic_personal_id(random.Random(n), born_between=born) for n in range(200)}
    assert all(v.startswith("1995") for v in values)
    assert len(values) > 100, "the choice spreads over the year's numbers"
