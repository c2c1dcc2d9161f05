"""Field envelopes: each personal field encrypted for one recipient, bound to where it belongs.

Envelope bytes (all of it specified in docs/envelope.md)::

    0x01 | suite byte | data_key_id (16) | nonce (12) | AES-256-GCM ciphertext || tag (16)

Associated data (``lp`` = 4-byte big-endian length prefix)::

    0x01 | suite byte | data_key_id | lp(recipient_id) | lp(key_id)
         | lp(topic) | lp(event_id) | lp(field path)

so a ciphertext moved to another field, event, topic, recipient or data key fails to open.
Per field the hot path does one AES-GCM encryption; the HPKE operation happens once per data
key (see :mod:`lovhub.crypto.data_keys`).
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lovhub.crypto._wire import (
    ENVELOPE_HEADER_LEN,
    ENVELOPE_VERSION,
    NONCE_LEN,
    TAG_LEN,
    Value,
    decode_value,
    encode_value,
    envelope_header,
    field_aad_prefix,
    lp_str,
)
from lovhub.crypto.binding import binding_key
from lovhub.crypto.data_keys import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_RECORDS,
    Clock,
    DataKeyProvider,
    WrappedDataKey,
    unwrap_data_key,
)
from lovhub.crypto.errors import CryptoError, DecryptionError, MissingKeyError
from lovhub.crypto.keys import RecipientPrivateKey, RecipientPublicKey
from lovhub.identity.recipient_id import is_valid_recipient_id

__all__ = ["RecordDecryptor", "RecordEncryptor", "SealedRecord", "Value"]

_MIN_ENVELOPE_LEN = ENVELOPE_HEADER_LEN + 1 + TAG_LEN  # every value encodes to >= 1 byte
_NONCE_END = ENVELOPE_HEADER_LEN
_NONCE_START = ENVELOPE_HEADER_LEN - NONCE_LEN
_HEADER_END = _NONCE_START  # version | suite | data_key_id
_LP_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class SealedRecord:
    """A record's encrypted fields, in input order, and the data key they need.

    ``wrapped_key`` is ``None`` only in version-1 records with nothing encrypted (Avro
    ``data_key`` null); the encryptor always uses a key, which also keys the record binding.
    """

    wrapped_key: WrappedDataKey | None
    envelopes: list[bytes]
    binding_key: bytes | None = None


class RecordEncryptor:
    """Encrypts the personal fields of records for one recipient's public key."""

    def __init__(
        self,
        recipient_id: str,
        public_key: RecipientPublicKey,
        *,
        clock: Clock = time.time,
        max_records: int = DEFAULT_MAX_RECORDS,
        max_age: float = DEFAULT_MAX_AGE,
    ) -> None:
        self._provider = DataKeyProvider(
            recipient_id, public_key, clock=clock, max_records=max_records, max_age=max_age
        )
        self._lp_cache: dict[str, bytes] = {}

    @property
    def provider(self) -> DataKeyProvider:
        return self._provider

    def seal_record(
        self, topic: str, event_id: str, fields: Sequence[tuple[str, Value]]
    ) -> SealedRecord:
        """Encrypt ``(path, value)`` pairs of one record with one data key.

        Raises :class:`MissingKeyError` if the recipient's key is not valid now and
        :class:`CryptoError` for a value that cannot be encoded: reject the event then.
        """
        key = self._provider.for_record(len(fields))
        record_aad = key.aad_prefix + self._lp(topic) + lp_str(event_id)
        encrypt, header, lp_path = key.aead.encrypt, key.header, self._lp
        # One system call for all nonces of the record instead of one per field.
        nonces = os.urandom(NONCE_LEN * len(fields))
        envelopes: list[bytes] = []
        start = 0
        for path, value in fields:
            nonce = nonces[start : start + NONCE_LEN]
            start += NONCE_LEN
            sealed = encrypt(nonce, encode_value(value), record_aad + lp_path(path))
            envelopes.append(header + nonce + sealed)
        return SealedRecord(key.wrapped, envelopes, key.binding_key)

    def _lp(self, text: str) -> bytes:
        """``lp_str`` memoised: topics and field paths come from a small, fixed set."""
        encoded = self._lp_cache.get(text)
        if encoded is None:
            if len(self._lp_cache) >= _LP_CACHE_SIZE:  # bounded even if paths were unbounded
                self._lp_cache.clear()
            encoded = self._lp_cache[text] = lp_str(text)
        return encoded


