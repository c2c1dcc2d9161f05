"""``lovhub demo``: the main job, end to end on a local broker."""

from __future__ import annotations

import typer

__all__ = ["demo"]


def demo() -> None:
    """Start the local broker, provision it, and show events flowing."""
    raise typer.Exit(1)
