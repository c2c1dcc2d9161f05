"""Pseudonyms: each recipient's own stable name for a jobseeker, and the audit stream's.

A recipient key is derived from the hub secret with HKDF-SHA256 (info names the recipient);
a pseudonym is HMAC-SHA256 under that key of the source path and value, truncated to 128
bits and written as ``ps_`` + 32 lower-case hex digits. So a recipient always sees the same
pseudonym for the same jobseeker, two recipients see unrelated ones (they cannot join their
data on it), and without the hub secret a pseudonym reveals nothing. The audit pseudonym
(``au_``) and the recipients' event references (:meth:`Pseudonymiser.event_reference`)
use their own derived keys.

Performance: this runs per event per recipient. Derived keys are cached as the two SHA-256
states HMAC starts from (RFC 2104: key xor ipad, key xor opad), so a pseudonym costs two
hash-state copies and two short hashes. Inputs are never logged or kept.
"""

from __future__ import annotations

import hashlib
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lovhub.errors import LovhubError
from lovhub.identity import is_valid_recipient_id

__all__ = ["MIN_SECRET_BYTES", "PseudonymError", "Pseudonymiser"]

MIN_SECRET_BYTES: Final = 32
_SALT: Final = b"lovhub/pseudonyms/v1"
_KEY_BYTES: Final = 32
_BLOCK: Final = 64  # SHA-256 block size
_HEX_DIGITS: Final = 32  # 128 bits
_JOBSEEKER: Final = b"jobseeker_id\x00"
_MAX_CACHED_KEYS: Final = 10_000


class PseudonymError(LovhubError):
    """The pseudonymiser cannot be set up or used (never names the input value)."""

    code = "PSEUDONYM_ERROR"


class _Mac:
    """HMAC-SHA256 with a fixed key, precomputed (equal to ``hmac.digest(key, m, sha256)``)."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        padded = key.ljust(_BLOCK, b"\x00")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def hex(self, message: bytes) -> str:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:_HEX_DIGITS]


def _derive(secret: bytes, info: bytes) -> _Mac:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=_SALT, info=info)
    return _Mac(hkdf.derive(secret))


class Pseudonymiser:
    """Keyed, per-recipient pseudonyms. Safe to share between threads."""

    __slots__ = ("__audit", "__events", "__macs", "__secret")

    def __init__(self, hub_secret: object) -> None:  # checked here, compiled or not
        if not isinstance(hub_secret, bytes) or len(hub_secret) < MIN_SECRET_BYTES:
            raise PseudonymError(f"the hub secret must be at least {MIN_SECRET_BYTES} bytes")
        self.__secret = hub_secret
        self.__macs: dict[str, _Mac] = {}
        self.__audit = _derive(hub_secret, b"audit")
        self.__events = _derive(hub_secret, b"event-reference")

    def __repr__(self) -> str:
        return "Pseudonymiser(<secret>)"

    def _mac(self, recipient_id: str) -> _Mac:
        mac = self.__macs.get(recipient_id)
        if mac is None:
            if not is_valid_recipient_id(recipient_id):
                raise PseudonymError("not a recipient id")
            mac = _derive(self.__secret, b"recipient:" + recipient_id.encode("ascii"))
            if len(self.__macs) >= _MAX_CACHED_KEYS:
                self.__macs.clear()
            self.__macs[recipient_id] = mac
        return mac

    def for_recipient(self, recipient_id: str, jobseeker_id: str) -> str:
        """The recipient's stable pseudonym for a jobseeker (``ps_`` + 32 hex digits)."""
        return "ps_" + self._mac(recipient_id).hex(_JOBSEEKER + jobseeker_id.encode("utf-8"))

    def for_field(self, recipient_id: str, path: str, value: str) -> str:
        """The recipient's pseudonym for ``value`` of the field at ``path`` (the path keeps
        fields apart; ``for_field(r, "jobseeker_id", j) == for_recipient(r, j)``). For
        :func:`lovhub.minimise.minimise`: ``functools.partial(p.for_field, recipient_id)``."""
        message = path.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return "ps_" + self._mac(recipient_id).hex(message)

    def event_reference(self, recipient_id: str, event_id: str) -> str:
        """The recipient's own reference for an agency event, UUID-formatted (RFC 9562
        version 8): HMAC-SHA256 under the hub secret's ``event-reference`` key of
        ``recipient id, 0x00, event id``, first 128 bits, version and variant bits set. Two
        recipients of one event get unrelated references; only the hub can map one back
        (recompute it from the audit decision's real event id)."""
        self._mac(recipient_id)  # checks the id, once per recipient (then cached)
        raw = bytearray.fromhex(
            self.__events.hex(recipient_id.encode("ascii") + b"\x00" + event_id.encode("utf-8"))
        )
        raw[6] = (raw[6] & 0x0F) | 0x80
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def for_audit(self, jobseeker_id: str) -> str:
        """The audit stream's pseudonym for a jobseeker (``au_``), unrelated to any
        recipient's."""
        return "au_" + self.__audit.hex(_JOBSEEKER + jobseeker_id.encode("utf-8"))
