"""``lovhub admin asyncapi``: write or check docs/asyncapi.yaml, the topics' AsyncAPI contract."""

from __future__ import annotations

import difflib
from pathlib import Path

import typer

from lovhub.cli.console import err, say
from lovhub.codec.store import SchemaStore, find_schema_dir
from lovhub.contract import contract_yaml

__all__ = ["asyncapi"]

_DIFF_LINES = 40


def asyncapi(
    out_path: Path | None = typer.Option(
        None,
        "--out",
        help="The document to write or check (default: docs/asyncapi.yaml beside schemas/).",
    ),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 if the file differs from a fresh build."
    ),
) -> None:
    """Build the AsyncAPI 3.0 document of every topic (messages, bindings, ACLs) from the
    topology and schemas/; $refs to the .avsc files are relative to the document."""
    schema_dir = find_schema_dir()
    target = out_path if out_path is not None else schema_dir.parent / "docs" / "asyncapi.yaml"
    expected = contract_yaml(SchemaStore.load(schema_dir), document_dir=target.parent)
    if not check:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(expected, encoding="utf-8")
        say(f"wrote {target}")
        return
    if not target.is_file():
        err.print(f"{target} does not exist: run `lovhub admin asyncapi` to write it")
        raise typer.Exit(1)
    actual = target.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            actual.splitlines(), expected.splitlines(), "committed", "regenerated", lineterm=""
        )
        shown = list(diff)[:_DIFF_LINES]
        err.print(
            f"{target} differs from what the topology and schemas/ give: it was edited by "
            "hand or not regenerated; run `lovhub admin asyncapi` and commit the result",
            highlight=False,
        )
        err.print("\n".join(shown), markup=False, highlight=False)
        raise typer.Exit(1)
    say(f"{target} is up to date")
