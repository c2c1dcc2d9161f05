"""`lovhub audit reconcile --replay`: what the hub should have decided, from a fresh replay
of the agency topic, compared decision id by decision id with what it wrote.

Counting inputs per event id cannot see a decision missing for one of several recipients,
nor a decision whose outcome changed. The replay can: it runs the hub's own pipeline, with
the deployment's policy, recipients and secrets, over every agency record in log order (each
partition on its own, as the hub decides it), and every decision id it makes must be written
with the same outcome, reason and recipient.

Limits, by construction: the replay decides with today's policy and recipients. A decision
written under another policy version is counted apart, not compared; a registry change since
a decision (a suspension, a new recipient) shows as a difference, which the operator reads
against the registry's change chain. Decisions written by other writers (re-delivery, the
report processor) carry no agency decision id and are not compared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, SourcePosition

__all__ = ["AgencyRecord", "Decided", "ReplayFindings", "compare", "replay"]


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    ingest_time: Any  # what SourcePosition carries (lovhub.pipeline.ingest_time)


@dataclass(frozen=True, slots=True)
class Decided:
    outcome: str
    reason: str | None
    recipient: str | None
    policy_version: str | None


class Deciding(Protocol):
    def process(
        self,
        value: bytes | None,
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
        *,
        seen_event: Callable[[str], bytes | None] | None = None,
    ) -> EventResult: ...


def replay(pipeline: Deciding, records: Iterable[AgencyRecord]) -> dict[str, Decided]:
    """Every decision ``pipeline`` makes over ``records``, by decision id. Records must come
    in offset order within each partition (partitions may follow one another)."""
    states: dict[tuple[int, bytes], JobseekerState] = {}
    event_ids: dict[tuple[int, str], bytes] = {}
    decided: dict[str, Decided] = {}
    for record in records:
        key = (record.partition, record.key or b"")

        def seen(event_id: str, partition: int = record.partition) -> bytes | None:
            return event_ids.get((partition, event_id))

        result = pipeline.process(
            record.value,
            record.key,
            SourcePosition(record.topic, record.partition, record.offset, record.ingest_time),
            states.get(key, JobseekerState()),
            seen_event=seen,
        )
        if result.state is not None:
            states[key] = result.state
        if result.new_event_id is not None:
            event_ids[(record.partition, result.new_event_id[0])] = result.new_event_id[1]
        for pending in result.audits:
            d = pending.decision
            decided[d["decision_id"]] = Decided(
                d["outcome"], d.get("reason_code"), d.get("recipient_id"), d.get("policy_version")
            )
    return decided


@dataclass
class ReplayFindings:
    expected: int = 0
    compared: int = 0
    missing: list[str] = field(default_factory=list)  # expected, never written
    altered: list[str] = field(default_factory=list)  # written otherwise, same policy version
    other_policy: list[str] = field(default_factory=list)  # written under another version
    unexpected: list[str] = field(
        default_factory=list
    )  # written for an agency event, never expected

    @property
    def clean(self) -> bool:
        return not (self.missing or self.altered or self.unexpected)


def compare(
    expected: Mapping[str, Decided], written: Iterable[tuple[str, Decided, bool]]
) -> ReplayFindings:
    """``written``: (decision id, what it says, whether it answers an agency event as the
    hub worker decides them). Each id is compared once (its first record: a repeated
    write with another outcome is the ledger's contradiction check)."""
    findings = ReplayFindings(expected=len(expected))
    seen: set[str] = set()
    for decision_id, decided, from_agency_event in written:
        if decision_id in seen:
            continue
        seen.add(decision_id)
        wanted = expected.get(decision_id)
        if wanted is None:
            if from_agency_event:
                findings.unexpected.append(decision_id)
            continue
        if decided.policy_version != wanted.policy_version:
            findings.other_policy.append(decision_id)
            continue
        findings.compared += 1
        if decided != wanted:
            findings.altered.append(decision_id)
    findings.missing = [i for i in expected if i not in seen]
    return findings
