"""Signed checkpoints of audit chains: build, sign, verify; and when the next one is due.

A checkpoint states "the chain of ``audit_topic``/``partition`` had ``count`` records up to
and including ``offset``, whose hash is ``chain_head``", signed with the hub's Ed25519 key.
The signature covers the single-object Avro encoding (lovhub's canonical form, the same the
chain hashes use) of the checkpoint with ``signature`` set to empty bytes; every other field,
``key_id`` and ``signature_algorithm`` included, is covered.

Pure: no I/O. The shells (hub worker, ChainedRecordWriter) publish what this builds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lovhub.audit.chain import ChainHead
from lovhub.audit.signing import SIGNATURE_ALGORITHM, SigningKey, VerifyingKeys

__all__ = [
    "CheckpointCadence",
    "CheckpointSchedule",
    "build_checkpoint",
    "checkpoint_id",
    "signature_valid",
    "signed_bytes",
]

Encode = Callable[[Mapping[str, Any]], bytes]
_NAMESPACE = uuid.UUID("6f6f8e5c-3d0a-4c44-9a51-6c6f76687562")


def checkpoint_id(audit_topic: str, partition: int, offset: int, head: bytes) -> str:
    """Deterministic: a checkpoint re-published after a retry has the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{audit_topic}/{partition}/{offset}/{head.hex()}"))


def signed_bytes(checkpoint: Mapping[str, Any], encode: Encode) -> bytes:
    """The bytes a checkpoint's signature covers: its canonical form, signature empty."""
    return encode({**checkpoint, "signature": b""})


def build_checkpoint(
    *,
    audit_topic: str,
    partition: int,
    offset: int,
    head: ChainHead,
    signed_at: dt.datetime,
    key: SigningKey,
    encode: Encode,
) -> dict[str, Any]:
    """A signed checkpoint for the chain whose record at ``offset`` left it at ``head``.

    ``head`` is the head *after* that record: its hash is the record's hash and its sequence
    the number of records in the chain so far.
    """
    unsigned: dict[str, Any] = {
        "checkpoint_id": checkpoint_id(audit_topic, partition, offset, head.hash),
        "audit_topic": audit_topic,
        "partition": partition,
        "offset": offset,
        "chain_head": head.hash,
        "count": head.sequence,
        "signed_at": signed_at,
        "key_id": key.key_id,
        "signature_algorithm": SIGNATURE_ALGORITHM,
        "signature": b"",
    }
    return {**unsigned, "signature": key.sign(signed_bytes(unsigned, encode))}


def signature_valid(checkpoint: Mapping[str, Any], keys: VerifyingKeys, encode: Encode) -> bool:
    """True when a trusted key with the checkpoint's id signed exactly these fields."""
    if checkpoint.get("signature_algorithm") != SIGNATURE_ALGORITHM:
        return False
    return keys.verify(
        str(checkpoint["key_id"]),
        bytes(checkpoint["signature"]),
        signed_bytes(checkpoint, encode),
    )


@dataclass(frozen=True, slots=True)
class CheckpointCadence:
    """A checkpoint is due after ``every_records`` new records or ``every_seconds``."""

    every_records: int = 1000
    every_seconds: float = 10.0

    def __post_init__(self) -> None:
        if self.every_records < 1 or self.every_seconds <= 0:
            raise ValueError("checkpoint cadence must be at least one record and above 0 s")


@dataclass
class _Pending:
    offset: int
    head: ChainHead
    records: int
    first_at: float


@dataclass
class CheckpointSchedule:
    """Per chain (topic, partition): acknowledged records not yet covered by a checkpoint.

    ``note`` after the broker acknowledged audit records; ``due`` lists chains to checkpoint
    now (a count or age threshold passed); ``done`` once the checkpoint is acknowledged.
    """

    cadence: CheckpointCadence = field(default_factory=CheckpointCadence)
    _pending: dict[tuple[str, int], _Pending] = field(default_factory=dict)

    def note(
        self, chain: tuple[str, int], offset: int, head: ChainHead, records: int, now: float
    ) -> None:
        current = self._pending.get(chain)
        if current is None:
            self._pending[chain] = _Pending(offset, head, records, now)
        else:
            current.offset, current.head = offset, head
            current.records += records

    def due(
        self, now: float, *, all_pending: bool = False
    ) -> list[tuple[tuple[str, int], int, ChainHead]]:
        """Chains whose checkpoint is due: (chain, offset, head), in chain order."""
        return [
            (chain, pending.offset, pending.head)
            for chain, pending in sorted(self._pending.items())
            if all_pending
            or pending.records >= self.cadence.every_records
            or now - pending.first_at >= self.cadence.every_seconds
        ]

    def done(self, chain: tuple[str, int], offset: int) -> None:
        """Forget what a checkpoint at ``offset`` covered (records noted later stay)."""
        current = self._pending.get(chain)
        if current is not None and current.offset <= offset:
            del self._pending[chain]

    def forget(self, chain: tuple[str, int]) -> None:
        """The chain is no longer ours (a rebalance): its next writer checkpoints it."""
        self._pending.pop(chain, None)

    def __len__(self) -> int:
        return len(self._pending)
