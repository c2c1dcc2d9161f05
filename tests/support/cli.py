"""Running the ``lovhub`` console script as an operator would, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def run_lovhub(
    env: dict[str, str], *args: str, timeout: float = 300, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``lovhub ARGS`` with ``env`` (see :func:`tests.support.hubrun.lovhub_env`); never raises
    on a non-zero exit, so tests can assert on it."""
    return subprocess.run(
        [LOVHUB, *args],
        env={**env, "COLUMNS": "240"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        input=stdin,
    )
