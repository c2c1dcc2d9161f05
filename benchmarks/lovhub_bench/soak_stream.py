"""The soak's agency stream: fresh jobseekers without end, generated as they are sent.

A soak runs for many minutes at a steady rate, so its stream cannot be generated and held
beforehand as the suite's streams are (30 minutes at 500 events/s is 900k records). Here
jobseekers come in chunks: chunk ``n`` is :func:`lovhub.synthetic.agency_inputs` for the
next ``chunk`` jobseekers (their own numbers, seed ``seed + n``), every jobseeker's history
in its natural order and the chunk's jobseekers interleaved as the agency's systems emit them;
each input is encoded only when the producer asks for it. The harness holds one chunk's
generators at a time, so its memory stays the same however long the soak runs.

Records are encoded and keyed as :func:`lovhub.synthetic.generate_scenario` does (an event
Avro-encoded and keyed by its jobseeker id, ``garbage`` as 40 random bytes); that loop is
repeated here rather than changed in the lovhub package, whose sources the compiled hot
path's build digest covers.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.synthetic import World, agency_inputs

__all__ = ["SoakRecord", "SoakStream"]


@dataclass(frozen=True)
class SoakRecord:
    key: bytes
    value: bytes
    event_id: str | None  # None for an invalid input: no recipient ever gets it


class SoakStream:
    """An endless iterator of :class:`SoakRecord`; counts what it has handed out."""

    def __init__(
        self, world: World, *, seed: int, chunk: int = 1000, invalid_rate: float = 0.03
    ) -> None:
        if chunk < 1:
            raise ValueError("a chunk holds at least one jobseeker")
        self.world, self.seed, self.chunk, self.invalid_rate = world, seed, chunk, invalid_rate
        self.jobseekers = 0  # jobseekers whose histories have begun (whole chunks)
        self.records = 0
        self.invalid = 0
        self.value_bytes = 0
        self._records = self._generate()

    def __iter__(self) -> Iterator[SoakRecord]:
        return self

    def __next__(self) -> SoakRecord:
        record = next(self._records)
        self.records += 1
        self.value_bytes += len(record.value)
        if record.event_id is None:
            self.invalid += 1
        return record

    def _generate(self) -> Iterator[SoakRecord]:
        codec = codec_for(None)
        for number in itertools.count():
            self.jobseekers += self.chunk
            noise = random.Random(f"garbage-{self.seed + number}")  # noqa: S311 - synthetic
            inputs = agency_inputs(
                self.world.recipients,
                jobseekers=self.chunk,
                seed=self.seed + number,
                invalid_rate=self.invalid_rate,
                first_number=1 + number * self.chunk,
            )
            for item in inputs:
                if item.event is None:
                    yield SoakRecord(item.key or b"", noise.randbytes(40), None)
                    continue
                key = item.key or str(item.event["jobseeker_id"]).encode()
                value = codec.encode(JOBSEEKER_EVENT, item.event)
                valid = item.invalid_kind is None
                yield SoakRecord(key, value, str(item.event["event_id"]) if valid else None)

    def describe(self) -> dict[str, float]:
        return {
            "jobseekers": self.jobseekers,
            "events": self.records,
            "invalid_records": self.invalid,
            "mean_value_bytes": round(self.value_bytes / max(1, self.records), 1),
            "jobseekers_per_chunk": self.chunk,
        }
