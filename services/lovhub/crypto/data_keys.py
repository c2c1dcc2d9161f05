"""Data keys: a random AES-256 key per recipient, wrapped once with HPKE, reused for a while.

A public-key operation costs ~0.1 ms (HPKE X25519 seal ~11k/s on one core), which would cap
the pipeline near 10k events/s if done per record. So each recipient's data key (DEK) is
wrapped once and reused for at most ``max_records`` records and ``max_age`` seconds, then
replaced; every record still carries the wrapped key, so each decrypts on its own.

Wrapping uses HPKE base-mode single-shot seal. cryptography's single-shot API authenticates
only ``info`` (RFC 9180 §8.1 recommends it for this), so ``info`` binds the suite, recipient,
key id and data key id. cryptography returns ``enc || ct``; we split at the KEM's Nenc into
the Avro fields ``encapsulated_key`` and ``wrapped_key`` (see ``Suite.seal``).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lovhub.crypto._wire import (
    DATA_KEY_ID_LEN,
    DATA_KEY_LEN,
    data_key_info,
    envelope_header,
    field_aad_prefix,
)
from lovhub.crypto.binding import binding_key
from lovhub.crypto.errors import CryptoError, DecryptionError, MissingKeyError
from lovhub.crypto.keys import RecipientPrivateKey, RecipientPublicKey
from lovhub.identity.recipient_id import is_valid_recipient_id

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_MAX_RECORDS",
    "MAX_FIELDS_PER_DATA_KEY",
    "Clock",
    "DataKey",
    "DataKeyProvider",
    "FakeClock",
    "WrappedDataKey",
    "unwrap_data_key",
    "wrap_data_key",
]

#: Returns the current time in Unix seconds. Injected so tests control time without sleeping.
Clock = Callable[[], float]

DEFAULT_MAX_RECORDS: Final = 100_000
DEFAULT_MAX_AGE: Final = 3600.0
#: AES-GCM with random 96-bit nonces must stay well below 2**32 encryptions per key
#: (NIST SP 800-38D §8.3); records with many fields could otherwise approach it.
MAX_FIELDS_PER_DATA_KEY: Final = 2**30
_DATA_KEY_ID_HEX: Final = re.compile(r"[0-9a-f]{32}")


class FakeClock:
    """A clock for tests: stands still until :meth:`advance` is called."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class WrappedDataKey:
    """A data key sealed to one recipient key; the Avro record ``WrappedDataKey``."""

    data_key_id: str  # 32 lower-case hex digits (the envelope holds the 16 raw bytes)
    key_id: str
    suite_id: str
    encapsulated_key: bytes
    wrapped_key: bytes

    def to_avro(self) -> dict[str, str | bytes]:
        return {
            "data_key_id": self.data_key_id,
            "key_id": self.key_id,
            "suite_id": self.suite_id,
            "encapsulated_key": self.encapsulated_key,
            "wrapped_key": self.wrapped_key,
        }

    @classmethod
    def from_avro(cls, record: Mapping[str, object]) -> WrappedDataKey:
        values = [record.get(name) for name in ("data_key_id", "key_id", "suite_id")]
        blobs = [record.get(name) for name in ("encapsulated_key", "wrapped_key")]
        if not all(isinstance(v, str) for v in values) or not all(
            isinstance(b, bytes) for b in blobs
        ):
            raise DecryptionError("malformed wrapped key")
        return cls(*values, *blobs)  # type: ignore[arg-type]  # types checked just above


def wrap_data_key(
    data_key: bytes, data_key_id: bytes, recipient_id: str, public_key: RecipientPublicKey
) -> WrappedDataKey:
    suite = public_key.suite
    info = data_key_info(suite.suite_id, recipient_id, public_key.key_id, data_key_id)
    enc, sealed = suite.seal(data_key, public_key.hpke_key(), info)
    return WrappedDataKey(data_key_id.hex(), public_key.key_id, suite.suite_id, enc, sealed)


