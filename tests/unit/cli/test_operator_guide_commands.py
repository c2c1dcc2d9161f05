"""Every `lovhub ...` command in docs/operator-guide.md's shell examples is a command the CLI
has, given only options that command takes; the `audit reconcile --replay` examples use only
options tests/integration/test_audit_reconcile_replay.py runs it with.

Read here with a plain regex and shlex (continuation lines joined, comments and redirections
dropped); the command tree is the one the console script builds.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import typer
from tests.support.hubrun import HubTopics

from lovhub.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
GUIDE = ROOT / "docs" / "operator-guide.md"


def _examples() -> list[list[str]]:
    found = []
    for block in re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = re.split(r"\s#|[>|]", line)[0].strip()
            if line.startswith("lovhub "):
                found.append(shlex.split(line)[1:])
    return found


def _resolve(words: list[str]) -> tuple[list[str], Any, list[str]]:
    """The command path, the click command and the words after it."""
    command: Any = typer.main.get_command(app)
    path: list[str] = []
    while hasattr(command, "commands") and words and words[0] in command.commands:
        path.append(words[0])
        command, words = command.commands[words[0]], words[1:]
    return path, command, words


def test_the_guide_shows_commands() -> None:
    examples = _examples()
    assert len(examples) >= 10
    assert ["audit", "reconcile", "--replay"] in examples


def test_every_command_in_the_guide_exists_with_its_options() -> None:
    for words in _examples():
        path, command, rest = _resolve(words)
        assert path, f"no such command: lovhub {words}"
        assert not hasattr(command, "commands"), f"a group, not a command: lovhub {words}"
        options = {
            name for param in command.params for name in (*param.opts, *param.secondary_opts)
        }
        unknown = [
            w.split("=")[0] for w in rest if w.startswith("--") and w.split("=")[0] not in options
        ]
        assert not unknown, f"lovhub {' '.join(path)} has no {unknown}"


def test_the_replay_examples_use_the_options_the_integration_test_runs() -> None:
    """tests/integration/test_audit_reconcile_replay.py runs `lovhub` with
    HubTopics.reconcile_args() plus --replay."""
    run_options = {w for w in HubTopics("x").reconcile_args() if w.startswith("--")}
    replays = [w for w in _examples() if w[:2] == ["audit", "reconcile"] and "--replay" in w]
    assert len(replays) == 2
    for words in replays:
        assert {w for w in words if w.startswith("--")} <= run_options | {"--replay"}, words


def test_every_lookup_of_a_person_in_the_guide_names_a_case() -> None:
    """Issue 15, part 4: `audit report` and `audit replay` naming a person refuse to run
    without --case; the guide shows them as they run, and a replay by other filters
    without one (it refuses --case)."""
    lookups = [
        words
        for words in _examples()
        if words[:2] == ["audit", "report"]
        or (words[:2] == ["audit", "replay"] and {"--jobseeker", "--jobseeker-id"} & set(words))
    ]
    assert len(lookups) >= 4
    for words in lookups:
        assert "--case" in words, words
    others = [w for w in _examples() if w[:2] == ["audit", "replay"] and w not in lookups]
    assert others
    assert all("--case" not in words for words in others)
