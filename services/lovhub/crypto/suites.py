"""The HPKE (RFC 9180) suites lovhub wraps keys with, and their key encodings.

Two suites, both HKDF-SHA256 + AES-256-GCM:

- ``x25519-hkdf256-aes256gcm`` (byte 0x01): DHKEM(X25519, HKDF-SHA256), KEM id 0x0020.
- ``mlkem768x25519-hkdf256-aes256gcm`` (byte 0x02): the hybrid MLKEM768-X25519 KEM of
  draft-ietf-hpke-pq (KEM id 0x647A), post-quantum and classical at once.

Ids are never reused: a new suite gets a new string id and a new byte. Keys are the raw
RFC 9180 / draft-ietf-hpke-pq serialisations, so a provider can load them in any HPKE library:
X25519 keys are 32 bytes each; a hybrid private key is the standard's 32-byte seed and its
public key is the ML-KEM-768 encapsulation key (1184 bytes) followed by the X25519 public key.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

__all__ = [
    "MLKEM768_X25519",
    "SUITES",
    "X25519",
    "HpkePrivateKey",
    "HpkePublicKey",
    "Suite",
    "suite_by_id",
    "suite_by_name",
    "suite_by_number",
]

HpkePublicKey = x25519.X25519PublicKey | hpke.MLKEM768X25519PublicKey
HpkePrivateKey = x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey

_MLKEM768_PUBLIC_LEN: Final = 1184
_MLKEM_SEED_LEN: Final = 64  # FIPS 203 seed d || z
_X25519_LEN: Final = 32
_X25519_KEM_ID: Final = 0x0020


@dataclass(frozen=True)
class Suite:
    """One HPKE suite. Compared and hashed by its ids only."""

    suite_id: str  # in Avro records and key texts
    number: int  # the suite byte of binary envelopes
    name: str  # short name for people and CLIs
    kem_id: int  # the IANA / draft HPKE identifiers, for implementers in other languages
    kdf_id: int
    aead_id: int
    public_key_len: int
    private_key_len: int
    _hpke: hpke.Suite = field(compare=False, repr=False)
    _kem: hpke.KEM = field(compare=False, repr=False)

    @property
    def enc_len(self) -> int:
        """Nenc: length of the HPKE encapsulated key."""
        return self._kem.enc_length()

    def generate_private_bytes(self) -> bytes:
        """Fresh private key bytes from the OS random source."""
        if self.kem_id == _X25519_KEM_ID:
            return x25519.X25519PrivateKey.generate().private_bytes_raw()
        return os.urandom(self.private_key_len)

    def load_private(self, private_bytes: bytes) -> HpkePrivateKey:
        if len(private_bytes) != self.private_key_len:
            raise ValueError("private key has the wrong length for its suite")
        if self.kem_id == _X25519_KEM_ID:
            return x25519.X25519PrivateKey.from_private_bytes(private_bytes)
        mlkem_seed, x25519_scalar = _expand_hybrid_seed(private_bytes)
        return hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_seed),
            x25519.X25519PrivateKey.from_private_bytes(x25519_scalar),
        )

    def public_bytes_for(self, private_bytes: bytes) -> bytes:
        """The public key bytes that belong to ``private_bytes``."""
        if len(private_bytes) != self.private_key_len:
            raise ValueError("private key has the wrong length for its suite")
        if self.kem_id == _X25519_KEM_ID:
            key = x25519.X25519PrivateKey.from_private_bytes(private_bytes)
            return key.public_key().public_bytes_raw()
        # cryptography's hybrid key type cannot export its bytes, so we export its parts.
        mlkem_seed, x25519_scalar = _expand_hybrid_seed(private_bytes)
        mlkem_public = mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_seed).public_key()
        x25519_public = x25519.X25519PrivateKey.from_private_bytes(x25519_scalar).public_key()
        return mlkem_public.public_bytes_raw() + x25519_public.public_bytes_raw()

    def load_public(self, public_bytes: bytes) -> HpkePublicKey:
        """Parse raw public key bytes; ``ValueError`` if they are not a key of this suite."""
        if len(public_bytes) != self.public_key_len:
            raise ValueError("public key has the wrong length for its suite")
        if self.kem_id == _X25519_KEM_ID:
            return x25519.X25519PublicKey.from_public_bytes(public_bytes)
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(public_bytes[:_MLKEM768_PUBLIC_LEN]),
            x25519.X25519PublicKey.from_public_bytes(public_bytes[_MLKEM768_PUBLIC_LEN:]),
        )

    def seal(self, plaintext: bytes, public_key: HpkePublicKey, info: bytes) -> tuple[bytes, bytes]:
        """HPKE single-shot seal (base mode). Returns ``(enc, ciphertext)``.

        cryptography returns ``enc || ciphertext``; we split at Nenc because the Avro record
        keeps them in separate fields (``encapsulated_key``, ``wrapped_key``).
        """
        if not isinstance(public_key, self._public_type):
            raise TypeError("public key does not belong to this suite")
        sealed = self._hpke.encrypt(plaintext, public_key, info=info)
        return sealed[: self.enc_len], sealed[self.enc_len :]

    def open(
        self, enc: bytes, ciphertext: bytes, private_key: HpkePrivateKey, info: bytes
    ) -> bytes:
        """HPKE single-shot open. ``ValueError`` if it does not authenticate."""
        if len(enc) != self.enc_len or not isinstance(private_key, self._private_type):
            raise ValueError("encapsulated key or private key does not fit this suite")
        try:
            return self._hpke.decrypt(enc + ciphertext, private_key, info=info)
        except InvalidTag:
            raise ValueError("HPKE ciphertext does not authenticate") from None

    @property
    def _public_type(self) -> type[HpkePublicKey]:
        return (
            x25519.X25519PublicKey
            if self.kem_id == _X25519_KEM_ID
            else hpke.MLKEM768X25519PublicKey
        )

    @property
    def _private_type(self) -> type[HpkePrivateKey]:
        return (
            x25519.X25519PrivateKey
            if self.kem_id == _X25519_KEM_ID
            else hpke.MLKEM768X25519PrivateKey
        )


def _expand_hybrid_seed(seed: bytes) -> tuple[bytes, bytes]:
    """draft-ietf-hpke-pq expandKey: SHAKE256(seed, 96) = ML-KEM-768 seed || X25519 scalar.

    cryptography builds a hybrid key only from its two components; doing the standard's
    expansion here keeps our key bytes identical to other HPKE libraries' (e.g. Go's).
    """
    expanded = hashlib.shake_256(seed).digest(_MLKEM_SEED_LEN + _X25519_LEN)
    return expanded[:_MLKEM_SEED_LEN], expanded[_MLKEM_SEED_LEN:]


X25519: Final = Suite(
    suite_id="x25519-hkdf256-aes256gcm",
    number=0x01,
    name="x25519",
    kem_id=_X25519_KEM_ID,
    kdf_id=0x0001,
    aead_id=0x0002,
    public_key_len=_X25519_LEN,
    private_key_len=_X25519_LEN,
    _hpke=hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    _kem=hpke.KEM.X25519,
)

MLKEM768_X25519: Final = Suite(
    suite_id="mlkem768x25519-hkdf256-aes256gcm",
    number=0x02,
    name="mlkem768-x25519",
    kem_id=0x647A,
    kdf_id=0x0001,
    aead_id=0x0002,
    public_key_len=_MLKEM768_PUBLIC_LEN + _X25519_LEN,
    private_key_len=32,
    _hpke=hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    _kem=hpke.KEM.MLKEM768_X25519,
)

#: Every suite by its string id. Retired suites stay listed so their ids are never reused.
SUITES: Final[dict[str, Suite]] = {s.suite_id: s for s in (X25519, MLKEM768_X25519)}
_BY_NUMBER: Final[dict[int, Suite]] = {s.number: s for s in SUITES.values()}
_BY_NAME: Final[dict[str, Suite]] = {s.name: s for s in SUITES.values()}


def suite_by_id(suite_id: str) -> Suite | None:
    return SUITES.get(suite_id)


def suite_by_name(name: str) -> Suite | None:
    """The suite with this short name (``x25519``, ``mlkem768-x25519``), for CLIs."""
    return _BY_NAME.get(name)


def suite_by_number(number: int) -> Suite | None:
    return _BY_NUMBER.get(number)
