"""`lovhub generate` writes a reproducible synthetic agency history as JSON lines, in the
order life produces events, with Skatteverket's test numbers only; `lovhub emit --check`
reads it and names every line it would refuse (no broker needed for either)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from typer.testing import CliRunner

from lovhub.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
TEST_NUMBERS = ROOT / "services" / "lovhub" / "identity" / "skatteverket-test-numbers.txt"
START = "2026-11-02"


def _generate(*args: str, start: str | None = START) -> str:
    dated = ["--start", start] if start else []  # None: the default, 28 days ago
    result = CliRunner().invoke(app, ["generate", *dated, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _published() -> set[str]:
    lines = TEST_NUMBERS.read_text(encoding="ascii").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def test_the_same_options_give_the_same_bytes_and_another_seed_others() -> None:
    first = _generate("--jobseekers", "40", "--seed", "3")
    assert first == _generate("--jobseekers", "40", "--seed", "3")
    assert first != _generate("--jobseekers", "40", "--seed", "4")


def test_histories_follow_life_and_name_only_published_test_numbers() -> None:
    lines = _generate("--jobseekers", "300", "--seed", "5").splitlines()
    history: dict[str, list[str]] = defaultdict(list)
    personal_ids: dict[str, str] = {}
    for line in lines:
        event = json.loads(line)
        history[event["jobseeker_id"]].append(event["event_type"])
        if event["event_type"] == "REGISTRATION":
            personal_ids[event["jobseeker_id"]] = event["body"]["personal_id"]
    assert len(history) == 300
    for types in history.values():
        assert types[:3] == ["REGISTRATION", "ASSESSMENT", "ASSIGNMENT_STARTED"]
        if "DEREGISTRATION" in types:
            assert types[-1] == "DEREGISTRATION"
    assert set(personal_ids.values()) <= _published()
    assert len(set(personal_ids.values())) == 300, "a different number for each person"
    order = [json.loads(line)["jobseeker_id"] for line in lines[:50]]
    assert len(set(order)) > 10, "jobseekers are interleaved, not one after another"


def test_emit_check_accepts_every_line_generated_with_the_default_start(tmp_path: Path) -> None:
    source = tmp_path / "history.jsonl"
    source.write_text(_generate("--jobseekers", "60", start=None), encoding="utf-8")
    count = len(source.read_text(encoding="utf-8").splitlines())
    result = CliRunner().invoke(app, ["emit", "--check", str(source)])
    assert result.exit_code == 0, result.output
    assert f"would send {count:,} events (JobseekerEvent v3)" in result.stderr


def test_emit_check_names_each_refused_line_on_one_line_and_fails(tmp_path: Path) -> None:
    text = _generate("--jobseekers", "150", "--invalid-rate", "0.05", start=None)
    source = tmp_path / "history.jsonl"
    source.write_text(text, encoding="utf-8")
    expected = set()
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            event = json.loads(line)
        except ValueError:
            expected.add((number, "(line): NOT_JSON"))
            continue
        if event["event_type"] == "REGISTRATION":
            digits = event["body"]["personal_id"]
            if digits not in _published():  # the generator's bad check digit
                expected.add((number, "body.personal_id: BAD_PERSONAL_ID"))
    assert len(expected) > 3, "the sample has invalid lines"
    result = CliRunner().invoke(app, ["emit", "--check", str(source)], terminal_width=40)
    assert result.exit_code == 1, result.output
    reported = set()
    for line in result.stderr.splitlines():
        if line.startswith("refused line "):
            number, _, rest = line.removeprefix("refused line ").partition(": ")
            reported.add((int(number), rest))
    assert reported == expected
    assert f"refused {len(expected)} lines of" in result.stderr


def test_a_start_that_is_not_a_date_is_a_configuration_error() -> None:
    result = CliRunner().invoke(app, ["generate", "--start", "03/12/2026"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in str(result.exception)
