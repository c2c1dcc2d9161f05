"""Broker outages without a busy loop or a log flood: the metadata backoff and the filter
for repeated client-library lines (lovhub.kafka.outage)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiokafka.client import AIOKafkaClient

from lovhub.kafka import outage
from lovhub.kafka.outage import RepeatedLines, back_off_metadata_updates


def _record(name: str, msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_repeated_client_line_passes_once_per_interval_with_a_count() -> None:
    now = [0.0]
    lines = RepeatedLines(interval=60.0, clock=lambda: now[0])
    template = "Unable connect to node with id %s: %s"
    assert lines.filter(_record("aiokafka", template, 1, "refused"))
    for second in range(1, 60):
        now[0] = float(second)
        assert not lines.filter(_record("aiokafka", template, 1, "refused"))
    now[0] = 61.0
    later = _record("aiokafka", template, 1, "refused")
    assert lines.filter(later)
    assert later.getMessage() == (
        "Unable connect to node with id 1: refused (59 more like this in the last 60s)"
    )
    now[0] = 62.0
    assert not lines.filter(_record("aiokafka", template, 1, "refused"))


def test_each_kind_of_line_is_counted_on_its_own_and_lovhub_lines_always_pass() -> None:
    lines = RepeatedLines(clock=lambda: 5.0)
    assert lines.filter(_record("aiokafka", "Unable to update metadata from %s", [1]))
    assert lines.filter(_record("kafka.net.manager", "Connection failed: %s", "refused"))
    assert lines.filter(
        _record("aiokafka.consumer.group_coordinator", "Unable to update metadata from %s", [1])
    )
    assert not lines.filter(_record("aiokafka", "Unable to update metadata from %s", [2]))
    for _ in range(3):
        assert lines.filter(_record("lovhub.worker", "fail closed: %s", "x"))
    assert lines.filter(
        _record("aiokafka", "Unable to update metadata from %s", [1], level=logging.CRITICAL)
    )


def test_consecutive_failed_metadata_updates_back_off_and_a_success_resets_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = iter([False] * 7 + [True, False])
    waits: list[float] = []

    async def update(client: object, *_: object) -> bool:
        return next(answers)

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(outage.asyncio, "sleep", sleep)
    backing_off = outage._backing_off(update)
    client = object.__new__(AIOKafkaClient)

    async def nine_updates() -> list[bool]:
        return [await backing_off(client, None, set()) for _ in range(9)]

    assert asyncio.run(nine_updates()) == [False] * 7 + [True, False]
    assert waits == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 0.2]


def test_the_backoff_is_installed_on_aiokafka_once() -> None:
    back_off_metadata_updates()
    installed = AIOKafkaClient._metadata_update
    back_off_metadata_updates()
    assert AIOKafkaClient._metadata_update is installed
    assert getattr(installed, "_lovhub_backs_off", False)
    assert installed.__wrapped__ is not installed  # type: ignore[attr-defined]
