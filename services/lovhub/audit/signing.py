"""The hub's audit signing key (Ed25519): generate, store, load; and the verifying keys.

The private key is a PKCS#8 PEM file readable by its owner only; the public key is a
SubjectPublicKeyInfo PEM file, the one a deployment publishes with its documentation. A
public-key file may hold several PEM blocks (old and new keys during a rotation). A key's id
is the first 16 hex digits of SHA-256 over its raw 32-byte public key, so anyone holding
the public key can recompute the id a checkpoint names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lovhub.errors import ConfigurationError
from lovhub.private_files import write_private

__all__ = [
    "SIGNATURE_ALGORITHM",
    "SigningKey",
    "VerifyingKeys",
    "key_id_of",
    "load_signing_key",
    "load_verifying_keys",
    "write_signing_key",
]

SIGNATURE_ALGORITHM = "Ed25519"
_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """Short, stable id of a public key: SHA-256 of its raw bytes, first 16 hex digits."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    """The hub's private signing key and its id."""

    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @property
    def key_id(self) -> str:
        return key_id_of(self.private_key.public_key())

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def verifying_keys(self) -> VerifyingKeys:
        return VerifyingKeys({self.key_id: self.private_key.public_key()})


@dataclass(frozen=True)
class VerifyingKeys:
    """The public keys a verifier trusts, by key id."""

    keys: dict[str, Ed25519PublicKey]

    def verify(self, key_id: str, signature: bytes, message: bytes) -> bool:
        """True only for a known key id and a valid signature."""
        key = self.keys.get(key_id)
        if key is None:
            return False
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __contains__(self, key_id: object) -> bool:
        return key_id in self.keys


def write_signing_key(
    private_path: Path, public_path: Path, key: SigningKey | None = None
) -> SigningKey:
    """Write a (new) signing key: the private key 0600, the public key world-readable."""
    key = key or SigningKey.generate()
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    write_private(private_path, pem)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_text(key.public_pem(), encoding="ascii")
    return key


def load_signing_key(path: Path) -> SigningKey:
    """The private key from ``path``; a missing or foreign file is a ConfigurationError."""
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise ConfigurationError(
            f"cannot load the audit signing key {path}: {type(error).__name__}"
        ) from error
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigurationError(f"the audit signing key {path} is not an Ed25519 private key")
    return SigningKey(loaded)


def load_verifying_keys(path: Path) -> VerifyingKeys:
    """Every Ed25519 public key (PEM blocks) in ``path``."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"cannot read the audit public key {path}: {error}") from error
    keys: dict[str, Ed25519PublicKey] = {}
    for block in _PEM_BLOCK.findall(text):
        try:
            loaded = serialization.load_pem_public_key(block.encode("ascii"))
        except ValueError as error:
            raise ConfigurationError(f"invalid public key in {path}") from error
        if not isinstance(loaded, Ed25519PublicKey):
            raise ConfigurationError(f"a public key in {path} is not Ed25519")
        keys[key_id_of(loaded)] = loaded
    if not keys:
        raise ConfigurationError(f"no Ed25519 public key (PEM) in {path}")
    return VerifyingKeys(keys)
