"""Verifying audit chains against their signed checkpoints: the pure core of `audit verify`.

Takes decoded records and checkpoints (no I/O) and finds, per partition, every problem up
to the first break of the chain itself:

- the chain: each record's hash, its link to the predecessor and its sequence number
  (MODIFIED, BROKEN_LINK, SEQUENCE; UNREADABLE for a record that does not decode);
- each checkpoint's signature: an unknown key id or a bad signature is CHECKPOINT_FORGED;
- each valid checkpoint against the chain: at its offset the chain's head and count must be
  the signed ones (CHECKPOINT_MISMATCH), and the log must reach that far (TRUNCATED).

A partition's first break is the finding with the lowest offset. Verification of a range
starts from a signed checkpoint (:func:`start_for`) instead of the beginning of the log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lovhub.audit.chain import BreakKind, ChainHead, check_link
from lovhub.audit.checkpoints import signature_valid
from lovhub.audit.signing import VerifyingKeys

__all__ = [
    "ChainStart",
    "Finding",
    "PartitionResult",
    "start_for",
    "valid_checkpoints",
    "verify_partition",
]

Encode = Callable[[Mapping[str, Any]], bytes]
# (offset in the checkpoint topic, decoded checkpoint)
CheckpointEntry = tuple[int, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: where (audit topic, partition, offset), what, and in words."""

    topic: str
    partition: int
    offset: int
    kind: BreakKind
    detail: str
    checkpoint_offset: int | None = None  # where the checkpoint involved sits, if any


@dataclass(frozen=True, slots=True)
class ChainStart:
    """Where verification begins: an offset and the chain head just before it."""

    offset: int = 0
    head: ChainHead = field(default_factory=ChainHead)
    checkpoint_offset: int | None = None  # the checkpoint it was taken from, if any


@dataclass(slots=True)
class PartitionResult:
    topic: str
    partition: int
    start: ChainStart
    records: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def first_break(self) -> Finding | None:
        return min(self.findings, key=lambda f: f.offset) if self.findings else None


def valid_checkpoints(
    checkpoints: Iterable[CheckpointEntry], keys: VerifyingKeys, encode: Encode
) -> list[CheckpointEntry]:
    """Only the checkpoints a trusted key really signed."""
    return [(pos, cp) for pos, cp in checkpoints if signature_valid(cp, keys, encode)]


def start_for(first_offset: int, trusted: Sequence[CheckpointEntry]) -> ChainStart:
    """Start at the latest signed checkpoint before ``first_offset`` (else the beginning).

    ``trusted`` must hold only checkpoints whose signature verified.
    """
    earlier = [(pos, cp) for pos, cp in trusted if int(cp["offset"]) < first_offset]
    if not earlier:
        return ChainStart()
    pos, cp = max(earlier, key=lambda entry: (int(entry[1]["offset"]), entry[0]))
    return ChainStart(
        int(cp["offset"]) + 1, ChainHead(bytes(cp["chain_head"]), int(cp["count"])), pos
    )


def verify_partition(
    topic: str,
    partition: int,
    records: Iterable[tuple[int, Mapping[str, Any] | None]],
    checkpoints: Iterable[CheckpointEntry],
    *,
    keys: VerifyingKeys,
    encode_record: Encode,
    encode_checkpoint: Encode,
    start: ChainStart = ChainStart(),
    stop: int | None = None,
) -> PartitionResult:
    """Verify one partition's ``(offset, record or None when unreadable)`` pairs, in offset
    order from ``start.offset`` up to ``stop`` (exclusive; None: the end of the log), against
    the checkpoints of this topic and partition."""
    result = PartitionResult(topic, partition, start)
    in_range: dict[int, list[CheckpointEntry]] = defaultdict(list)
    for pos, cp in checkpoints:
        offset = int(cp["offset"])
        if offset < start.offset or (stop is not None and offset >= stop):
            continue
        result.checkpoints += 1
        if signature_valid(cp, keys, encode_checkpoint):
            in_range[offset].append((pos, cp))
        else:
            known = str(cp["key_id"]) in keys
            result.findings.append(
                Finding(
                    topic,
                    partition,
                    offset,
                    BreakKind.CHECKPOINT_FORGED,
                    "bad signature" if known else f"unknown signing key {cp['key_id']}",
                    pos,
                )
            )
    pending = sorted(in_range)  # checkpoint offsets not yet reached, ascending
    head = start.head
    walked_end = start.offset
    for offset, record in records:
        while pending and pending[0] < offset:  # a signed offset with no record at it
            missing = pending.pop(0)
            pos = in_range[missing][0][0]
            result.findings.append(
                Finding(
                    topic,
                    partition,
                    missing,
                    BreakKind.CHECKPOINT_MISMATCH,
                    "no record at the checkpoint's offset",
                    pos,
                )
            )
            return result
        if record is None:
            result.findings.append(
                Finding(topic, partition, offset, BreakKind.UNREADABLE, "does not decode")
            )
            return result
        kind = check_link(record, head, encode_record)
        if kind is not None:
            result.findings.append(Finding(topic, partition, offset, kind, _explain(kind)))
            return result
        head = ChainHead(bytes(record["hash"]), head.sequence + 1)
        result.records += 1
        walked_end = offset + 1
        if pending and pending[0] == offset:
            pending.pop(0)
            for pos, cp in in_range[offset]:
                if bytes(cp["chain_head"]) != head.hash or int(cp["count"]) != head.sequence:
                    result.findings.append(
                        Finding(
                            topic,
                            partition,
                            offset,
                            BreakKind.CHECKPOINT_MISMATCH,
                            f"signed head/count {int(cp['count'])} differ from the chain's "
                            f"{head.sequence}"
                            if int(cp["count"]) != head.sequence
                            else "signed chain head differs from the chain's",
                            pos,
                        )
                    )
                    return result
    if pending:
        beyond = pending[-1]
        pos, cp = in_range[beyond][0]
        result.findings.append(
            Finding(
                topic,
                partition,
                walked_end,
                BreakKind.TRUNCATED,
                f"log ends at offset {walked_end}, a checkpoint covers offset {beyond} "
                f"({int(cp['count'])} records)",
                pos,
            )
        )
    return result


def _explain(kind: BreakKind) -> str:
    return {
        BreakKind.MODIFIED: "the record's hash does not match its content",
        BreakKind.BROKEN_LINK: "prev_hash is not the predecessor's hash "
        "(deleted, reordered or inserted record)",
        BreakKind.SEQUENCE: "a gap or repeat in the sequence numbers",
    }.get(kind, str(kind))
