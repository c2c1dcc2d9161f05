"""A held batch resumes from what the broker acknowledged: nothing written twice, nothing
skipped (lovhub.worker.batch)."""

from __future__ import annotations

from lovhub.audit import ChainHead
from lovhub.core.outputs import EventResult, OutboundRecord, PendingAudit, SourcePosition
from lovhub.worker.batch import BatchWork


def _result(partition: int, offset: int, deliveries: int) -> EventResult:
    records = tuple(OutboundRecord(f"r{i}", None, b"x") for i in range(deliveries))
    audits = (*tuple(PendingAudit({"n": i}, i) for i in range(deliveries)), PendingAudit({}))
    return EventResult(SourcePosition("src", partition, offset), b"k", None, records, audits)


def _chained(work: BatchWork, partition: int) -> None:
    for index, slot in enumerate(work.audit_slots()[partition]):
        slot.record = OutboundRecord("audit", None, b"a")
        slot.head = ChainHead(bytes([index]) * 32, index + 1)


def test_audit_slots_carry_their_delivery_places() -> None:
    work = BatchWork({0: 2}, [_result(0, 0, 2), _result(0, 1, 0)], {})
    assert not work.deliveries_done()
    work.placed = [[("r0", 0, 10), ("r1", 0, 11)], []]
    assert work.deliveries_done()
    slots = work.audit_slots()[0]
    assert [s.delivery for s in slots] == [("r0", 0, 10), ("r1", 0, 11), None, None]


def test_resume_after_tail_keeps_the_written_prefix_and_rechains_the_rest() -> None:
    work = BatchWork({0: 1}, [_result(0, 0, 3)], {})
    work.placed = [[("r", 0, 1), ("r", 0, 2), ("r", 0, 3)]]
    _chained(work, 0)
    work.resume_after_tail(0, bytes([1]) * 32)  # the broker holds the first two
    slots = work.audits[0]
    assert [s.acked for s in slots] == [True, True, False, False]
    assert [s.record is None for s in slots] == [False, False, True, True]


def test_resume_after_a_foreign_tail_rewrites_everything() -> None:
    work = BatchWork({0: 1}, [_result(0, 0, 1)], {})
    work.placed = [[("r", 0, 1)]]
    _chained(work, 0)
    work.resume_after_tail(0, b"z" * 32)
    assert all(not s.acked and s.record is None for s in work.audits[0])


def test_partitions_taken_by_a_rebalance_are_dropped() -> None:
    work = BatchWork({0: 1, 1: 5}, [_result(0, 0, 1), _result(1, 4, 1)], {(1, b"k"): None})  # type: ignore[dict-item]
    work.keep_partitions({0})
    assert work.commits == {0: 1}
    assert [r.source.partition for r in work.results] == [0]
    assert work.states == {}
    assert len(work.placed) == 1
