"""Errors of the crypto package.

    LovhubError
    └── CryptoError
        ├── DecryptionError     a ciphertext does not open here (tampered, moved, wrong key)
        ├── KeyFormatError      a key's text form or key file cannot be read (reason code)
        └── MissingKeyError     no usable key: unknown key id, or none valid at this time

Messages are built from fixed texts, reason codes and key ids only. Key ids are public
fingerprints; plaintext, key material and the text a parser rejected never appear, because
a pasted private key or a decrypted value must not end up in operators' logs.
"""

from __future__ import annotations

import re

from lovhub.errors import LovhubError

__all__ = ["CryptoError", "DecryptionError", "KeyFormatError", "MissingKeyError"]


_SHOWABLE_KEY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class CryptoError(LovhubError):
    """Base of every crypto error."""

    code = "CRYPTO_ERROR"


class DecryptionError(CryptoError):
    """A wrapped key or field envelope failed to open. ``reason`` says which check failed."""

    code = "DECRYPTION_FAILED"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"decryption failed: {reason}")

    def __reduce__(self) -> tuple[type[DecryptionError], tuple[str]]:
        return (type(self), (self.reason,))


class KeyFormatError(CryptoError):
    """A key (text form or file) is malformed, or its passphrase is missing or wrong."""

    code = "KEY_FORMAT_INVALID"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid key: {reason}")

    def __reduce__(self) -> tuple[type[KeyFormatError], tuple[str]]:
        return (type(self), (self.reason,))


class MissingKeyError(CryptoError):
    """No usable key: the key id is unknown here, or the key is not valid at this time."""

    code = "KEY_MISSING"

    def __init__(self, key_id: str, reason: str) -> None:
        self.key_id = key_id
        self.reason = reason
        # The key id may come from a record someone tampered with: echo only well-formed ids.
        shown = key_id if _SHOWABLE_KEY_ID.fullmatch(key_id) else "<malformed>"
        if not key_id:
            shown = "<none>"
        super().__init__(f"no usable key {shown}: {reason}")

    def __reduce__(self) -> tuple[type[MissingKeyError], tuple[str, str]]:
        return (type(self), (self.key_id, self.reason))
