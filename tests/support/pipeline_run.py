"""Running encoded agency records through a pipeline in order, each jobseeker's state
carried from one record to the next, as one partition's worker would."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, SourcePosition

__all__ = ["in_order"]


def in_order(
    pipeline: Any, records: Iterable[tuple[bytes | None, bytes]], topic: str = "agency"
) -> Iterator[tuple[int, EventResult]]:
    """(offset, result) for each record, as partition 0 of ``topic``."""
    states: dict[bytes, JobseekerState] = {}
    for offset, (key, value) in enumerate(records):
        result = pipeline.process(
            value, key, SourcePosition(topic, 0, offset), states.get(key or b"", JobseekerState())
        )
        if result.state is not None:
            states[key or b""] = result.state
        yield offset, result
