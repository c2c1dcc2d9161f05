"""Minimisation: from an agency event to exactly the fields the policy allows, generalised.

``minimise`` applies a purpose's field rules (see :mod:`lovhub.policy`) to one decoded
``JobseekerEvent`` for one recipient. It never adds a field a rule does not name, generalises
in the hub (birth date to year or age band, address to municipality code), omits fields the
event does not have (never null), and keeps the rules' order. For a jobseeker with protected
identity it drops every address and contact field, whatever the rules say
(:func:`lovhub.policy.is_contact_path`). Pure: no I/O, no clock, no logging.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from lovhub.errors import LovhubError
from lovhub.policy import FieldRule, Transform, is_contact_path, output_path_of

__all__ = [
    "MinimisationError",
    "MinimisedField",
    "Value",
    "age_band",
    "age_on",
    "minimise",
    "source_value",
]

Value = str | int | bool | None | list[str]
Pseudonymise = Callable[[str, str], str]

_EPOCH_DAY: Final = dt.date(1970, 1, 1)
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_OLDEST_BAND: Final = 70
_YOUNGEST_BAND: Final = 20


class _Missing:
    """The source has no value here: the field is omitted."""


_MISSING: Final = _Missing()


class MinimisationError(LovhubError):
    """A rule cannot be applied to the event (names the path, never the value)."""

    code = "MINIMISATION_FAILED"


@dataclass(frozen=True, slots=True)
class MinimisedField:
    """One delivered field; ``personal`` fields must be encrypted before they leave."""

    path: str
    value: Value
    personal: bool


@functools.lru_cache(maxsize=4096)
def _segments(path: str) -> tuple[tuple[str, bool], ...]:
    return tuple((part.removesuffix("[]"), part.endswith("[]")) for part in path.split("."))


def _unwrap(node: Any) -> Any:
    # A union branch holding a record decodes as (full record name, fields).
    if type(node) is tuple and len(node) == 2 and isinstance(node[0], str) and _is_mapping(node[1]):
        return node[1]
    return node


def _is_mapping(node: Any) -> bool:
    # Decoded records are dicts: skip the (slower) ABC check for them.
    return type(node) is dict or isinstance(node, Mapping)


def _resolve(node: Any, segments: tuple[tuple[str, bool], ...], path: str) -> Any:
    for index, (name, maps) in enumerate(segments):
        node = _unwrap(node)
        if not _is_mapping(node):
            return _MISSING
        node = node.get(name)
        if node is None:
            return _MISSING
        if maps:
            if not isinstance(node, list | tuple):
                raise MinimisationError(f"{path}: {name} is not an array")
            rest = segments[index + 1 :]
            return [_resolve(item, rest, path) for item in node]
    return _unwrap(node)


def source_value(event: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of a decoded event (``[]`` maps over an array), or
    None when the event has none."""
    value = _resolve(event, _segments(path), path)
    if isinstance(value, list):
        return [None if item is _MISSING else item for item in value]
    return None if value is _MISSING else value


def _scalar(value: Any, path: str) -> str | int | bool:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date):  # also datetime
        return value.isoformat()
    raise MinimisationError(f"{path}: cannot deliver a {type(value).__name__} as a field")


def _text(value: Any, path: str) -> str:
    if value is _MISSING:
        return ""  # keeps parallel arrays (e.g. activities[].starts_on / ends_on) aligned
    scalar = _scalar(value, path)
    if isinstance(scalar, bool):
        return "true" if scalar else "false"
    return str(scalar)


def _as_date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _EPOCH_DAY + dt.timedelta(days=value)  # decoded without logical types
    raise MinimisationError(f"{path}: not a date")


def _occurred_on(event: Mapping[str, Any]) -> dt.date:
    occurred = event.get("occurred_at")
    if isinstance(occurred, int) and not isinstance(occurred, bool):
        return (_EPOCH + dt.timedelta(milliseconds=occurred)).date()
    if isinstance(occurred, dt.datetime):
        return occurred.astimezone(dt.UTC).date()
    raise MinimisationError("occurred_at: not a timestamp")


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on ``day`` (a 29 February birthday counts from 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(age: int) -> str:
    """Ten-year band: ``"0-19"``, ``"20-29"``, ..., ``"60-69"``, ``"70+"``."""
    if age < 0:
        raise MinimisationError("age_band: birth date after the event")
    if age < _YOUNGEST_BAND:
        return f"0-{_YOUNGEST_BAND - 1}"
    if age >= _OLDEST_BAND:
        return f"{_OLDEST_BAND}+"
    low = age - age % 10
    return f"{low}-{low + 9}"


def _apply(
    rule: FieldRule, event: Mapping[str, Any], pseudonymise: Pseudonymise
) -> Value | _Missing:
    path, transform = rule.path, rule.transform
    value = _resolve(event, _segments(path), path)
    if transform in (Transform.REGISTERED_FLAG, Transform.DEREGISTERED_FLAG):
        return _MISSING if isinstance(value, _Missing) else True  # the fact, not the value
    if isinstance(value, list):  # mapped over an array: keep or pseudonymise (validated)
        texts = [_text(item, path) for item in value]
        if transform is Transform.PSEUDONYMISE:
            return [pseudonymise(path, text) if text else "" for text in texts]
        if transform is Transform.KEEP:
            return texts
        raise MinimisationError(f"{path}: {transform} cannot apply to an array")
    if isinstance(value, _Missing):
        return value
    if transform is Transform.KEEP:
        return _scalar(value, path)
    if transform is Transform.BIRTH_YEAR:
        return _as_date(value, path).year
    if transform is Transform.AGE_BAND:
        return age_band(age_on(_as_date(value, path), _occurred_on(event)))
    if transform is Transform.MUNICIPALITY:
        if not isinstance(value, Mapping):
            raise MinimisationError(f"{path}: not an address")
        code = value.get("municipality_code")
        return _MISSING if code is None else str(code)
    if transform is Transform.PSEUDONYMISE:
        return pseudonymise(path, _text(value, path))
    raise MinimisationError(f"{path}: unknown transform")


def minimise(
    event: Mapping[str, Any],
    rules: Iterable[FieldRule],
    *,
    protected_identity: bool,
    pseudonymise: Pseudonymise,
    protected_paths: Iterable[str] = (),
) -> tuple[MinimisedField, ...]:
    """The fields ``rules`` allow from ``event``, generalised, in rule order.

    ``pseudonymise(path, value)`` returns the recipient's pseudonym for a value (bind the
    recipient first, e.g. ``functools.partial(pseudonymiser.for_field, recipient_id)``).
    ``protected_paths`` adds a policy's ``protected_identity_paths`` to the built-in ones.
    When several purposes' rules deliver the same path, it appears once (personal if any
    rule says so).
    """
    extra = tuple(protected_paths)
    fields: list[MinimisedField] = []
    positions: dict[str, int] = {}
    for rule in rules:
        output = output_path_of(rule.path, rule.transform)
        if protected_identity and (
            is_contact_path(rule.path, extra) or is_contact_path(output, extra)
        ):
            continue
        if output in positions:
            index = positions[output]
            if rule.personal and not fields[index].personal:
                fields[index] = MinimisedField(output, fields[index].value, True)
            continue
        value = _apply(rule, event, pseudonymise)
        if isinstance(value, _Missing):
            continue
        positions[output] = len(fields)
        fields.append(MinimisedField(output, value, rule.personal))
    return tuple(fields)