@dataclass(frozen=True, slots=True)
class _OpenedKey:
    aead: AESGCM
    header: bytes
    aad_prefix: bytes
    binding_key: bytes


class RecordDecryptor:
    """Opens field envelopes for one recipient; unwrapped data keys are cached (LRU).

    The cache is keyed by the whole wrapped key (ids, suite and both byte strings), so a
    tampered wrapped key never hits an entry that a genuine one created.
    """

    def __init__(
        self,
        recipient_id: str,
        private_keys: Mapping[str, RecipientPrivateKey],
        *,
        cache_size: int = 1024,
    ) -> None:
        if not is_valid_recipient_id(recipient_id):
            raise CryptoError("invalid recipient id")
        if any(key_id != key.key_id for key_id, key in private_keys.items()):
            raise CryptoError("private keys must be mapped by their own key id")
        if cache_size < 1:
            raise ValueError("cache_size must be positive")
        self.recipient_id = recipient_id
        self._keys = dict(private_keys)
        self._cache: OrderedDict[WrappedDataKey, _OpenedKey] = OrderedDict()
        self._cache_size = cache_size
        self.keys_unwrapped = 0  # for tests and metrics: how often a public-key operation ran

    def open_field(
        self,
        wrapped_key: WrappedDataKey,
        envelope: bytes,
        *,
        topic: str,
        event_id: str,
        path: str,
    ) -> Value:
        """Decrypt one field. Any mismatch or tampering raises :class:`DecryptionError`;
        a key id this decryptor does not hold raises :class:`MissingKeyError`."""
        opened = self._opened_key(wrapped_key)
        record_aad = opened.aad_prefix + lp_str(topic) + lp_str(event_id)
        return _open(opened, envelope, record_aad + lp_str(path))

    def open_record(
        self, sealed: SealedRecord, *, topic: str, event_id: str, paths: Sequence[str]
    ) -> list[Value]:
        """Decrypt every envelope of a record; ``paths`` names them in the same order.

        Same checks as :meth:`open_field`, with the per-record work done once.
        """
        if len(paths) != len(sealed.envelopes):
            raise DecryptionError("paths and envelopes differ in number")
        wrapped = sealed.wrapped_key
        if wrapped is None:
            if sealed.envelopes:
                raise DecryptionError("envelopes without a data key")
            return []
        opened = self._opened_key(wrapped)
        record_aad = opened.aad_prefix + lp_str(topic) + lp_str(event_id)
        return [
            _open(opened, envelope, record_aad + lp_str(path))
            for path, envelope in zip(paths, sealed.envelopes, strict=True)
        ]

    def binding_key(self, wrapped: WrappedDataKey) -> bytes:
        """The record-binding key of a wrapped data key (unwrapped once, cached)."""
        return self._opened_key(wrapped).binding_key

    def _opened_key(self, wrapped: WrappedDataKey) -> _OpenedKey:
        cached = self._cache.get(wrapped)
        if cached is not None:
            self._cache.move_to_end(wrapped)
            return cached
        private_key = self._keys.get(wrapped.key_id)
        if private_key is None:
            raise MissingKeyError(wrapped.key_id, "key id not held by this recipient")
        data_key = unwrap_data_key(wrapped, self.recipient_id, private_key)
        self.keys_unwrapped += 1
        data_key_id = bytes.fromhex(wrapped.data_key_id)  # checked by unwrap_data_key
        number = private_key.suite.number
        opened = _OpenedKey(
            aead=AESGCM(data_key),
            header=envelope_header(number, data_key_id),
            aad_prefix=field_aad_prefix(number, data_key_id, self.recipient_id, wrapped.key_id),
            binding_key=binding_key(data_key),
        )
        self._cache[wrapped] = opened
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return opened


def _open(opened: _OpenedKey, envelope: bytes, aad: bytes) -> Value:
    if len(envelope) < _MIN_ENVELOPE_LEN:
        raise DecryptionError("envelope too short")
    if envelope[0] != ENVELOPE_VERSION:
        raise DecryptionError("unsupported envelope version")
    if envelope[:_HEADER_END] != opened.header:
        raise DecryptionError("envelope does not belong to this data key")
    try:
        plaintext = opened.aead.decrypt(
            envelope[_NONCE_START:_NONCE_END], envelope[_NONCE_END:], aad
        )
    except InvalidTag:
        raise DecryptionError("field does not authenticate here") from None
    return decode_value(plaintext)
