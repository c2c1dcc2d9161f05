"""The recipient holds fold (issue 12, part 6): the last record per recipient decides, a
second hold keeps the first one's time (where re-delivery starts), and a record that does
not parse never lifts a hold."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from aiokafka.errors import KafkaConnectionError
from hypothesis import given
from hypothesis import strategies as st

from lovhub.kafka.unreadable import READ_FAILURES, UnreadableTopicError
from lovhub.worker import recipient_holds
from lovhub.worker.recipient_holds import HoldBook, RecipientHold, RecipientHolds, release_value

T0 = dt.datetime(2026, 12, 7, 21, 0, tzinfo=dt.UTC)


def _hold(recipient: str, minutes: int = 0) -> bytes:
    return RecipientHold(
        recipient, f"lov.provider.{recipient}.v1", T0 + dt.timedelta(minutes=minutes), "E"
    ).value()


def test_a_hold_then_its_release() -> None:
    book = HoldBook()
    assert book.apply(b"p1", _hold("p1"))
    assert book.ids() == {"p1"}
    assert book.held["p1"].topic == "lov.provider.p1.v1"
    assert book.apply(b"p1", release_value("p1", by="ops", at=T0))
    assert book.ids() == frozenset()


def test_a_second_hold_keeps_the_first_time() -> None:
    book = HoldBook()
    book.apply(b"p1", _hold("p1", minutes=0))
    assert not book.apply(b"p1", _hold("p1", minutes=5))
    assert book.held["p1"].since == T0


def test_a_tombstone_ends_a_hold() -> None:
    book = HoldBook()
    book.apply(b"p1", _hold("p1"))
    assert book.apply(b"p1", None)
    assert not book.held


def test_what_does_not_parse_changes_nothing() -> None:
    book = HoldBook()
    book.apply(b"p1", _hold("p1"))
    for garbage in (b"{", b"[]", json.dumps({"recipient_id": "p1"}).encode(), _hold("p2")):
        assert not book.apply(b"p1", garbage)  # p2's hold under p1's key: not p1's
    assert book.ids() == {"p1"}
    assert not book.apply(None, _hold("p3"))
    assert book.ids() == {"p1"}


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans(), st.integers(0, 60)),
        max_size=30,
    )
)
def test_the_book_is_the_last_word_per_recipient(operations: list[tuple[str, bool, int]]) -> None:
    book = HoldBook()
    for recipient, hold, minutes in operations:
        value = _hold(recipient, minutes) if hold else release_value(recipient, by="x", at=T0)
        book.apply(recipient.encode(), value)
    # The model: walk the operations, a hold starts a run unless one is running.
    expected: dict[str, int] = {}
    for recipient, hold, minutes in operations:
        if not hold:
            expected.pop(recipient, None)
        elif recipient not in expected:
            expected[recipient] = minutes
    assert {r: int((h.since - T0).total_seconds() // 60) for r, h in book.held.items()} == expected


class _FailingConsumer:
    """Starts, finds the topic, then cannot fetch (the holds topic's leader is away)."""

    def __init__(self, **_: object) -> None:
        self.stopped = False

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self.stopped = True

    async def topics(self) -> set[str]:
        return {"holds"}

    def assign(self, partitions: object) -> None:
        return None

    async def seek_to_beginning(self, *partitions: object) -> None:
        return None

    async def end_offsets(self, partitions: object) -> dict[object, int]:
        raise KafkaConnectionError("leader away")


def test_a_holds_topic_that_cannot_be_read_is_reported_as_unreadable_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker's loop holds on READ_FAILURES (it never crashes on them): a failing read
    of the holds topic must arrive as one, naming the holds topic."""
    monkeypatch.setattr(recipient_holds, "AIOKafkaConsumer", _FailingConsumer)
    holds = RecipientHolds({}, "holds")
    assert not asyncio.run(holds.poll())  # not started yet: nothing to follow
    with pytest.raises(READ_FAILURES) as raised:
        asyncio.run(holds.poll(to_end=True))
    assert isinstance(raised.value, UnreadableTopicError)
    assert raised.value.topic == "holds"
