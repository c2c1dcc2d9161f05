"""Private key files: JSON, written 0600, optionally protected by a passphrase.

cryptography's ``BestAvailableEncryption`` cannot serialise the hybrid key type (it has no
``private_bytes``), so protection is our own small file format built from vetted parts:
scrypt (RFC 7914) derives a 256-bit key from the passphrase and a random 16-byte salt, and
AES-256-GCM encrypts the private key bytes with the file's header (format, suite, key id,
validity, scrypt parameters) as associated data, so no header field can be swapped.
A wrong passphrase and a tampered file are the same error: the tag does not verify.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from lovhub.crypto._wire import lp_str
from lovhub.crypto.errors import KeyFormatError
from lovhub.crypto.keys import (
    RecipientPrivateKey,
    b64url_decode,
    b64url_encode,
    format_time,
    parse_time,
)
from lovhub.crypto.suites import suite_by_id
from lovhub.private_files import write_private

__all__ = [
    "PRIVATE_KEY_FILE_FORMAT",
    "private_key_from_text",
    "private_key_to_text",
    "read_private_key_file",
    "write_private_key_file",
]

PRIVATE_KEY_FILE_FORMAT: Final = "lovhub-sk-v1"
_PROTECTION: Final = "scrypt-aes256gcm"
#: scrypt cost: 2**15 x 8 x 128 bytes = 32 MiB and ~0.1 s per load, the usual interactive cost.
DEFAULT_SCRYPT_LOG2_N: Final = 15
_SCRYPT_R: Final = 8
_SCRYPT_P: Final = 1
_MIN_LOG2_N: Final = 14  # below this a stolen file is too cheap to brute-force
_MAX_LOG2_N: Final = 20  # above this a crafted file could exhaust memory when loaded


def private_key_to_text(
    key: RecipientPrivateKey,
    passphrase: str | bytes | None = None,
    *,
    scrypt_log2_n: int = DEFAULT_SCRYPT_LOG2_N,
) -> str:
    """The key file's content; with a passphrase, the private bytes are encrypted."""
    doc: dict[str, Any] = {
        "format": PRIVATE_KEY_FILE_FORMAT,
        "suite_id": key.suite.suite_id,
        "key_id": key.key_id,
        "valid_from": format_time(key.valid_from),
        "valid_to": None if key.valid_to is None else format_time(key.valid_to),
    }
    if passphrase is None:
        doc["protection"] = "none"
        doc["private_key"] = b64url_encode(key.private_bytes)
    else:
        if not _MIN_LOG2_N <= scrypt_log2_n <= _MAX_LOG2_N:
            raise ValueError("scrypt cost out of range")
        salt, nonce = os.urandom(16), os.urandom(12)
        doc["protection"] = _PROTECTION
        doc["kdf"] = {"salt": b64url_encode(salt), "log2_n": scrypt_log2_n}
        doc["nonce"] = b64url_encode(nonce)
        kek = _derive(passphrase, salt, scrypt_log2_n)
        sealed = AESGCM(kek).encrypt(nonce, key.private_bytes, _header_aad(doc))
        doc["ciphertext"] = b64url_encode(sealed)
    return json.dumps(doc, indent=2) + "\n"


def private_key_from_text(text: str, passphrase: str | bytes | None = None) -> RecipientPrivateKey:
    """Inverse of :func:`private_key_to_text`; every failure is a :class:`KeyFormatError`."""
    try:
        doc = json.loads(text)
    except (ValueError, TypeError):
        raise KeyFormatError("NOT_A_KEY_FILE") from None
    if not isinstance(doc, dict) or doc.get("format") != PRIVATE_KEY_FILE_FORMAT:
        raise KeyFormatError("NOT_A_KEY_FILE")
    suite = suite_by_id(_text(doc, "suite_id"))
    if suite is None:
        raise KeyFormatError("UNKNOWN_SUITE")
    valid_to = doc.get("valid_to")
    if valid_to is not None and not isinstance(valid_to, str):
        raise KeyFormatError("BAD_TIME")
    protection = doc.get("protection")
    if protection == "none":
        if passphrase is not None:  # the operator believes the file is protected: it is not
            raise KeyFormatError("NOT_PASSPHRASE_PROTECTED")
        secret = b64url_decode(_text(doc, "private_key"))
    elif protection == _PROTECTION:
        if passphrase is None:
            raise KeyFormatError("PASSPHRASE_REQUIRED")
        secret = _decrypt(doc, passphrase)
    else:
        raise KeyFormatError("UNKNOWN_PROTECTION")
    return RecipientPrivateKey(
        key_id=_text(doc, "key_id"),
        suite=suite,
        private_bytes=secret,
        valid_from=parse_time(_text(doc, "valid_from")),
        valid_to=None if valid_to is None else parse_time(valid_to),
    )


def write_private_key_file(
    path: Path,
    key: RecipientPrivateKey,
    passphrase: str | bytes | None = None,
    *,
    scrypt_log2_n: int = DEFAULT_SCRYPT_LOG2_N,
) -> None:
    """Write the key file with owner-only permissions (0600) from its first byte."""
    write_private(path, private_key_to_text(key, passphrase, scrypt_log2_n=scrypt_log2_n))


def read_private_key_file(path: Path, passphrase: str | bytes | None = None) -> RecipientPrivateKey:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise KeyFormatError("UNREADABLE_KEY_FILE") from None
    return private_key_from_text(text, passphrase)


def _decrypt(doc: dict[str, Any], passphrase: str | bytes) -> bytes:
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict):
        raise KeyFormatError("BAD_KDF_PARAMETERS")
    log2_n = kdf.get("log2_n")
    if type(log2_n) is not int or not _MIN_LOG2_N <= log2_n <= _MAX_LOG2_N:
        raise KeyFormatError("BAD_KDF_PARAMETERS")
    salt = b64url_decode(_text(kdf, "salt"))
    nonce = b64url_decode(_text(doc, "nonce"))
    if len(salt) != 16 or len(nonce) != 12:
        raise KeyFormatError("BAD_KDF_PARAMETERS")
    kek = _derive(passphrase, salt, log2_n)
    try:
        return AESGCM(kek).decrypt(nonce, b64url_decode(_text(doc, "ciphertext")), _header_aad(doc))
    except InvalidTag:
        raise KeyFormatError("WRONG_PASSPHRASE_OR_TAMPERED") from None


def _derive(passphrase: str | bytes, salt: bytes, log2_n: int) -> bytes:
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
    if not secret:
        raise KeyFormatError("EMPTY_PASSPHRASE")
    return Scrypt(salt=salt, length=32, n=2**log2_n, r=_SCRYPT_R, p=_SCRYPT_P).derive(secret)


def _header_aad(doc: dict[str, Any]) -> bytes:
    """Everything in the file but the ciphertext, length-prefixed in a fixed order."""
    kdf = doc["kdf"]
    return b"".join(
        lp_str(str(part))
        for part in (
            doc["format"],
            doc["suite_id"],
            doc["key_id"],
            doc["valid_from"],
            doc["valid_to"] or "-",
            doc["protection"],
            kdf["salt"],
            kdf["log2_n"],
            doc["nonce"],
        )
    )


def _text(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str):
        raise KeyFormatError("MISSING_FIELD")
    return value
