"""Registry records on the compacted topic ``lov.hub.recipients.v1``, and the table they fold into.

Key: the recipient id (UTF-8). Value: canonical JSON (sorted keys, no spaces)::

    {"format": "lovhub-recipient-v1", "recipient": {...the full current Recipient...}}

The whole record is replaced on every change, so compaction keeps exactly the latest state
of every recipient. A record that fails validation is never used: the recipient it names is
then unknown to the hub (fail closed: nothing is delivered to it) until a valid record
replaces it. Failures are counted and logged by offset and code only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from pydantic import ValidationError

from lovhub.identity import is_valid_recipient_id
from lovhub.policy import Policy
from lovhub.registry.directory import RecipientDirectory
from lovhub.registry.model import Recipient

__all__ = [
    "REGISTRY_RECORD_FORMAT",
    "InvalidRegistryRecord",
    "RegistryTable",
    "decode_registry_record",
    "encode_registry_record",
    "record_sha256",
]

log = logging.getLogger("lovhub.registry")

REGISTRY_RECORD_FORMAT: Final = "lovhub-recipient-v1"
_MAX_RECORD_BYTES: Final = 1_000_000


class InvalidRegistryRecord(ValueError):
    """A registry record that must not be used; ``code`` says why (no content quoted)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def encode_registry_record(recipient: Recipient) -> tuple[bytes, bytes]:
    """The record's key and value bytes (deterministic for one recipient state)."""
    document = {"format": REGISTRY_RECORD_FORMAT, "recipient": recipient.model_dump(mode="json")}
    value = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return recipient.id.encode("utf-8"), value.encode("utf-8")


def record_sha256(value: bytes) -> bytes:
    """What a RecipientChange's ``registry_record_sha256`` holds."""
    return hashlib.sha256(value).digest()


def decode_registry_record(
    key: bytes | None, value: bytes | None, *, policy: Policy | None = None
) -> Recipient:
    """The recipient a record holds; :class:`InvalidRegistryRecord` if anything is off."""
    if value is None:
        raise InvalidRegistryRecord("TOMBSTONE")
    if len(value) > _MAX_RECORD_BYTES:
        raise InvalidRegistryRecord("OVERSIZED")
    try:
        document = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidRegistryRecord("NOT_JSON") from None
    if not isinstance(document, dict) or document.get("format") != REGISTRY_RECORD_FORMAT:
        raise InvalidRegistryRecord("UNKNOWN_FORMAT")
    if set(document) != {"format", "recipient"}:
        raise InvalidRegistryRecord("UNEXPECTED_FIELDS")
    try:
        recipient = Recipient.model_validate(document["recipient"])
    except ValidationError:
        raise InvalidRegistryRecord("INVALID_RECIPIENT") from None
    if key is None or key != recipient.id.encode("utf-8"):
        raise InvalidRegistryRecord("KEY_MISMATCH")
    if policy is not None and RecipientDirectory(recipients=(recipient,)).problems_with(policy):
        raise InvalidRegistryRecord("PURPOSE_NOT_IN_POLICY")
    return recipient


@dataclass
class RegistryTable:
    """The registry folded record by record (the pure half of the follower)."""

    label: str = "registry"
    policy: Policy | None = None
    recipients: dict[str, Recipient] = field(default_factory=dict)
    invalid: int = 0
    applied: int = 0

    def apply(self, offset: int, key: bytes | None, value: bytes | None) -> bool:
        """Fold one record in; True when the table changed."""
        self.applied += 1
        try:
            recipient = decode_registry_record(key, value, policy=self.policy)
        except InvalidRegistryRecord as problem:
            if problem.code != "TOMBSTONE":
                self.invalid += 1
                log.warning("registry record at offset %d not used: %s", offset, problem.code)
            recipient_id = _key_text(key)
            if recipient_id is None:
                return False
            return self.recipients.pop(recipient_id, None) is not None
        if self.recipients.get(recipient.id) == recipient:
            return False
        self.recipients[recipient.id] = recipient
        return True

    def apply_all(self, records: Iterable[tuple[int, bytes | None, bytes | None]]) -> bool:
        changed = False
        for offset, key, value in records:
            changed = self.apply(offset, key, value) or changed
        return changed

    def directory(self) -> RecipientDirectory:
        ordered = tuple(self.recipients[rid] for rid in sorted(self.recipients))
        return RecipientDirectory(label=self.label, recipients=ordered)


def _key_text(key: bytes | None) -> str | None:
    """The recipient id a key names, if it is one (an invalid record then blanks it)."""
    if key is None:
        return None
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if is_valid_recipient_id(text) else None
