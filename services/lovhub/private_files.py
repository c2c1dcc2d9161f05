"""Files that hold secrets: created with owner-only permissions from the first byte.

Every secret file (private keys, passwords, the pseudonym secret, signing keys, credentials,
access reports) is written through this module. A file is opened with
``O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600, so the mode holds at creation
whatever the umask, an existing file is never written into, and a symlink at the target is
never followed. Replacing a file (a state file its owner rewrites) writes a fresh temporary
file the same way in the same directory and renames it over the target (``os.replace``
replaces a symlink itself, never its target).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["PRIVATE_MODE", "create_private", "write_private"]

PRIVATE_MODE = 0o600
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _create(path: Path, data: bytes) -> None:
    fd = os.open(path, _FLAGS, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # the umask may only narrow O_CREAT's mode; keep it exact
        with os.fdopen(fd, "wb") as out:
            fd = -1
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    finally:
        if fd != -1:
            os.close(fd)


def create_private(path: Path, content: str | bytes) -> None:
    """Create ``path`` (0600) with ``content``; refuse if anything (file, symlink) is there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _create(path, content.encode("utf-8") if isinstance(content, str) else content)


def write_private(path: Path, content: str | bytes) -> None:
    """Create or atomically replace ``path`` (0600) with ``content``, never following links."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    _create(temporary, content.encode("utf-8") if isinstance(content, str) else content)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
