"""The personal-id detector by shape: what `--jobseeker` refuses whole, and what a case
reference may not hold anywhere (issue 15, part 4)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.identity import (
    holds_personal_id_shape,
    is_personal_id_shape,
    synthetic_personal_id,
)

NUMBER = synthetic_personal_id(random.Random(1))
WRITTEN = [
    NUMBER,
    NUMBER[2:],
    f"{NUMBER[:8]}-{NUMBER[8:]}",
    f"{NUMBER[2:8]}-{NUMBER[8:]}",
    f"{NUMBER[2:8]}+{NUMBER[8:]}",
    f"{NUMBER[2:8]} {NUMBER[8:]}",
]


@pytest.mark.parametrize("written", WRITTEN)
def test_every_way_of_writing_a_number_is_seen_whole_and_inside_text(written: str) -> None:
    assert is_personal_id_shape(f" {written} ")
    assert holds_personal_id_shape(f"Dnr {written}/2026")
    assert holds_personal_id_shape(written)


def test_a_wrong_check_digit_is_still_a_number() -> None:
    wrong = NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10)
    assert is_personal_id_shape(wrong)
    assert holds_personal_id_shape(f"x{wrong}x")


@pytest.mark.parametrize("reference", ["AF-2026/000123", "js-000042", "2026-1234", "A12345678"])
def test_case_numbers_and_agency_ids_are_not_numbers(reference: str) -> None:
    assert not is_personal_id_shape(reference)
    assert not holds_personal_id_shape(reference)


@given(st.integers(min_value=10, max_value=40), st.text("ab-/ ", max_size=5))
def test_any_run_of_ten_or_more_digits_is_held(length: int, around: str) -> None:
    assert holds_personal_id_shape(around + "7" * length + around)
