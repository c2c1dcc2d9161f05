"""The operators' command-line chain helper (lovhub.audit.command_chain), shared by the
recipient-change and the lookup chains: the chain is opened before anything else, a
failure to open or append is AUDIT_WRITE_FAILED, a forged tail stays RESUME_REFUSED, and
the writer is always closed (its checkpoint written) after the append."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from lovhub.audit import command_chain
from lovhub.audit.command_chain import ChainUnavailable, CommandChain, append_evidence
from lovhub.audit.resume import ResumeRefused
from lovhub.codec import OPERATOR_LOOKUP, codec_for, default_store

CHAIN = CommandChain("test.lookups", OPERATOR_LOOKUP, checkpoint_topic="test.checkpoints")


class _Writer:
    def __init__(self, log: list[str], fail: str | None, **options: Any) -> None:
        self.log, self.fail, self.options = log, fail, options

    async def start(self) -> None:
        self.log.append("start")
        if self.fail == "start":
            raise RuntimeError("no such topic")
        if self.fail == "resume":
            raise ResumeRefused("test.lookups", 0, "a forged tail")

    async def append(
        self, records: Sequence[Mapping[str, Any]]
    ) -> list[tuple[dict[str, Any], int]]:
        if self.fail == "append":
            raise RuntimeError("broker gone")
        self.log.append(f"append {len(records)}")
        return [({**r, "sequence": n}, n) for n, r in enumerate(records)]

    async def stop(self) -> None:
        self.log.append("stop")
        if self.fail == "stop":
            raise RuntimeError("checkpoint refused")


def _append(monkeypatch: pytest.MonkeyPatch, fail: str | None = None) -> tuple[Any, list[str]]:
    log: list[str] = []
    made: list[_Writer] = []

    def writer(**options: Any) -> _Writer:
        made.append(_Writer(log, fail, **options))
        return made[-1]

    monkeypatch.setattr(command_chain, "ChainedRecordWriter", writer)
    result = asyncio.run(
        append_evidence(
            {}, CHAIN, [{"a": 1}, {"a": 2}], codec=codec_for(None), store=default_store()
        )
    )
    assert made[0].options["topic"] == "test.lookups"
    assert made[0].options["checkpoint_every"] == 2  # one checkpoint over both
    return result, log


def test_appended_then_checkpointed_and_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    result, log = _append(monkeypatch)
    assert [offset for _, offset in result] == [0, 1]
    assert log == ["start", "append 2", "stop"]


@pytest.mark.parametrize("fail", ["start", "append", "stop"])
def test_evidence_that_may_not_be_written_is_audit_write_failed(
    monkeypatch: pytest.MonkeyPatch, fail: str
) -> None:
    with pytest.raises(ChainUnavailable, match=r"test\.lookups") as caught:
        _append(monkeypatch, fail)
    assert caught.value.code == "AUDIT_WRITE_FAILED"


def test_a_forged_tail_is_refused_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ResumeRefused) as caught:
        _append(monkeypatch, "resume")
    assert caught.value.code == "RESUME_REFUSED"
