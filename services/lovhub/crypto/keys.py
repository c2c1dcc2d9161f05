"""Recipient key pairs, key ids, and the text form of public keys.

A public key's text form is one line a CLI can print and a registry file can hold::

    lovhub-pk-v1:<suite_id>:<key_id>:<valid_from>:<valid_to>:<base64url public key>

Times are UTC ``YYYYMMDDTHHMMSSZ`` (no colons, so the line splits unambiguously); ``valid_to``
is ``-`` when the key has no end date. Base64url is without padding and must be canonical.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from lovhub.crypto.errors import KeyFormatError, MissingKeyError
from lovhub.crypto.suites import HpkePrivateKey, HpkePublicKey, Suite, suite_by_id

__all__ = [
    "KEY_ID_PATTERN",
    "PUBLIC_KEY_TEXT_PREFIX",
    "RecipientPrivateKey",
    "RecipientPublicKey",
    "b64url_decode",
    "b64url_encode",
    "derive_key_id",
    "format_time",
    "generate_key_pair",
    "parse_public_key",
    "parse_time",
    "select_current_key",
]

#: Key ids appear in key texts, Avro records and AAD: short, lower-case, no separators.
KEY_ID_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
PUBLIC_KEY_TEXT_PREFIX: Final = "lovhub-pk-v1"
_TIME_FORMAT: Final = "%Y%m%dT%H%M%SZ"
_TIME_PATTERN: Final = re.compile(r"\d{8}T\d{6}Z")
_B64URL_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]*")


def derive_key_id(public_bytes: bytes) -> str:
    """The default key id: the first 16 hex digits of SHA-256 over the public key bytes."""
    return hashlib.sha256(public_bytes).hexdigest()[:16]


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url: one spelling per byte string, anything else is rejected."""
    if not _B64URL_PATTERN.fullmatch(text) or len(text) % 4 == 1:
        raise KeyFormatError("BAD_BASE64")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise KeyFormatError("BAD_BASE64") from None
    if b64url_encode(data) != text:  # non-zero trailing bits: not canonical
        raise KeyFormatError("BAD_BASE64")
    return data


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    if not _TIME_PATTERN.fullmatch(text):
        raise KeyFormatError("BAD_TIME")
    try:
        return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise KeyFormatError("BAD_TIME") from None


def _normalise_validity(
    key_id: str, valid_from: datetime, valid_to: datetime | None
) -> tuple[datetime, datetime | None]:
    """Check the key id and validity; return the times in UTC at whole seconds.

    Whole seconds because that is what the text form holds: a key must read back equal.
    """
    if not isinstance(key_id, str) or not KEY_ID_PATTERN.fullmatch(key_id):
        raise KeyFormatError("BAD_KEY_ID")
    for moment in (valid_from, valid_to):
        if moment is not None and (not isinstance(moment, datetime) or moment.tzinfo is None):
            raise KeyFormatError("NAIVE_OR_BAD_TIME")
    start = valid_from.astimezone(UTC).replace(microsecond=0)
    end = None if valid_to is None else valid_to.astimezone(UTC).replace(microsecond=0)
    if end is not None and end <= start:
        raise KeyFormatError("EMPTY_VALIDITY")
    return start, end


@dataclass(frozen=True)
class RecipientPublicKey:
    """A recipient's public key with its id, suite and validity period [valid_from, valid_to)."""

    key_id: str
    suite: Suite
    public_bytes: bytes = field(repr=False)
    valid_from: datetime
    valid_to: datetime | None = None
    _hpke_key: HpkePublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        start, end = _normalise_validity(self.key_id, self.valid_from, self.valid_to)
        try:
            parsed = self.suite.load_public(bytes(self.public_bytes))
        except (ValueError, TypeError):
            raise KeyFormatError("BAD_PUBLIC_KEY") from None
        # Frozen dataclass: normalised values and the parsed key are set once, here.
        object.__setattr__(self, "public_bytes", bytes(self.public_bytes))
        object.__setattr__(self, "valid_from", start)
        object.__setattr__(self, "valid_to", end)
        object.__setattr__(self, "_hpke_key", parsed)

    def hpke_key(self) -> HpkePublicKey:
        return self._hpke_key

    def is_valid_at(self, now: float) -> bool:
        """Whether the key may be used for encryption at ``now`` (Unix seconds)."""
        if now < self.valid_from.timestamp():
            return False
        return self.valid_to is None or now < self.valid_to.timestamp()

    def to_text(self) -> str:
        valid_to = "-" if self.valid_to is None else format_time(self.valid_to)
        return ":".join(
            (
                PUBLIC_KEY_TEXT_PREFIX,
                self.suite.suite_id,
                self.key_id,
                format_time(self.valid_from),
                valid_to,
                b64url_encode(self.public_bytes),
            )
        )


