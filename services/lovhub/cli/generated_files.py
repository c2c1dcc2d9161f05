"""Files the project generates and commits (the AsyncAPI contract, the hub's Strimzi
manifests): written, or checked against a fresh build with the first lines of the diff."""

from __future__ import annotations

import difflib
from pathlib import Path

import typer

from lovhub.cli.console import err, say

__all__ = ["write_or_check"]

_DIFF_LINES = 40


def write_or_check(target: Path, expected: str, *, check: bool, command: str) -> None:
    """Write ``expected`` to ``target``; with ``check``, write nothing and exit 1 when the
    file is missing or differs (``command`` is what regenerates it)."""
    if not check:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(expected, encoding="utf-8")
        say(f"wrote {target}")
        return
    if not target.is_file():
        err.print(f"{target} does not exist: run `{command}` to write it", highlight=False)
        raise typer.Exit(1)
    actual = target.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            actual.splitlines(), expected.splitlines(), "committed", "regenerated", lineterm=""
        )
        err.print(
            f"{target} differs from a fresh build: it was edited by hand or not "
            f"regenerated; run `{command}` and commit the result",
            highlight=False,
        )
        err.print("\n".join(list(diff)[:_DIFF_LINES]), markup=False, highlight=False)
        raise typer.Exit(1)
    say(f"{target} is up to date")
