"""The benchmark workload: a synthetic world and pre-encoded agency streams.

Everything is generated and Avro-encoded before any timing starts. Each stream holds the
complete histories of its own jobseekers (registrations, assessments, assignments, plan
changes, consents and withdrawals, special-category data, protected identities, and a few
percent invalid records), interleaved as the agency's systems would emit them; streams never
share a jobseeker, so one benchmark's state cannot help another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lovhub.codec import codec_for
from lovhub.synthetic import World, build_world, generate_scenario

__all__ = ["EventStream", "Workload", "build_workload"]

Record = tuple[bytes | None, bytes]


@dataclass(frozen=True)
class EventStream:
    """Records ready to produce, and the event id of each valid one (the hub hands each
    recipient its own reference of it: ``World.pseudonymiser().event_reference``)."""

    name: str
    jobseekers: int
    records: list[Record]
    event_ids: list[str | None]  # None for the invalid records
    invalid: int

    @property
    def mean_value_bytes(self) -> float:
        return sum(len(value) for _, value in self.records) / max(1, len(self.records))

    def describe(self) -> dict[str, Any]:
        return {
            "jobseekers": self.jobseekers,
            "events": len(self.records),
            "invalid_records": self.invalid,
            "mean_value_bytes": round(self.mean_value_bytes, 1),
        }


@dataclass
class Workload:
    world: World
    streams: dict[str, EventStream] = field(default_factory=dict)

    def stream(self, name: str) -> EventStream:
        return self.streams[name]

    def describe(self) -> dict[str, Any]:
        recipients = self.world.recipients
        return {
            "recipients": len(recipients),
            "providers": len(recipients.providers()),
            "third_parties": len(recipients.third_parties()),
            "streams": {name: s.describe() for name, s in self.streams.items()},
            "jobseekers_in_streams": sum(s.jobseekers for s in self.streams.values()),
        }


def build_workload(
    *,
    streams: dict[str, int],
    extra_providers: int,
    extra_third_parties: int,
    seed: int,
    invalid_rate: float = 0.03,
) -> Workload:
    """A world with the extra recipients and one stream per ``name -> jobseekers``."""
    world = build_world(extra_providers=extra_providers, extra_third_parties=extra_third_parties)
    codec = codec_for(None)
    workload = Workload(world)
    first = 1
    for number, (name, jobseekers) in enumerate(streams.items()):
        scenario = generate_scenario(
            world,
            codec,
            jobseekers=jobseekers,
            seed=seed + number,
            invalid_rate=invalid_rate,
            first_number=first,
        )
        first += jobseekers
        workload.streams[name] = EventStream(
            name=name,
            jobseekers=jobseekers,
            records=scenario.records,
            event_ids=[
                None if event is None else str(event["event_id"]) for event in scenario.events
            ],
            invalid=sum(scenario.invalid.values()),
        )
    return workload
