"""`lovhub consume` prints each problem as exactly one line on stderr, however narrow the
terminal and however long the topic name: programs parse these lines (provider guide)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rich.console import Console
from tests.unit.client.records import RECIPIENT, encode, new_key, record
from typer.testing import CliRunner

import lovhub.cli.console
import lovhub.cli.consume
from lovhub.cli.main import app
from lovhub.client import DeliveryProblem, ProblemReason
from lovhub.client.deliveries import RecordPosition
from lovhub.credentials_file import write_credentials
from lovhub.crypto import write_private_key_file

# A long (staging) topic name: every problem line is far wider than the terminal.
TOPIC = "staging." + "very-long-segment." * 6 + RECIPIENT + ".v1"
PROBLEM_LINE = re.compile(
    rf"problem: topic={re.escape(TOPIC)} partition=(\d+) offset=(\d+) "
    r"reason=([A-Z_]+) \(([^\n]*)\)"
)


@dataclass(frozen=True)
class _Record:
    topic: str
    partition: int
    offset: int
    value: bytes | None


class _FakeReader:
    """Stands in for the Kafka reader: one batch of records, commits recorded."""

    batch: ClassVar[list[_Record]] = []
    committed: ClassVar[list[list[_Record]]] = []

    def __init__(self, settings: Any, topic: str, group_id: str, **_: Any) -> None:
        assert topic == TOPIC

    def __enter__(self) -> _FakeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def batches(self, *, follow: bool) -> Iterator[list[_Record]]:
        yield list(self.batch)

    def commit(self, records: list[_Record]) -> None:
        self.committed.append(list(records))


def test_every_problem_is_one_line_at_a_terminal_width_of_40(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    stranger = new_key()
    good = encode(record(key, topic=TOPIC))
    forged = bytearray(good)
    forged[-1] ^= 0x01  # the binding's last byte
    _FakeReader.batch = [
        _Record(TOPIC, 0, 10, b"not a record"),
        _Record(TOPIC, 0, 11, encode(record(key, recipient="someone-else", topic=TOPIC))),
        _Record(TOPIC, 1, 12, encode(record(stranger, topic=TOPIC))),
        _Record(TOPIC, 1, 13, bytes(forged)),
        _Record(TOPIC, 2, 14, good),
    ]
    _FakeReader.committed = []
    monkeypatch.setattr(lovhub.cli.consume, "DeliveryReader", _FakeReader)
    # As a 40-column terminal would make them (rich reads COLUMNS when a console is made).
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setattr(lovhub.cli.console, "err", Console(stderr=True, width=40))
    monkeypatch.setattr(lovhub.cli.consume, "out", Console(width=40))
    key_file = tmp_path / "k.key"
    write_private_key_file(key_file, key)
    login = tmp_path / "login.json"
    write_credentials(login, RECIPIENT, "test-only-password")
    arguments = ["consume", "--recipient", RECIPIENT, "--key", str(key_file)]
    arguments += ["--password-file", str(login), "--topic", TOPIC]
    result = CliRunner().invoke(
        app,
        arguments,
        env={"KAFKA_BOOTSTRAP_SERVERS": "localhost:1", "COLUMNS": "40"},
    )
    assert result.exit_code == 1, (result.output, repr(result.exception))
    # Each problem starts a line and ends at the next line break, which ends the problem.
    starts = [m.start() for m in re.finditer(r"problem: topic=", result.stderr)]
    lines = [result.stderr[at:].split("\n", 1)[0] for at in starts]
    assert all(at == 0 or result.stderr[at - 1] == "\n" for at in starts), result.stderr
    parsed = [PROBLEM_LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    assert [(m[1], m[2], m[3]) for m in parsed if m] == [
        ("0", "10", "MALFORMED"),
        ("0", "11", "WRONG_RECIPIENT"),
        ("1", "12", "UNKNOWN_KEY"),
        ("1", "13", "RECORD_FORGED"),
    ]
    assert len(result.stdout.splitlines()) == 1  # the one good record, as one JSON line
    assert _FakeReader.committed == [_FakeReader.batch]


def test_a_problem_line_never_holds_a_line_break() -> None:
    problem = DeliveryProblem(
        RecordPosition("t", 0, 1), ProblemReason.MALFORMED, "detail\nwith\r\nbreaks\x1b[2J"
    )
    line = lovhub.cli.consume.problem_line(problem)
    assert line.splitlines() == [line]
    assert line.isprintable()
    assert line.startswith("problem: topic=t partition=0 offset=1 reason=MALFORMED (detail with")
