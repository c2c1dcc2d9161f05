"""Shared pieces of the example generators: seeded ids, instants and recipient names."""

from __future__ import annotations

import datetime
import random
import uuid
from typing import Any

__all__ = ["PROVIDERS", "THIRD_PARTIES", "Record", "day", "instant", "new_uuid"]

Record = dict[str, Any]
PROVIDERS = ("jobbcoach-syd", "framtidsvagen", "karriarbron")
THIRD_PARTIES = ("forsakring-alfa", "praktik-nord")
_EPOCH = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def instant(rng: random.Random) -> datetime.datetime:
    # Whole milliseconds: timestamp-millis round-trips exactly.
    return _EPOCH + datetime.timedelta(milliseconds=rng.randrange(365 * 86_400_000))


def day(rng: random.Random) -> datetime.date:
    return _EPOCH.date() + datetime.timedelta(days=rng.randrange(365))
