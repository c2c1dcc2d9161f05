"""The audit hash chain finds every kind of tampering, at the right offset."""

from __future__ import annotations

import random

import pytest

from lovhub.audit import ChainHead, link, verify_chain
from lovhub.audit.chain import BreakKind
from lovhub.codec.examples import audit_decision
from tests.unit.audit.chains import ENCODE, chain


def test_an_untouched_chain_verifies() -> None:
    records = chain(20)
    broken, head, count = verify_chain(records, ENCODE)
    assert broken is None
    assert count == 20
    assert head.sequence == 20


@pytest.mark.parametrize("victim", [0, 7, 19])
def test_a_modified_field_is_found_at_its_offset(victim: int) -> None:
    records = chain(20)
    offset, decision = records[victim]
    records[victim] = (offset, {**decision, "reason_code": "NOT_ASSIGNED", "outcome": "WITHHELD"})
    broken, _, count = verify_chain(records, ENCODE)
    assert broken is not None
    assert (broken.offset, broken.kind) == (victim, BreakKind.MODIFIED)
    assert count == victim


def test_a_deleted_record_is_found_where_the_gap_is() -> None:
    records = chain(20)
    del records[5]
    broken, _, _ = verify_chain(records, ENCODE)
    assert broken is not None
    assert (broken.offset, broken.kind) == (6, BreakKind.BROKEN_LINK)


def test_swapped_records_are_found() -> None:
    records = chain(20)
    (a, first), (b, second) = records[3], records[4]
    records[3], records[4] = (a, second), (b, first)
    broken, _, _ = verify_chain(records, ENCODE)
    assert broken is not None
    assert (broken.offset, broken.kind) == (3, BreakKind.BROKEN_LINK)


def test_a_forged_insertion_is_found() -> None:
    records = chain(20)
    forged, _ = link(audit_decision(random.Random(99)), ChainHead(), ENCODE)
    records.insert(10, (10, forged))
    broken, _, _ = verify_chain(records, ENCODE)
    assert broken is not None
    assert broken.offset == 10
    assert broken.kind is BreakKind.BROKEN_LINK


def test_a_forger_who_recomputes_hashes_still_breaks_the_next_link() -> None:
    records = chain(20)
    offset, decision = records[8]
    previous = records[7][1]
    changed, _ = link(
        {**decision, "recipient_id": "forsakring-alfa"},
        ChainHead(previous["hash"], decision["sequence"]),
        ENCODE,
    )
    records[8] = (offset, changed)
    broken, _, _ = verify_chain(records, ENCODE)
    assert broken is not None
    assert (broken.offset, broken.kind) == (9, BreakKind.BROKEN_LINK)
