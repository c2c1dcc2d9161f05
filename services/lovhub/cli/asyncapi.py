"""``lovhub admin asyncapi``: write or check docs/asyncapi.yaml, the topics' AsyncAPI contract."""

from __future__ import annotations

from pathlib import Path

import typer

from lovhub.cli.generated_files import write_or_check
from lovhub.codec.store import SchemaStore, find_schema_dir
from lovhub.contract import contract_yaml

__all__ = ["asyncapi"]


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
    write_or_check(target, expected, check=check, command="lovhub admin asyncapi")
