"""Resuming a chain: only a tail that extends the last signed checkpoint is accepted."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.audit import ChainHead, link
from lovhub.audit.resume import ResumeRefused, resume_head
from lovhub.codec.examples import audit_decision
from tests.unit.audit.chains import (
    ENCODE,
    ENCODE_CHECKPOINT,
    FORGER_KEY,
    HUB_KEY,
    TOPIC,
    chain,
    checkpoint_at,
)

Records = list[tuple[int, dict[str, Any]]]


def resume(checkpoint: dict[str, Any] | None, records: Records) -> ChainHead:
    return resume_head(
        topic=TOPIC,
        partition=0,
        checkpoint=checkpoint,
        records=records,
        keys=HUB_KEY.verifying_keys(),
        checkpoint_encode=ENCODE_CHECKPOINT,
        record_encode=ENCODE,
    )


def forged_tail(records: Records, after: int, length: int, seed: int) -> Records:
    """Well-linked records a forger appends after ``after`` (re-linking from there)."""
    rng = random.Random(seed)
    decision = records[after][1]
    head = ChainHead(bytes(decision["hash"]), int(decision["sequence"]) + 1)
    forged = []
    for offset in range(after + 1, after + 1 + length):
        record, head = link(audit_decision(rng), head, ENCODE)
        forged.append((offset, record))
    return records[: after + 1] + forged


@given(length=st.integers(1, 12), at=st.integers(0, 11), seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None)
def test_an_honest_extension_is_accepted(length: int, at: int, seed: int) -> None:
    records = chain(length, seed)
    at = min(at, length - 1)
    head = resume(checkpoint_at(records, at), records[at:])
    last = records[-1][1]
    assert head == ChainHead(bytes(last["hash"]), length)


@given(
    length=st.integers(2, 10),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=100, deadline=None)
def test_any_modified_record_after_the_checkpoint_is_refused(
    length: int, data: st.DataObject, seed: int
) -> None:
    records = chain(length, seed)
    at = data.draw(st.integers(0, length - 2))
    victim = data.draw(st.integers(at, length - 1))
    field = data.draw(
        st.sampled_from(
            ["hash", "prev_hash", "sequence", "policy_version", "recipient_id", "event_id"]
        )
    )
    decision = dict(records[victim][1])
    if field == "sequence":
        decision[field] = int(decision[field]) + data.draw(st.integers(1, 5))
    elif field in ("hash", "prev_hash"):
        decision[field] = bytes(b ^ 0xFF for b in decision[field])
    else:
        decision[field] = str(decision[field]) + "x"
    tampered = list(records)
    tampered[victim] = (victim, decision)
    with pytest.raises(ResumeRefused):
        resume(checkpoint_at(records, at), tampered[at:])


@given(
    length=st.integers(2, 10),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=60, deadline=None)
def test_a_deleted_or_reordered_record_after_the_checkpoint_is_refused(
    length: int, data: st.DataObject, seed: int
) -> None:
    records = chain(length, seed)
    at = data.draw(st.integers(0, length - 2))
    victim = data.draw(st.integers(at + 1, length - 1))
    # Deleting the very last record leaves an honest, shorter tail: not a break.
    if victim < length - 1 and (data.draw(st.booleans()) or victim == at + 1):
        tampered = records[:victim] + records[victim + 1 :]
    else:
        tampered = list(records)
        tampered[victim - 1], tampered[victim] = tampered[victim], tampered[victim - 1]
    with pytest.raises(ResumeRefused):
        resume(checkpoint_at(records, at), tampered[at:])


def test_a_forged_well_linked_tail_before_the_checkpoint_is_refused() -> None:
    """The forger rewrites history after record 2; the checkpoint at 5 no longer holds."""
    records = chain(8)
    forged = forged_tail(records, 2, 6, seed=99)
    with pytest.raises(ResumeRefused, match="not the one the checkpoint signed"):
        resume(checkpoint_at(records, 5), forged[5:])


def test_a_well_linked_tail_after_the_checkpoint_extends_it() -> None:
    """Appending after the checkpoint is what a writer itself does: it is accepted."""
    records = chain(4)
    extended = forged_tail(records, 3, 3, seed=7)
    assert resume(checkpoint_at(records, 3), extended[3:]).sequence == 7


def test_a_log_shorter_than_the_checkpoint_is_refused() -> None:
    records = chain(6)
    with pytest.raises(ResumeRefused, match="ends before"):
        resume(checkpoint_at(records, 5), [])
    with pytest.raises(ResumeRefused, match="ends before"):
        resume(checkpoint_at(records, 5), records[3:5])


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    records = chain(4)
    with pytest.raises(ResumeRefused, match="not signed"):
        resume(checkpoint_at(records, 3, key=FORGER_KEY), records[3:])
    forged = {**checkpoint_at(records, 3), "count": 9}
    with pytest.raises(ResumeRefused, match="not signed"):
        resume(forged, records[3:])


def test_a_checkpoint_of_another_chain_is_refused() -> None:
    records = chain(4)
    other = {**checkpoint_at(records, 3), "partition": 1}
    with pytest.raises(ResumeRefused, match="another chain"):
        resume(other, records[3:])


def test_without_a_checkpoint_the_chain_must_link_from_genesis() -> None:
    records = chain(5)
    assert resume(None, records).sequence == 5
    assert resume(None, []) == ChainHead()
    with pytest.raises(ResumeRefused):
        resume(None, records[1:])
