"""A hash chain over each audit partition.

Each decision carries ``sequence`` (its place in the partition's chain, from 0), the
``prev_hash`` of its predecessor (32 zero bytes for the first) and its own ``hash``:
SHA-256 over ``prev_hash`` and the Avro binary encoding of the whole decision with ``hash``
empty. Avro's binary encoding of a record under one schema is deterministic, so it serves
as the canonical form. Changing any byte of a decision breaks its hash; deleting,
reordering or inserting a record breaks the next record's ``prev_hash`` or the sequence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "GENESIS",
    "BreakKind",
    "ChainBreak",
    "ChainHead",
    "check_link",
    "link",
    "verify_chain",
]

GENESIS = bytes(32)

Encode = Callable[[Mapping[str, Any]], bytes]


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where the next decision of a partition's chain attaches."""

    hash: bytes = GENESIS
    sequence: int = 0


def _digest(decision: Mapping[str, Any], encode: Encode) -> bytes:
    unsigned = {**decision, "hash": b""}
    return hashlib.sha256(bytes(decision["prev_hash"]) + encode(unsigned)).digest()


def link(
    decision: Mapping[str, Any], head: ChainHead, encode: Encode
) -> tuple[dict[str, Any], ChainHead]:
    """The decision chained onto ``head``, and the new head."""
    chained = {**decision, "sequence": head.sequence, "prev_hash": head.hash, "hash": b""}
    chained["hash"] = _digest(chained, encode)
    return chained, ChainHead(chained["hash"], head.sequence + 1)


def link_encoded(
    decision: Mapping[str, Any], head: ChainHead, encode: Encode
) -> tuple[dict[str, Any], ChainHead, bytes]:
    """:func:`link`, also returning the encoding its hash covers (``hash`` empty), so a
    caller that needs the record's bytes too does not encode it a second time."""
    chained = {**decision, "sequence": head.sequence, "prev_hash": head.hash, "hash": b""}
    unsigned = encode(chained)
    chained["hash"] = hashlib.sha256(bytes(chained["prev_hash"]) + unsigned).digest()
    return chained, ChainHead(chained["hash"], head.sequence + 1), unsigned


class BreakKind(StrEnum):
    MODIFIED = "MODIFIED"  # the record's own hash does not match its content
    BROKEN_LINK = (
        "BROKEN_LINK"  # prev_hash is not the predecessor's hash: deleted/reordered/inserted
    )
    SEQUENCE = "SEQUENCE"  # a gap or repeat in the sequence numbers
    # Found with checkpoints (lovhub.audit.verify):
    CHECKPOINT_FORGED = "CHECKPOINT_FORGED"  # unknown key id or a bad signature
    CHECKPOINT_MISMATCH = "CHECKPOINT_MISMATCH"  # a signed checkpoint disagrees with the chain
    TRUNCATED = "TRUNCATED"  # the log ends before records a checkpoint covers
    UNREADABLE = "UNREADABLE"  # a record that does not decode under the chain's schema
    # Found with anchors (lovhub.audit.anchors): the log no longer extends an anchored head.
    ANCHOR_NOT_EXTENDED = "ANCHOR_NOT_EXTENDED"


@dataclass(frozen=True, slots=True)
class ChainBreak:
    offset: int
    kind: BreakKind


def check_link(decision: Mapping[str, Any], head: ChainHead, encode: Encode) -> BreakKind | None:
    """Why ``decision`` cannot follow ``head`` (None when it does)."""
    if bytes(decision["hash"]) != _digest(decision, encode):
        return BreakKind.MODIFIED
    if bytes(decision["prev_hash"]) != head.hash:
        return BreakKind.BROKEN_LINK
    if decision["sequence"] != head.sequence:
        return BreakKind.SEQUENCE
    return None


def verify_chain(
    records: Iterable[tuple[int, Mapping[str, Any]]],
    encode: Encode,
    *,
    start: ChainHead = ChainHead(),
) -> tuple[ChainBreak | None, ChainHead, int]:
    """Walk ``(offset, decision)`` pairs of one partition in offset order.

    Returns the first break (or None), the head after the last good record, and how many
    records verified.
    """
    head = start
    count = 0
    for offset, decision in records:
        kind = check_link(decision, head, encode)
        if kind is not None:
            return ChainBreak(offset, kind), head, count
        head = ChainHead(bytes(decision["hash"]), head.sequence + 1)
        count += 1
    return None, head, count
