"""A recipient's private keys from its key files, by key id (several during key rotation)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lovhub.crypto import KeyFormatError, RecipientPrivateKey, read_private_key_file

__all__ = ["load_private_keys"]


def load_private_keys(
    paths: Iterable[Path], passphrase: str | None = None
) -> dict[str, RecipientPrivateKey]:
    """Every key file's key, mapped by its key id. The passphrase (if any) is tried on the
    files that need one; an unprotected file is read without it.

    Raises :class:`KeyFormatError` for an unreadable file or two files with one key id.
    """
    keys: dict[str, RecipientPrivateKey] = {}
    for path in paths:
        try:
            key = read_private_key_file(path)
        except KeyFormatError as error:
            if error.reason != "PASSPHRASE_REQUIRED" or passphrase is None:
                raise
            key = read_private_key_file(path, passphrase)
        if key.key_id in keys:
            raise KeyFormatError("DUPLICATE_KEY_ID")
        keys[key.key_id] = key
    if not keys:
        raise KeyFormatError("NO_KEY_FILE")
    return keys
