"""Resuming a hash chain only where the last signed checkpoint says it continues.

A writer that resumes from a partition's last record trusts whoever wrote that record: a
forged tail that links correctly would be absorbed and then signed over by the next
checkpoint. So before appending, a writer checks the records from the newest signed
checkpoint of its chain up to the tail:

- the checkpoint is signed by the writer's own (role's) key;
- the record at the checkpoint's offset is the one it names (hash ``chain_head``, sequence
  ``count - 1``), so the log is not shorter than the checkpoint;
- every later record links onto its predecessor (hash, ``prev_hash``, sequence).

Without any checkpoint the chain must link from genesis. Anything else is
:class:`ResumeRefused`: the writer does not append (fail closed). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lovhub.audit.chain import ChainHead, check_link
from lovhub.audit.checkpoints import signature_valid
from lovhub.audit.signing import VerifyingKeys
from lovhub.errors import LovhubError

__all__ = ["REFUSED_REASON", "ResumeRefused", "resume_head"]

Encode = Callable[[Mapping[str, Any]], bytes]
REFUSED_REASON = "audit tail does not extend the last checkpoint"


class ResumeRefused(LovhubError):
    """The chain's tail does not extend its last signed checkpoint; do not append."""

    code = "RESUME_REFUSED"

    def __init__(self, topic: str, partition: int, detail: str) -> None:
        super().__init__(f"{REFUSED_REASON}: {topic}[{partition}]: {detail}")
        self.topic = topic
        self.partition = partition
        self.detail = detail


def resume_head(
    *,
    topic: str,
    partition: int,
    checkpoint: Mapping[str, Any] | None,
    records: Iterable[tuple[int, Mapping[str, Any]]],
    keys: VerifyingKeys,
    checkpoint_encode: Encode,
    record_encode: Encode,
) -> ChainHead:
    """The head a writer may continue from, or :class:`ResumeRefused`.

    ``checkpoint`` is the newest checkpoint of this chain (None when it has none);
    ``records`` are the decoded ``(offset, record)`` pairs from the checkpoint's offset (or
    the start of the log without a checkpoint) to the tail, in offset order.
    """

    def refuse(detail: str) -> ResumeRefused:
        return ResumeRefused(topic, partition, detail)

    pending = iter(records)
    if checkpoint is None:
        head = ChainHead()
    else:
        if checkpoint.get("audit_topic") != topic or checkpoint.get("partition") != partition:
            raise refuse("the checkpoint names another chain")
        if not signature_valid(checkpoint, keys, checkpoint_encode):
            raise refuse(f"checkpoint not signed by this writer's key ({checkpoint['key_id']})")
        at = int(checkpoint["offset"])
        signed_head = bytes(checkpoint["chain_head"])
        count = int(checkpoint["count"])
        anchor = next(pending, None)
        if anchor is None or anchor[0] != at:
            raise refuse(f"the log ends before the checkpoint at offset {at}")
        decision = anchor[1]
        own = ChainHead(bytes(decision["prev_hash"]), count - 1)
        if bytes(decision["hash"]) != signed_head or check_link(decision, own, record_encode):
            raise refuse(f"the record at offset {at} is not the one the checkpoint signed")
        head = ChainHead(signed_head, count)
    for offset, decision in pending:
        kind = check_link(decision, head, record_encode)
        if kind is not None:
            raise refuse(f"{kind.value} at offset {offset}")
        head = ChainHead(bytes(decision["hash"]), head.sequence + 1)
    return head