def unwrap_data_key(
    wrapped: WrappedDataKey, recipient_id: str, private_key: RecipientPrivateKey
) -> bytes:
    """The 32-byte data key; :class:`DecryptionError` if anything does not match or open."""
    suite = private_key.suite
    if wrapped.suite_id != suite.suite_id:
        raise DecryptionError("wrapped key suite does not match the private key")
    if wrapped.key_id != private_key.key_id:
        raise DecryptionError("wrapped key is for another key id")
    if not _DATA_KEY_ID_HEX.fullmatch(wrapped.data_key_id):
        raise DecryptionError("malformed data key id")
    data_key_id = bytes.fromhex(wrapped.data_key_id)
    info = data_key_info(suite.suite_id, recipient_id, private_key.key_id, data_key_id)
    try:
        data_key = suite.open(
            wrapped.encapsulated_key, wrapped.wrapped_key, private_key.hpke_key(), info
        )
    except ValueError:
        raise DecryptionError("wrapped key does not open") from None
    if len(data_key) != DATA_KEY_LEN:
        raise DecryptionError("wrapped key has the wrong length")
    return data_key


@dataclass(slots=True)
class DataKey:
    """One data key in use by an encryptor, with what the hot path needs precomputed."""

    data_key_id: bytes
    wrapped: WrappedDataKey
    aead: AESGCM  # built once per key: constructing AESGCM per field costs as much as sealing
    header: bytes  # version | suite | data key id: the first 18 bytes of every envelope
    aad_prefix: bytes
    binding_key: bytes  # keys the record binding (lovhub.crypto.binding)
    created_at: float
    records: int = 0
    fields: int = 0


class DataKeyProvider:
    """Hands out the current data key for one (recipient, public key), replacing it in time."""

    def __init__(
        self,
        recipient_id: str,
        public_key: RecipientPublicKey,
        *,
        clock: Clock = time.time,
        max_records: int = DEFAULT_MAX_RECORDS,
        max_age: float = DEFAULT_MAX_AGE,
    ) -> None:
        if not is_valid_recipient_id(recipient_id):
            raise CryptoError("invalid recipient id")
        if max_records < 1 or not max_age > 0:
            raise ValueError("max_records and max_age must be positive")
        self.recipient_id = recipient_id
        self.public_key = public_key
        self._clock = clock
        self._max_records = max_records
        self._max_age = max_age
        self._current: DataKey | None = None
        # Validity as Unix seconds, computed once rather than per record.
        self._valid_from = public_key.valid_from.timestamp()
        end = public_key.valid_to
        self._valid_to = float("inf") if end is None else end.timestamp()
        self.keys_created = 0  # for tests and metrics: how often a public-key operation ran

    @property
    def current(self) -> DataKey | None:
        return self._current

    def rotate(self) -> None:
        """Stop using the current key; the next record gets a new one."""
        self._current = None

    def for_record(self, field_count: int) -> DataKey:
        """The key to encrypt one record of ``field_count`` fields with; counts the use.

        Raises :class:`MissingKeyError` when the public key is not valid now: the caller must
        reject the event (fail closed), never publish it in clear.
        """
        now = self._clock()
        if not self._valid_from <= now < self._valid_to:
            raise MissingKeyError(self.public_key.key_id, "key is not valid now")
        key = self._current
        if (
            key is None
            or key.records >= self._max_records
            or not 0 <= now - key.created_at < self._max_age  # also: the clock went back
            or key.fields + field_count > MAX_FIELDS_PER_DATA_KEY
        ):
            key = self._current = self._new_key(now)
        key.records += 1
        key.fields += field_count
        return key

    def _new_key(self, now: float) -> DataKey:
        data_key = AESGCM.generate_key(bit_length=256)
        data_key_id = os.urandom(DATA_KEY_ID_LEN)
        wrapped = wrap_data_key(data_key, data_key_id, self.recipient_id, self.public_key)
        number = self.public_key.suite.number
        self.keys_created += 1
        return DataKey(
            data_key_id=data_key_id,
            wrapped=wrapped,
            aead=AESGCM(data_key),
            header=envelope_header(number, data_key_id),
            aad_prefix=field_aad_prefix(
                number, data_key_id, self.recipient_id, self.public_key.key_id
            ),
            binding_key=binding_key(data_key),
            created_at=now,
        )
