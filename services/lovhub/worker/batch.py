"""One batch's progress through the worker's writes, so a failed write is retried alone.

The worker writes a batch in stages: deliveries and dead letters, then the audit decisions
(which carry the deliveries' offsets) and the changed states to the changelog together, then
due checkpoints; only then it commits. When a write fails, the batch is held and retried from
the first unacknowledged record: what the broker acknowledged is never written again, so a
hub that cannot write its audit records delivers nothing more in the meantime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lovhub.audit import ChainHead
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, OutboundRecord, PendingAudit

__all__ = ["AuditSlot", "BatchWork", "WriteFailed"]

Place = tuple[str, int, int]  # topic, partition, offset


class WriteFailed(Exception):
    """A stage's records were not all acknowledged; the batch must be held and retried."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(f"{stage}: {type(cause).__name__}")
        self.stage = stage
        self.cause_name = type(cause).__name__

    def what_failed(self) -> str:
        """How ``lovhub health`` names the failure, after "fail closed: "."""
        return f"cannot write {self.stage} ({self.cause_name})"


@dataclass
class AuditSlot:
    """One audit decision of the batch: chained (record, head) and acknowledged (offset)."""

    pending: PendingAudit
    delivery: Place | None
    record: OutboundRecord | None = None
    head: ChainHead | None = None  # the chain's head after this record
    acked: bool = False
    offset: int | None = None

    def unchain(self) -> None:
        self.record, self.head, self.acked, self.offset = None, None, False, None


@dataclass
class BatchWork:
    """Everything the pipeline decided for one batch, and how far its writes got."""

    commits: dict[int, int]  # source partition -> next offset to commit
    results: list[EventResult]
    states: dict[tuple[int, bytes], JobseekerState]
    # (partition, event id) -> digest of event ids decided for the first time in this batch
    event_ids: dict[tuple[int, str], bytes] = field(default_factory=dict)
    placed: list[list[Place | None]] = field(default_factory=list)
    audits: dict[int, list[AuditSlot]] = field(default_factory=dict)
    audits_done: bool = False
    changelog_done: bool = False
    # The changelog form of each changed state, sealed once: the changelog and the local
    # store get the same bytes (and a retried write does not seal again).
    encoded: dict[tuple[int, bytes], bytes] = field(default_factory=dict)

    def encoded_states(
        self, encode: Callable[[bytes, JobseekerState], bytes]
    ) -> dict[tuple[int, bytes], bytes]:
        for where, state in self.states.items():
            if where not in self.encoded:
                self.encoded[where] = encode(where[1], state)
        return self.encoded

    def __post_init__(self) -> None:
        if not self.placed:
            self.placed = [[None] * (len(r.deliveries) + len(r.dead_letters)) for r in self.results]

    def outputs(self, index: int) -> tuple[OutboundRecord, ...]:
        result = self.results[index]
        return (*result.deliveries, *result.dead_letters)

    def deliveries_done(self) -> bool:
        return all(place is not None for places in self.placed for place in places)

    def audit_slots(self) -> dict[int, list[AuditSlot]]:
        """Per source partition, in order; made once the deliveries are all placed."""
        if not self.audits:
            for result, places in zip(self.results, self.placed, strict=True):
                slots = self.audits.setdefault(result.source.partition, [])
                for pending in result.audits:
                    where = (
                        places[pending.delivery_index]
                        if pending.delivery_index is not None
                        else None
                    )
                    slots.append(AuditSlot(pending, where))
        return self.audits

    def resume_after_tail(self, partition: int, tail_hash: bytes | None) -> None:
        """After a failure: the partition's last record on the broker is ``tail_hash``.

        If it is one of this batch's records, it and everything before it were written;
        everything after is chained again from there. Otherwise none were written.
        """
        slots = self.audits.get(partition, [])
        if self.audits_done:
            return  # all acknowledged before: nothing of this partition is written again
        written = -1
        for index, slot in enumerate(slots):
            if slot.head is not None and slot.head.hash == tail_hash:
                written = index
        for index, slot in enumerate(slots):
            if index <= written:
                slot.acked = True
            else:
                slot.unchain()

    def keep_partitions(self, assigned: set[int]) -> None:
        """Forget partitions that a rebalance took away: their new owner replays them."""
        keep = [i for i, r in enumerate(self.results) if r.source.partition in assigned]
        self.results = [self.results[i] for i in keep]
        self.placed = [self.placed[i] for i in keep]
        self.commits = {p: o for p, o in self.commits.items() if p in assigned}
        self.states = {k: s for k, s in self.states.items() if k[0] in assigned}
        self.encoded = {k: v for k, v in self.encoded.items() if k[0] in assigned}
        self.event_ids = {k: d for k, d in self.event_ids.items() if k[0] in assigned}
        self.audits = {p: s for p, s in self.audits.items() if p in assigned}
