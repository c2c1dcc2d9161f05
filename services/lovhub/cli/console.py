"""Shared console output for the CLI: one rich console, messages on stderr."""

from __future__ import annotations

from rich.console import Console

__all__ = ["err", "out", "say"]

out = Console()
err = Console(stderr=True)


def say(message: str) -> None:
    """Progress output goes to stderr so stdout stays clean for data (JSON lines, tables)."""
    err.print(f"[dim]·[/dim] {message}")
