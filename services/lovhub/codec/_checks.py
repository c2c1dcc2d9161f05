"""Field checks shared by the validators: each raises :class:`InvalidFieldError` naming the
field's path and a reason, never the value."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from lovhub.codec.errors import FieldProblem, InvalidFieldError
from lovhub.identity import is_valid_recipient_id

__all__ = [
    "CATALOGUE_ID",
    "EMAIL",
    "LANGUAGE",
    "MUNICIPALITY_CODE",
    "PHONE",
    "POSTAL_CODE",
    "UUID",
    "Fields",
    "as_date",
    "body_of",
    "catalogue_ids",
    "fail",
    "int_in",
    "items",
    "join",
    "matching",
    "optional_text",
    "ordered",
    "recipient_id",
    "text",
    "uuid_field",
]

_EPOCH_DAY = datetime.date(1970, 1, 1)

#: Bounds on what one agency record may carry (issue 10, findings 9 and 17): far above any
#: real record, far below what would make its deliveries exceed Kafka's request limit.
MAX_TEXT_CHARS = 500
MAX_LONG_TEXT_CHARS = 4000
MAX_ITEMS = 100
#: Dates outside these years are input errors, never history or plans the agency keeps.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Catalogue ids (purposes, data categories, codes) are identifiers, never prose.
CATALOGUE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
POSTAL_CODE = re.compile(r"[1-9][0-9]{4}")
MUNICIPALITY_CODE = re.compile(r"[0-9]{4}")
LANGUAGE = re.compile(r"[a-z]{2}")
PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

Fields = Mapping[str, Any]


def fail(reason: FieldProblem, path: str) -> InvalidFieldError:
    return InvalidFieldError(reason, path)


def join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def items(record: Fields, key: str, base: str) -> list[tuple[str, Fields]]:
    """The records of an array field with their paths; SCHEMA_MISMATCH if not records."""
    values = record.get(key) or []
    path = join(base, key)
    if not isinstance(values, list | tuple):
        raise fail(FieldProblem.SCHEMA_MISMATCH, path)
    bounded(values, path)
    for index, value in enumerate(values):
        if not isinstance(value, Mapping):
            raise fail(FieldProblem.SCHEMA_MISMATCH, f"{path}[{index}]")
    return [(f"{path}[{index}]", value) for index, value in enumerate(values)]


def bounded(values: list[object] | tuple[object, ...], path: str) -> None:
    if len(values) > MAX_ITEMS:
        raise fail(FieldProblem.TOO_MANY_ITEMS, path)


def text(record: Fields, key: str, base: str = "", *, max_chars: int = MAX_TEXT_CHARS) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise fail(
            FieldProblem.MISSING if value is None else FieldProblem.SCHEMA_MISMATCH,
            join(base, key),
        )
    if not value.strip():
        raise fail(FieldProblem.EMPTY, join(base, key))
    if len(value) > max_chars:
        raise fail(FieldProblem.TOO_LONG, join(base, key))
    return value


def optional_text(
    record: Fields, key: str, base: str = "", *, max_chars: int = MAX_TEXT_CHARS
) -> str | None:
    return None if record.get(key) is None else text(record, key, base, max_chars=max_chars)


def plausible_day(value: object, path: str) -> None:
    """A ``date`` field (either in-memory form), if set, inside the plausible years."""
    day = as_date(value)
    if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise fail(FieldProblem.IMPLAUSIBLE_DATE, path)


def plausible_instant(value: object, path: str) -> None:
    """A ``timestamp-millis`` field (datetime, or int millis without logical types)."""
    if isinstance(value, datetime.datetime):
        year = value.year
    elif isinstance(value, int) and not isinstance(value, bool):
        year = 1970 + value // 31_556_952_000  # millis in a mean Gregorian year
    else:
        return
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise fail(FieldProblem.IMPLAUSIBLE_DATE, path)


def matching(
    record: Fields, key: str, base: str, pattern: re.Pattern[str], reason: FieldProblem
) -> str:
    value = text(record, key, base)
    if pattern.fullmatch(value) is None:
        raise fail(reason, join(base, key))
    return value


def uuid_field(record: Fields, key: str, base: str = "") -> None:
    matching(record, key, base, UUID, FieldProblem.BAD_UUID)


def recipient_id(record: Fields, key: str, base: str) -> None:
    if not is_valid_recipient_id(text(record, key, base)):
        raise fail(FieldProblem.BAD_RECIPIENT_ID, join(base, key))


def catalogue_ids(record: Fields, key: str, base: str) -> None:
    values = record.get(key)
    path = join(base, key)
    if not isinstance(values, list | tuple):
        raise fail(FieldProblem.SCHEMA_MISMATCH, path)
    if not values:
        raise fail(FieldProblem.MISSING, path)
    bounded(values, path)
    for index, value in enumerate(values):
        if not isinstance(value, str) or CATALOGUE_ID.fullmatch(value) is None:
            raise fail(FieldProblem.BAD_CATALOGUE_ID, f"{path}[{index}]")


def int_in(record: Fields, key: str, base: str, low: int, high: int) -> None:
    value = record.get(key)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise fail(FieldProblem.BAD_RANGE, join(base, key))


def as_date(value: object) -> datetime.date | None:
    """A ``date`` field as a date, whether decoded with logical types (a date) or without
    (days since the epoch); None for anything else."""
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return _EPOCH_DAY + datetime.timedelta(days=value)
        except OverflowError:
            return None
    return None


def ordered(record: Fields, first: str, last: str, base: str) -> None:
    plausible_day(record.get(first), join(base, first))
    plausible_day(record.get(last), join(base, last))
    start, end = as_date(record.get(first)), as_date(record.get(last))
    if start is not None and end is not None and end < start:
        raise fail(FieldProblem.BAD_RANGE, join(base, last))


def body_of(record: Fields, types: Mapping[str, str], type_key: str) -> tuple[str, Fields]:
    body = record.get("body")
    if not (isinstance(body, tuple) and len(body) == 2 and isinstance(body[1], Mapping)):
        raise fail(FieldProblem.SCHEMA_MISMATCH, "body")
    kind = record.get(type_key)
    if not isinstance(kind, str) or types.get(kind) != body[0]:
        raise fail(FieldProblem.TYPE_MISMATCH, type_key)
    return body[0], body[1]
