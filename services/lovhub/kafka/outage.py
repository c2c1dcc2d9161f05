"""Broker outages without a busy loop or a log flood (issue 12, part 5).

aiokafka 0.14 retries a failed metadata update as soon as anyone asks for one, and its
producer's sender and consumer's fetcher ask again as soon as the previous answer (a
failure) arrives. On loopback a refused connection fails at once, so with the broker away
each client spun at ~90% CPU and logged two error lines per attempt (~8,000 lines a second
for one worker, measured by tests/faults/test_broker_outage.py). Two bounded remedies:

- :func:`back_off_metadata_updates`: consecutive failed metadata updates of one client wait
  a capped exponential backoff before reporting their failure, so everything waiting on
  them waits too. One success resets it. The wait is inside aiokafka's own update task;
  nothing else about the client changes.
- :class:`RepeatedLines`: a log filter that lets the first line of each kind from the Kafka
  client libraries through and then at most one line per interval, with a count of what
  it held back. The hub logs its own state changes (broker silent, answering again).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.client import AIOKafkaClient

__all__ = [
    "METADATA_BACKOFF_FIRST_SECONDS",
    "METADATA_BACKOFF_MAX_SECONDS",
    "RepeatedLines",
    "back_off_metadata_updates",
]

METADATA_BACKOFF_FIRST_SECONDS = 0.2
METADATA_BACKOFF_MAX_SECONDS = 5.0
_FAILURES = "_lovhub_metadata_failures"
_INSTALLED = "_lovhub_backs_off"


def back_off_metadata_updates() -> None:
    """Install the backoff on aiokafka's client class (once; later calls do nothing)."""
    update = AIOKafkaClient._metadata_update
    if getattr(update, _INSTALLED, False):
        return
    AIOKafkaClient._metadata_update = _backing_off(update)


def _backing_off(
    update: Callable[..., Awaitable[bool]],
) -> Callable[..., Awaitable[bool]]:
    @functools.wraps(update)
    async def backing_off(client: Any, *args: Any, **kwargs: Any) -> bool:
        updated = await update(client, *args, **kwargs)
        if updated:
            setattr(client, _FAILURES, 0)
            return True
        failures = getattr(client, _FAILURES, 0) + 1
        setattr(client, _FAILURES, failures)
        await asyncio.sleep(
            min(METADATA_BACKOFF_FIRST_SECONDS * 2 ** (failures - 1), METADATA_BACKOFF_MAX_SECONDS)
        )
        return False

    setattr(backing_off, _INSTALLED, True)
    return backing_off


class RepeatedLines(logging.Filter):
    """At most one line per ``interval`` seconds for each (logger, message template) of the
    given libraries; a line let through after a quiet spell says how many it stands for."""

    def __init__(
        self,
        prefixes: tuple[str, ...] = ("aiokafka", "kafka"),
        *,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._prefixes = prefixes
        self._interval = interval
        self._clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}  # last let through, held

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self._prefixes) or record.levelno >= logging.CRITICAL:
            return True
        kind = (record.name, str(record.msg))
        now = self._clock()
        passed = self._seen.get(kind)
        if passed is not None and now - passed[0] < self._interval:
            self._seen[kind] = (passed[0], passed[1] + 1)
            return False
        held = 0 if passed is None else passed[1]
        self._seen[kind] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {self._interval:.0f}s)"
        return True
