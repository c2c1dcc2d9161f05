"""JobseekerState.evolve is dataclasses.replace: every field not named is kept as it was."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lovhub.core import JobseekerState
from lovhub.core.state import Receipt

DAY = dt.date(2026, 3, 1)


def _full_state() -> JobseekerState:
    # A distinct, non-default value in every field, whatever fields the class has.
    values: dict[str, object] = {}
    for number, field in enumerate(dataclasses.fields(JobseekerState)):
        default = field.default_factory() if callable(field.default_factory) else field.default
        values[field.name] = (
            {f"key-{number}": Receipt("REGISTRATION", DAY, {})}
            if isinstance(default, dict)
            else ((number, True),)
        )
    return JobseekerState(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(JobseekerState)])
def test_evolve_changes_exactly_the_named_field(name: str) -> None:
    state = _full_state()
    new_value = getattr(JobseekerState(), name)  # the default: differs from the full state's
    assert state.evolve(**{name: new_value}) == dataclasses.replace(state, **{name: new_value})
    evolved = state.evolve(**{name: new_value})
    for field in dataclasses.fields(JobseekerState):
        expected = new_value if field.name == name else getattr(state, field.name)
        assert getattr(evolved, field.name) == expected


def test_evolve_with_nothing_is_an_equal_state() -> None:
    state = _full_state()
    assert state.evolve() == state
    assert state.evolve() is not state
