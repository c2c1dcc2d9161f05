"""The verifier finds every kind of tampering with a chain or its checkpoints, at the right
offset and with the right kind; an untouched chain verifies clean."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lovhub.audit import ChainHead, link
from lovhub.audit.chain import BreakKind
from lovhub.audit.verify import (
    ChainStart,
    PartitionResult,
    start_for,
    valid_checkpoints,
    verify_partition,
)
from tests.unit.audit.chains import (
    ENCODE,
    ENCODE_CHECKPOINT,
    FORGER_KEY,
    HUB_KEY,
    TOPIC,
    chain,
    checkpoint_at,
    checkpoints_every,
    renumbered,
)

KEYS = HUB_KEY.verifying_keys()
Records = list[tuple[int, Any]]


def _verify(
    records: Records,
    checkpoints: list[tuple[int, dict[str, Any]]],
    *,
    start: ChainStart | None = None,
    stop: int | None = None,
) -> PartitionResult:
    return verify_partition(
        TOPIC,
        0,
        records,
        checkpoints,
        keys=KEYS,
        encode_record=ENCODE,
        encode_checkpoint=ENCODE_CHECKPOINT,
        start=start or ChainStart(),
        stop=stop,
    )


def _first(result: PartitionResult) -> tuple[int, BreakKind] | None:
    broken = result.first_break
    return None if broken is None else (broken.offset, broken.kind)


def test_untouched_chain_and_checkpoints_verify_clean() -> None:
    records = chain(30)
    result = _verify(records, checkpoints_every(records, 7))
    assert result.first_break is None
    assert (result.records, result.checkpoints) == (30, 4)


def test_an_unreadable_record_is_located() -> None:
    records: Records = chain(5)
    records[2] = (2, None)
    assert _first(_verify(records, [])) == (2, BreakKind.UNREADABLE)


def test_a_checkpoint_signed_by_another_key_is_forged() -> None:
    records = chain(10)
    checkpoints = [(0, checkpoint_at(records, 4)), (1, checkpoint_at(records, 7, FORGER_KEY))]
    result = _verify(records, checkpoints)
    assert _first(result) == (7, BreakKind.CHECKPOINT_FORGED)
    assert result.first_break is not None
    assert result.first_break.checkpoint_offset == 1
    assert "unknown signing key" in result.first_break.detail


def test_a_checkpoint_with_a_wrong_head_does_not_match() -> None:
    records = chain(10)
    wrong = {**checkpoint_at(records, 5), "chain_head": bytes(records[4][1]["hash"])}
    resigned = checkpoint_at(records, 5)
    resigned_wrong = {**resigned, "chain_head": wrong["chain_head"]}
    # Edited without the key: the signature breaks.
    assert _first(_verify(records, [(0, resigned_wrong)])) == (5, BreakKind.CHECKPOINT_FORGED)
    # Signed with the hub's key but stating another head (a hub bug or a stolen key).
    from lovhub.audit.checkpoints import build_checkpoint

    signed_wrong = build_checkpoint(
        audit_topic=TOPIC,
        partition=0,
        offset=5,
        head=ChainHead(bytes(records[4][1]["hash"]), 6),
        signed_at=resigned["signed_at"],
        key=HUB_KEY,
        encode=ENCODE_CHECKPOINT,
    )
    assert _first(_verify(records, [(0, signed_wrong)])) == (5, BreakKind.CHECKPOINT_MISMATCH)


def test_truncation_after_a_checkpoint_is_found_where_the_log_ends() -> None:
    records = chain(12)
    checkpoints = checkpoints_every(records, 4)  # offsets 3, 7, 11
    assert _first(_verify(records[:9], checkpoints)) == (9, BreakKind.TRUNCATED)
    assert _first(_verify(records[:8], checkpoints)) == (8, BreakKind.TRUNCATED)
    # Records after the last checkpoint can go unnoticed: the cadence bounds that window.
    assert _verify(records[:12], checkpoints[:2]).first_break is None


def test_a_range_starts_from_the_last_signed_checkpoint_before_it() -> None:
    records = chain(20)
    checkpoints = checkpoints_every(records, 5)  # offsets 4, 9, 14, 19
    start = start_for(12, valid_checkpoints(checkpoints, KEYS, ENCODE_CHECKPOINT))
    assert start.offset == 10
    assert start.head == ChainHead(bytes(records[9][1]["hash"]), 10)
    result = _verify(records[10:17], checkpoints, start=start, stop=17)
    assert result.first_break is None
    assert (result.records, result.checkpoints) == (7, 1)
    # A forged checkpoint is never a starting point.
    forged = [(9, checkpoint_at(records, 9, FORGER_KEY))]
    assert start_for(12, valid_checkpoints(forged, KEYS, ENCODE_CHECKPOINT)) == ChainStart()
    # A change before the range start goes unseen by the range, but not by a full run.
    tampered = [*records]
    tampered[2] = (2, {**records[2][1], "reason_code": "FORGED"})
    assert _verify(tampered[10:17], checkpoints, start=start, stop=17).first_break is None
    assert _first(_verify(tampered, checkpoints)) == (2, BreakKind.MODIFIED)


MUTATIONS = (
    "modify",
    "drop",
    "swap",
    "insert_unlinked",
    "insert_linked",
    "truncate",
    "forge_checkpoint",
    "edit_checkpoint",
)


@settings(max_examples=int(os.environ.get("LOVHUB_HYPOTHESIS_EXAMPLES", "150")), deadline=None)
@given(
    length=st.integers(2, 30),
    every=st.integers(1, 8),
    mutation=st.sampled_from(MUTATIONS),
    data=st.data(),
)
def test_one_random_mutation_is_found_at_the_right_place(
    length: int, every: int, mutation: str, data: st.DataObject
) -> None:
    """Reference model: where each kind of tampering must first show, given the
    checkpoints (every ``every`` records)."""
    original = chain(length, seed=length * 31 + every)
    checkpoints = checkpoints_every(original, every)
    covered = {int(cp["offset"]) for _, cp in checkpoints}
    decisions = [d for _, d in original]
    expected: tuple[int, BreakKind] | None
    if mutation == "modify":
        i = data.draw(st.integers(0, length - 1))
        field = data.draw(st.sampled_from(["decision_id", "recipient_id", "outcome", "sequence"]))
        changed = {
            "decision_id": "0" + str(decisions[i]["decision_id"])[1:]
            if not str(decisions[i]["decision_id"]).startswith("0")
            else "1" + str(decisions[i]["decision_id"])[1:],
            "recipient_id": str(decisions[i]["recipient_id"]) + "x",
            "outcome": "DELIVERED" if decisions[i]["outcome"] != "DELIVERED" else "WITHHELD",
            "sequence": decisions[i]["sequence"] + 1,
        }[field]
        decisions[i] = {**decisions[i], field: changed}
        expected = (i, BreakKind.MODIFIED)
    elif mutation == "drop":
        i = data.draw(st.integers(0, length - 1))
        del decisions[i]
        if i < length - 1:
            expected = (i, BreakKind.BROKEN_LINK)
        else:
            expected = (i, BreakKind.TRUNCATED) if i in covered else None
    elif mutation == "swap":
        i = data.draw(st.integers(0, length - 2))
        decisions[i], decisions[i + 1] = decisions[i + 1], decisions[i]
        expected = (i, BreakKind.BROKEN_LINK)
    elif mutation == "insert_unlinked":
        i = data.draw(st.integers(0, length))
        stray = ChainHead(data.draw(st.binary(min_size=32, max_size=32)), i)
        # A stray hash equal to the real head is an insert_linked case: tested there.
        assume(stray.hash != _head_before(decisions, i))
        forged, _ = link({**decisions[0], "reason_code": "FORGED"}, stray, ENCODE)
        decisions.insert(i, forged)
        expected = (i, BreakKind.BROKEN_LINK)
    elif mutation == "insert_linked":
        # The strongest forger: links onto the real head; only what follows can tell.
        i = data.draw(st.integers(0, length - 1))
        head = ChainHead(_head_before(decisions, i), i)
        forged, _ = link({**decisions[0], "reason_code": "FORGED"}, head, ENCODE)
        decisions.insert(i, forged)
        expected = (
            (i, BreakKind.CHECKPOINT_MISMATCH) if i in covered else (i + 1, BreakKind.BROKEN_LINK)
        )
    elif mutation == "truncate":
        keep = data.draw(st.integers(0, length - 1))
        del decisions[keep:]
        expected = (keep, BreakKind.TRUNCATED) if max(covered, default=-1) >= keep else None
    elif mutation == "forge_checkpoint":
        j = data.draw(st.integers(0, length - 1))
        checkpoints = [*checkpoints, (len(checkpoints), checkpoint_at(original, j, FORGER_KEY))]
        expected = (j, BreakKind.CHECKPOINT_FORGED)
    else:  # edit_checkpoint: a real checkpoint's head replaced, signature kept
        if not checkpoints:
            return
        k = data.draw(st.integers(0, len(checkpoints) - 1))
        position, cp = checkpoints[k]
        checkpoints[k] = (position, {**cp, "chain_head": bytes(32)})
        expected = (int(cp["offset"]), BreakKind.CHECKPOINT_FORGED)
    assert _first(_verify(renumbered(decisions), checkpoints)) == expected


def _head_before(decisions: list[dict[str, Any]], index: int) -> bytes:
    return bytes(32) if index == 0 else bytes(decisions[index - 1]["hash"])
