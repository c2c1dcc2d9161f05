"""What the generated Avro writers call at run time (lovhub.codec._fastwrite).

Shared by the writers generated at build time (``lovhub.codec._generated_writers``,
compiled with the hot path) and those generated at start-up for a schema the build did not
know, so both write with exactly the same helpers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

__all__ = [
    "INT_RANGE",
    "LONG_RANGE",
    "SMALL",
    "NoneType",
    "Unsupported",
    "timestamp_millis",
    "varint",
    "zigzag",
]

LONG_RANGE: Final = (-(2**63), 2**63 - 1)
INT_RANGE: Final = (-(2**31), 2**31 - 1)
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Zig-zag varints of small values, the common case for lengths, indexes and counts.
SMALL: Final = tuple(bytes([n]) for n in range(128))
NoneType: Final = type(None)


class Unsupported(Exception):
    """A value the fast writer does not handle: fastavro decides (encodes or rejects)."""


def varint(zigzagged: int) -> bytes:
    if zigzagged < 0x80:
        return SMALL[zigzagged]
    # Two and three bytes (sequences, offsets, lengths up to 1 MiB) without the loop.
    if zigzagged < 0x4000:
        return bytes((zigzagged & 0x7F | 0x80, zigzagged >> 7))
    if zigzagged < 0x200000:
        return bytes((zigzagged & 0x7F | 0x80, zigzagged >> 7 & 0x7F | 0x80, zigzagged >> 14))
    out = bytearray()
    while zigzagged >= 0x80:
        out.append((zigzagged & 0x7F) | 0x80)
        zigzagged >>= 7
    out.append(zigzagged)
    return bytes(out)


def zigzag(value: int) -> bytes:
    return varint((value << 1) ^ (value >> 63))


def timestamp_millis() -> Callable[[Any], bytes]:
    """Encoder of a ``timestamp-millis`` value (aware datetime or int milliseconds)."""
    # The decisions of one event share one ``decided_at`` object: remember the last one's
    # bytes (datetimes are immutable, so the same object always gives the same bytes).
    last: tuple[Any, bytes] = (None, b"")

    def encode(value: Any) -> bytes:
        nonlocal last
        seen = last
        if seen[0] is value:
            return seen[1]
        millis = value
        # fastavro's prepare_timestamp_millis for an aware datetime, to the same integer;
        # naive datetimes go through local time in fastavro, so they are left to it.
        if type(value) is dt.datetime and value.tzinfo is not None:
            delta = value - _EPOCH
            millis = (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
        if type(millis) is not int or not LONG_RANGE[0] <= millis <= LONG_RANGE[1]:
            raise Unsupported
        encoded = zigzag(millis)
        if type(value) is dt.datetime:
            last = (value, encoded)
        return encoded

    return encode
