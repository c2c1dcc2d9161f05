"""One batch's decisions, split by source partition: each partition's share is written in
one Kafka transaction (lovhub.worker.transactions), all of it or none of it.

A partition's share holds what the pipeline decided for its records, the states those
decisions changed, and the input offset to commit with them. Its deliveries' places are
known only once the broker has acknowledged them inside the transaction; the audit
decisions, which carry those places, are chained and written after that, in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aiokafka.errors import TopicAuthorizationFailedError

from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, OutboundRecord

__all__ = ["BatchWork", "PartitionWork", "Place", "WriteFailed"]

Place = tuple[str, int, int]  # topic, partition, offset


class WriteFailed(Exception):
    """A partition's transaction did not commit; its share must be held and retried."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(f"{stage}: {type(cause).__name__}")
        self.stage = stage
        self.cause_name = type(cause).__name__
        self.topics = refused_topics(cause)

    def what_failed(self) -> str:
        """How ``lovhub health`` names the failure, after "fail closed: "."""
        where = f": {', '.join(self.topics)}" if self.topics else ""
        return f"cannot write {self.stage} ({self.cause_name}{where})"


def refused_topics(cause: BaseException) -> tuple[str, ...]:
    """The topics a client error names: aiokafka refuses a topic without write access
    with its name (one, or the set a transaction could not add). Topic names are never
    personal data; a recipient's topic names the recipient."""
    if not isinstance(cause, TopicAuthorizationFailedError) or not cause.args:
        return ()
    named = cause.args[0]
    if isinstance(named, str):
        return (named,)
    if isinstance(named, set | frozenset | list | tuple):
        return tuple(sorted(str(topic) for topic in named))
    return ()


@dataclass
class PartitionWork:
    """What the pipeline decided for one source partition's records in a batch."""

    partition: int
    commit: int | None = None  # the next source offset to commit; None: nothing decided
    results: list[EventResult] = field(default_factory=list)
    states: dict[bytes, JobseekerState] = field(default_factory=dict)
    # event id -> digest, for event ids decided for the first time in this batch
    event_ids: dict[str, bytes] = field(default_factory=dict)
    # The changelog form of each changed state, sealed once: the changelog and the local
    # store get the same bytes, and a retried transaction does not seal again.
    encoded: dict[bytes, bytes] = field(default_factory=dict)
    committed: bool = False

    def encoded_states(
        self, encode: Callable[[bytes, JobseekerState], bytes]
    ) -> dict[bytes, bytes]:
        for key, state in self.states.items():
            if key not in self.encoded:
                self.encoded[key] = encode(key, state)
        return self.encoded

    def outputs(self) -> Iterator[tuple[int, OutboundRecord]]:
        """Every delivery and dead letter, in decision order, with its result's index."""
        for index, result in enumerate(self.results):
            for record in (*result.deliveries, *result.dead_letters):
                yield index, record


@dataclass
class BatchWork:
    """A batch's shares, by source partition."""

    parts: dict[int, PartitionWork] = field(default_factory=dict)

    def part(self, partition: int) -> PartitionWork:
        return self.parts.setdefault(partition, PartitionWork(partition))

    def to_write(self) -> list[PartitionWork]:
        """Shares with decisions that are not committed yet."""
        return [p for p in self.parts.values() if p.commit is not None and not p.committed]

    def committed_results(self) -> list[EventResult]:
        return [r for p in self.parts.values() if p.committed for r in p.results]

    def drop(self, partition: int) -> None:
        """Forget a share: the partition is no longer this worker's to write, or must be
        decided again from its committed state (its records come again from the commit)."""
        self.parts.pop(partition, None)
