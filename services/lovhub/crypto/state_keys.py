"""The hub state key: the jobseekers' held facts encrypted at rest (issue 11, part 1).

The hub keeps the latest registration profile, assessment, plan, contact details and health
restriction of each jobseeker, so that a provider assigned later gets a handover. Those facts
are personal; in the local store and in the compacted changelog topic they are sealed with
AES-256-GCM under a *hub state key* that only the hub worker holds (the report processor,
which reads the same changelog for assignments, does not).

- File (``LOVHUB_STATE_KEY_FILE``, 0600, created by ``lovhub admin hub-files``): JSON
  ``{"format": "lovhub-state-keys-v1", "current": ID, "keys": {ID: base64(32 bytes)}}``.
- Sealed form (text, so it fits the JSON state): ``ID ":" base64(nonce(12) || ciphertext)``,
  the associated data being the jobseeker's changelog key, so a sealed value cannot be moved
  to another jobseeker's record.
- Rotation (``lovhub admin state-key rotate``): a new key becomes current; older keys stay in
  the file to open what they sealed. A state is re-sealed under the current key whenever it
  is next written. A key is only dropped (``--retire-before``) once nothing sealed under it
  remains; until then opening fails closed (:class:`StateKeyMissingError`).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lovhub.errors import ConfigurationError, LovhubError
from lovhub.private_files import create_private, write_private

__all__ = [
    "STATE_KEY_FILE_NAME",
    "STATE_KEY_FORMAT",
    "StateKeyMissingError",
    "StateKeyRing",
    "StateSealError",
    "read_state_keys",
    "rotate_state_keys",
    "write_new_state_keys",
]

STATE_KEY_FORMAT: Final = "lovhub-state-keys-v1"
STATE_KEY_FILE_NAME: Final = "state-keys.json"
_KEY_BYTES: Final = 32
_NONCE_BYTES: Final = 12
_LABEL: Final = b"lovhub-state-facts-v1\x1f"


class StateSealError(LovhubError):
    """A sealed state value cannot be opened: tampered, truncated or under another key."""

    code = "STATE_SEAL_INVALID"


class StateKeyMissingError(StateSealError):
    """A state value is sealed under a key the key file no longer (or not yet) holds."""

    code = "STATE_KEY_MISSING"


@dataclass(frozen=True)
class StateKeyRing:
    current: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ConfigurationError("state key file: the current key is not in the file")
        for key_id, key in self.keys.items():
            if len(key) != _KEY_BYTES or not key_id or ":" in key_id:
                raise ConfigurationError("state key file: keys are 32 bytes under a plain id")
        object.__setattr__(
            self, "_ciphers", {key_id: AESGCM(key) for key_id, key in self.keys.items()}
        )

    @classmethod
    def generate(cls) -> StateKeyRing:
        key_id = _new_id()
        return cls(key_id, {key_id: AESGCM.generate_key(bit_length=256)})

    def seal(self, plaintext: bytes, owner: bytes) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._cipher(self.current).encrypt(nonce, plaintext, _LABEL + owner)
        return f"{self.current}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, sealed: str, owner: bytes) -> bytes:
        key_id, separator, payload = sealed.partition(":")
        if not separator:
            raise StateSealError("sealed state value without a key id")
        if key_id not in self.keys:
            raise StateKeyMissingError(f"state sealed under key {key_id!r}, not in the key file")
        try:
            raw = base64.b64decode(payload, validate=True)
            return self._cipher(key_id).decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _LABEL + owner
            )
        except (ValueError, InvalidTag):
            raise StateSealError("sealed state value does not open") from None

    def rotated(self) -> StateKeyRing:
        key_id = _new_id()
        return StateKeyRing(key_id, {**self.keys, key_id: AESGCM.generate_key(bit_length=256)})

    def without(self, key_ids: set[str]) -> StateKeyRing:
        if self.current in key_ids:
            raise ConfigurationError("the current state key cannot be retired")
        return StateKeyRing(self.current, {k: v for k, v in self.keys.items() if k not in key_ids})

    def to_text(self) -> str:
        keys = {k: base64.b64encode(v).decode("ascii") for k, v in self.keys.items()}
        return json.dumps({"format": STATE_KEY_FORMAT, "current": self.current, "keys": keys})

    def _cipher(self, key_id: str) -> AESGCM:
        ciphers: dict[str, AESGCM] = self._ciphers  # type: ignore[attr-defined]
        return ciphers[key_id]


def _new_id() -> str:
    return f"sk-{secrets.token_hex(4)}"


def read_state_keys(path: Path) -> StateKeyRing:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != STATE_KEY_FORMAT:
            raise ConfigurationError(f"{path}: not a {STATE_KEY_FORMAT} file")
        keys = {k: base64.b64decode(v, validate=True) for k, v in data["keys"].items()}
        return StateKeyRing(str(data["current"]), keys)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ConfigurationError(f"cannot read the hub state key file {path}: {error}") from None


def write_new_state_keys(path: Path) -> StateKeyRing:
    """Create a key file with one fresh key (refuses to overwrite)."""
    ring = StateKeyRing.generate()
    create_private(path, ring.to_text() + "\n")
    return ring


def rotate_state_keys(path: Path) -> StateKeyRing:
    """Add a fresh current key, keeping the older ones for opening."""
    ring = read_state_keys(path).rotated()
    write_private(path, ring.to_text() + "\n")
    return ring
