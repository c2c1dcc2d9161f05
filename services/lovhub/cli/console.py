"""Shared console output for the CLI: one rich console, messages on stderr."""

from __future__ import annotations

from rich.console import Console

__all__ = ["err", "out", "say", "warn"]

out = Console()
err = Console(stderr=True)


def say(message: str) -> None:
    """Progress output goes to stderr so stdout stays clean for data (JSON lines, tables)."""
    err.print(f"[dim]·[/dim] {message}", soft_wrap=True)  # one line, whatever the width


def warn(message: str) -> None:
    """Something the operator should know that does not stop the command."""
    err.print(f"[yellow]warning[/yellow]: {message}", soft_wrap=True)
