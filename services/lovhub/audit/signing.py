"""The hub's audit signing key (Ed25519): generate, store, load; and the verifying keys.

The private key is a PKCS#8 PEM file readable by its owner only; the public key is a
SubjectPublicKeyInfo PEM file, the one a deployment publishes with its documentation. A
public-key file may hold several PEM blocks (old and new keys during a rotation, one key per
writer role), each optionally labelled with the role it signs for (:mod:`lovhub.audit.roles`).
A key's id is the first 16 hex digits of SHA-256 over its raw 32-byte public key, so anyone holding
the public key can recompute the id a checkpoint names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lovhub.audit.roles import ROLE_LABEL, WriterRole
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
_PEM_BLOCK = re.compile(
    r"(?:^lovhub-audit-role:[ \t]*(?P<role>[a-z-]+)[ \t]*\r?\n)?"
    r"(?P<pem>-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----)",
    re.DOTALL | re.MULTILINE,
)


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

    def public_pem(self, role: WriterRole | None = None) -> str:
        """The public key as PEM, labelled with ``role`` when given."""
        pem = (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )
        return f"{ROLE_LABEL} {role}\n{pem}" if role is not None else pem

    def verifying_keys(self) -> VerifyingKeys:
        return VerifyingKeys({self.key_id: self.private_key.public_key()})


@dataclass(frozen=True)
class VerifyingKeys:
    """The public keys a verifier trusts, by key id; ``roles`` limits a key to the chains
    of one writer role (a key without an entry is trusted for every chain)."""

    keys: dict[str, Ed25519PublicKey]
    roles: dict[str, WriterRole] = field(default_factory=dict)

    def for_role(self, role: WriterRole) -> VerifyingKeys:
        """The keys trusted to sign ``role``'s chains."""
        return VerifyingKeys(
            {kid: key for kid, key in self.keys.items() if self.roles.get(kid, role) == role},
            {kid: r for kid, r in self.roles.items() if r == role},
        )

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
    private_path: Path,
    public_path: Path,
    key: SigningKey | None = None,
    role: WriterRole | None = None,
) -> SigningKey:
    """Write a (new) signing key: the private key 0600, the public key world-readable
    (labelled with ``role`` when given)."""
    key = key or SigningKey.generate()
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    write_private(private_path, pem)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_text(key.public_pem(role), encoding="ascii")
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
    roles: dict[str, WriterRole] = {}
    for block in _PEM_BLOCK.finditer(text):
        try:
            loaded = serialization.load_pem_public_key(block["pem"].encode("ascii"))
        except ValueError as error:
            raise ConfigurationError(f"invalid public key in {path}") from error
        if not isinstance(loaded, Ed25519PublicKey):
            raise ConfigurationError(f"a public key in {path} is not Ed25519")
        key_id = key_id_of(loaded)
        keys[key_id] = loaded
        if block["role"] is not None:
            try:
                roles[key_id] = WriterRole(block["role"])
            except ValueError:
                raise ConfigurationError(
                    f"unknown writer role {block['role']!r} in {path}; roles: "
                    + ", ".join(r.value for r in WriterRole)
                ) from None
    if not keys:
        raise ConfigurationError(f"no Ed25519 public key (PEM) in {path}")
    return VerifyingKeys(keys, roles)