def parse_public_key(text: str) -> RecipientPublicKey:
    """Inverse of :meth:`RecipientPublicKey.to_text`; raises :class:`KeyFormatError`."""
    if not isinstance(text, str):
        raise KeyFormatError("NOT_TEXT")
    parts = text.strip().split(":")
    if len(parts) != 6 or parts[0] != PUBLIC_KEY_TEXT_PREFIX:
        raise KeyFormatError("NOT_A_PUBLIC_KEY_TEXT")
    _, suite_id, key_id, valid_from, valid_to, encoded = parts
    suite = suite_by_id(suite_id)
    if suite is None:
        raise KeyFormatError("UNKNOWN_SUITE")
    return RecipientPublicKey(
        key_id=key_id,
        suite=suite,
        public_bytes=b64url_decode(encoded),
        valid_from=parse_time(valid_from),
        valid_to=None if valid_to == "-" else parse_time(valid_to),
    )


@dataclass(frozen=True)
class RecipientPrivateKey:
    """A recipient's private key. Its ``repr`` never shows the key bytes."""

    key_id: str
    suite: Suite
    private_bytes: bytes = field(repr=False)
    valid_from: datetime
    valid_to: datetime | None = None
    _hpke_key: HpkePrivateKey = field(init=False, repr=False, compare=False)
    _public_bytes: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        start, end = _normalise_validity(self.key_id, self.valid_from, self.valid_to)
        secret = bytes(self.private_bytes)
        try:
            parsed = self.suite.load_private(secret)
            public_bytes = self.suite.public_bytes_for(secret)
        except (ValueError, TypeError):
            raise KeyFormatError("BAD_PRIVATE_KEY") from None
        object.__setattr__(self, "private_bytes", secret)
        object.__setattr__(self, "valid_from", start)
        object.__setattr__(self, "valid_to", end)
        object.__setattr__(self, "_hpke_key", parsed)
        object.__setattr__(self, "_public_bytes", public_bytes)

    def hpke_key(self) -> HpkePrivateKey:
        return self._hpke_key

    def public_key(self) -> RecipientPublicKey:
        return RecipientPublicKey(
            self.key_id, self.suite, self._public_bytes, self.valid_from, self.valid_to
        )


def generate_key_pair(
    suite: Suite,
    *,
    valid_from: datetime,
    valid_to: datetime | None = None,
    key_id: str | None = None,
) -> RecipientPrivateKey:
    """A new key pair; its id is derived from the public key unless ``key_id`` is given."""
    secret = suite.generate_private_bytes()
    if key_id is None:
        key_id = derive_key_id(suite.public_bytes_for(secret))
    return RecipientPrivateKey(key_id, suite, secret, valid_from, valid_to)


def select_current_key(keys: Iterable[RecipientPublicKey], now: float) -> RecipientPublicKey:
    """The key to encrypt with at ``now``: the valid one that started last (ties: key id).

    Raises :class:`MissingKeyError` when none is valid: the caller must reject the event
    rather than publish it in clear.
    """
    valid = [key for key in keys if key.is_valid_at(now)]
    if not valid:
        raise MissingKeyError("", "no key of this recipient is valid now")
    return max(valid, key=lambda key: (key.valid_from, key.key_id))
