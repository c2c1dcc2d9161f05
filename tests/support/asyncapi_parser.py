"""The AsyncAPI project's own parser (npm ``@asyncapi/parser`` with
``@asyncapi/avro-schema-parser``), installed on first use, run on one document.

The versions are pinned in ``tests/support/asyncapi/package.json`` and, with every transitive
package, in its ``package-lock.json``; ``npm ci`` installs exactly those into
``build/asyncapi-parser/`` (git-ignored) once per lock file. Node and npm must be on PATH:
without them the tests fail with :class:`ParserUnavailable`, never skip.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ERROR",
    "INSTALL_DIR",
    "ParseReport",
    "ParserUnavailable",
    "install_parser",
    "parse_document",
]

REPO = Path(__file__).resolve().parents[2]
SOURCE_DIR = Path(__file__).resolve().parent / "asyncapi"
INSTALL_DIR = REPO / "build" / "asyncapi-parser"
_FILES = ("package.json", "package-lock.json", "validate.cjs")
_STAMP = ".installed-lock-sha256"
# The oldest Node.js every locked package supports (jsep: >= 20.16.0).
MIN_NODE = (20, 16)
# Spectral's severities, as the parser reports them: 0 error, 1 warning, 2 info, 3 hint.
ERROR = 0


class ParserUnavailable(RuntimeError):
    """Node or npm is missing, or the parser could not be installed or run."""


@dataclass(frozen=True, slots=True)
class ParseReport:
    parsed: bool
    diagnostics: tuple[dict[str, Any], ...]
    avro_payloads_checked: int

    @property
    def errors(self) -> tuple[dict[str, Any], ...]:
        return tuple(d for d in self.diagnostics if d["severity"] == ERROR)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ParserUnavailable(
            f"{name} is not on PATH: the AsyncAPI contract test needs Node.js and npm to run "
            "the AsyncAPI project's parser (install Node.js 20.16 or newer with npm)"
        )
    return path


def install_parser(directory: Path = INSTALL_DIR) -> Path:
    """``npm ci`` the pinned parser into ``directory`` unless this lock file is installed."""
    npm = _tool("npm")
    directory.mkdir(parents=True, exist_ok=True)
    lock_sha = hashlib.sha256((SOURCE_DIR / "package-lock.json").read_bytes()).hexdigest()
    with (directory / ".lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # two test runs at once install only once
        for name in _FILES:
            shutil.copyfile(SOURCE_DIR / name, directory / name)
        stamp = directory / _STAMP
        if stamp.is_file() and stamp.read_text() == lock_sha:
            return directory
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        result = subprocess.run(
            command, cwd=directory, capture_output=True, text=True, timeout=600, check=False
        )
        if result.returncode != 0:
            raise ParserUnavailable(
                f"`npm ci` of the AsyncAPI parser in {directory} failed "
                f"(exit {result.returncode}): {result.stderr.strip()[-2000:]}"
            )
        stamp.write_text(lock_sha)
    return directory


def _node() -> str:
    node = _tool("node")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    digits = tuple(int(part) for part in version.lstrip("v").split(".")[:2] if part.isdigit())
    if digits < MIN_NODE:
        raise ParserUnavailable(
            f"node {version or '(unknown version)'} is too old for the AsyncAPI parser: "
            f"Node.js {MIN_NODE[0]}.{MIN_NODE[1]} or newer is needed"
        )
    return node


def parse_document(document: Path, *, parser_dir: Path) -> ParseReport:
    """Parse and validate ``document`` (its relative ``$ref``s resolved from its directory)."""
    node = _node()
    result = subprocess.run(
        [node, str(parser_dir / "validate.cjs"), str(document.resolve())],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise ParserUnavailable(
            f"the AsyncAPI parser did not run (exit {result.returncode}): "
            f"{result.stderr.strip()[-2000:]}"
        )
    found = json.loads(result.stdout)
    return ParseReport(
        parsed=bool(found["parsed"]),
        diagnostics=tuple(found["diagnostics"]),
        avro_payloads_checked=int(found["avroPayloadsChecked"]),
    )
