"""Order of writes: the registry record, then its change record; a failed change record is
loud (AuditWriteError), and a change chain that cannot be opened changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from lovhub.audit import command_chain
from lovhub.codec import codec_for, default_store
from lovhub.registry import lifecycle as life
from lovhub.registry import load_recipients, operations
from lovhub.registry.errors import AuditWriteError, RegistryError
from lovhub.registry.records import decode_registry_record, record_sha256
from tests.unit.policy.helpers import DEFAULT_RECIPIENTS

SEED = load_recipients(DEFAULT_RECIPIENTS)
AT = dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC)


@dataclass
class _Sent:
    offset: int


class _Log:
    def __init__(self, *, fail_append: bool = False, fail_start: bool = False) -> None:
        self.events: list[tuple[str, Any]] = []
        self.fail_append = fail_append
        self.fail_start = fail_start


def _fakes(monkeypatch: pytest.MonkeyPatch, log: _Log) -> None:
    class Producer:
        def __init__(self, **_: Any) -> None:
            pass

        async def start(self) -> None:
            pass

        async def stop(self) -> None:
            pass

        async def send_and_wait(self, topic: str, value: bytes, **_: Any) -> _Sent:
            log.events.append(("registry", value))
            return _Sent(len(log.events))

    class Writer:
        def __init__(self, **_: Any) -> None:
            pass

        async def start(self) -> None:
            if log.fail_start:
                raise RuntimeError("no such topic")

        async def stop(self) -> None:
            pass

        async def append(
            self, records: Sequence[Mapping[str, Any]]
        ) -> list[tuple[dict[str, Any], int]]:
            if log.fail_append:
                raise RuntimeError("broker gone")
            log.events.extend(("change", dict(r)) for r in records)
            return [(dict(r), len(log.events)) for r in records]

    monkeypatch.setattr(operations, "AIOKafkaProducer", Producer)
    # The chain is opened by the helper shared with the lookup chain.
    monkeypatch.setattr(command_chain, "ChainedRecordWriter", Writer)


def _publish(changes: list[life.LifecycleChange]) -> list[operations.PublishedChange]:
    return asyncio.run(
        operations.publish_changes({}, changes, codec=codec_for(None), store=default_store())
    )


def _changes() -> list[life.LifecycleChange]:
    return list(life.expire_insurance(SEED, dt.date(2028, 1, 1), actor="insurance-job", at=AT))


def test_each_registry_record_precedes_its_change_record(monkeypatch: pytest.MonkeyPatch) -> None:
    log = _Log()
    _fakes(monkeypatch, log)
    changes = _changes()
    assert len(changes) == 2  # jobbcoach-syd and karriarbron; vagval-norr is suspended already
    published = _publish(changes)
    assert [kind for kind, _ in log.events] == ["registry", "change"] * 2
    for (_, value), (_, record), change in zip(
        log.events[::2], log.events[1::2], changes, strict=True
    ):
        assert decode_registry_record(change.recipient.id.encode(), value) == change.recipient
        assert record["registry_record_sha256"] == record_sha256(value)
        assert record["action"] == "INSURANCE_EXPIRED"
        assert record["status_after"] == "suspended"
    assert [p.change for p in published] == changes


def test_a_change_record_that_cannot_be_written_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = _Log(fail_append=True)
    _fakes(monkeypatch, log)
    with pytest.raises(AuditWriteError, match="audit trail is missing") as caught:
        _publish(_changes())
    assert caught.value.code == "AUDIT_WRITE_FAILED"
    assert [kind for kind, _ in log.events] == ["registry"]  # stops at the first gap


def test_no_registry_write_when_the_change_chain_cannot_be_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = _Log(fail_start=True)
    _fakes(monkeypatch, log)
    with pytest.raises(RegistryError, match="nothing was changed"):
        _publish(_changes())
    assert log.events == []
    assert _publish([]) == []
