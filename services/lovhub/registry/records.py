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
from lovhub.registry.attestation import AttestationProblem, choose_attested
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


# Fields added after records were first written: left out while empty, so the record of a
# recipient that does not have them stays byte for byte what it was (and readable by a hub
# that does not know them yet).
_OMITTED_WHEN_EMPTY: Final = ("undertaking", "residency")


def encode_registry_record(recipient: Recipient) -> tuple[bytes, bytes]:
    """The record's key and value bytes (deterministic for one recipient state)."""
    empty = {name for name in _OMITTED_WHEN_EMPTY if getattr(recipient, name) is None}
    fields = recipient.model_dump(mode="json", exclude=empty)
    document = {"format": REGISTRY_RECORD_FORMAT, "recipient": fields}
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


# Valid records kept per recipient to fall back on while a newer one is not attested.
_HISTORY_PER_RECIPIENT: Final = 32


@dataclass
class RegistryTable:
    """The registry folded record by record (the pure half of the follower).

    With ``require_attestation`` a recipient's record is used only when the audited change
    chain names it (:func:`lovhub.registry.attestation.choose_attested`; the follower feeds
    the change records in through :meth:`attest`).
    """

    label: str = "registry"
    policy: Policy | None = None
    recipients: dict[str, Recipient] = field(default_factory=dict)
    invalid: int = 0
    applied: int = 0
    require_attestation: bool = False
    # Per recipient: (offset, SHA-256 of the value, recipient) of its valid records, oldest first.
    history: dict[str, list[tuple[int, bytes, Recipient]]] = field(default_factory=dict)
    # Per recipient: the registry_record_sha256 of its latest change record.
    attested: dict[str, bytes] = field(default_factory=dict)
    # Per recipient whose newest record is not used: (that record's offset, why).
    unattested: dict[str, tuple[int, AttestationProblem]] = field(default_factory=dict)

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
            self.history.pop(recipient_id, None)
            return self.recipients.pop(recipient_id, None) is not None
        assert value is not None  # decode_registry_record refuses a tombstone
        seen = self.history.setdefault(recipient.id, [])
        seen.append((offset, record_sha256(value), recipient))
        del seen[:-_HISTORY_PER_RECIPIENT]
        if self.recipients.get(recipient.id) == recipient:
            return self.require_attestation
        self.recipients[recipient.id] = recipient
        return True

    def attest(self, recipient_id: str, registry_record_sha256: bytes) -> bool:
        """Apply one change record (the latest one per recipient wins); True if it changed."""
        if self.attested.get(recipient_id) == registry_record_sha256:
            return False
        self.attested[recipient_id] = registry_record_sha256
        return True

    def _attested_recipients(self) -> dict[str, Recipient]:
        used: dict[str, Recipient] = {}
        unattested: dict[str, tuple[int, AttestationProblem]] = {}
        for recipient_id, seen in self.history.items():
            choice = choose_attested(
                [digest for _, digest, _ in seen], self.attested.get(recipient_id)
            )
            if choice.index is not None:
                used[recipient_id] = seen[choice.index][2]
            if choice.problem is not None:
                unattested[recipient_id] = (seen[-1][0], choice.problem)
        for recipient_id, (offset, problem) in unattested.items():
            if self.unattested.get(recipient_id) != (offset, problem):
                # Offset and code only; the record's content is never logged.
                log.warning(
                    "registry record at offset %d not used: %s (no audited change record "
                    "names it; %s)",
                    offset,
                    problem.value,
                    "the last audited record stays in force"
                    if recipient_id in used
                    else "its recipient is treated as absent",
                )
        self.unattested = unattested
        return used

    def directory(self) -> RecipientDirectory:
        recipients = self._attested_recipients() if self.require_attestation else self.recipients
        ordered = tuple(recipients[rid] for rid in sorted(recipients))
        return RecipientDirectory(label=self.label, recipients=ordered)

    def apply_all(self, records: Iterable[tuple[int, bytes | None, bytes | None]]) -> bool:
        changed = False
        for offset, key, value in records:
            changed = self.apply(offset, key, value) or changed
        return changed


def _key_text(key: bytes | None) -> str | None:
    """The recipient id a key names, if it is one (an invalid record then blanks it)."""
    if key is None:
        return None
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if is_valid_recipient_id(text) else None
