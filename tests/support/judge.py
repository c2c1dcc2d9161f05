"""The fault suite's judge: what a hub run wrote, compared decision by decision with a fresh
replay of the agency topic (issue 12, part 3).

Counts are not enough: a run can lose one recipient's decision for an event and still
balance per event. The judge replays the agency topic, as committed, through a fresh
pipeline in log order (each partition on its own, as the hub decides it) and compares every
decision id, its outcome, reason and recipient, and every delivery: present at the place its
audit decision records, carrying that decision's delivery id, and nothing delivered that the
replay withholds. It reads only what readers that read committed are given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lovhub.codec import AUDIT_DECISION, codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.pipeline.ingest_time import broker_ingest_time
from lovhub.settings import KafkaSettings
from lovhub.synthetic import World
from tests.support.hubrun import HubTopics, audit_chain_breaks, make_pipeline, read_all

__all__ = ["Verdict", "judge", "reference_decisions"]

Decided = tuple[str, str | None, str | None, str | None]  # outcome, reason, recipient, delivery


@dataclass
class Verdict:
    events: int = 0
    decisions: int = 0
    missing: list[str] = field(default_factory=list)  # expected decision ids not written
    altered: list[str] = field(default_factory=list)  # written with another outcome
    # Withheld RECIPIENT_UNAVAILABLE where the reference delivers (the recipient's topic
    # refused writes): owed to it by an operator's re-delivery, not lost and not altered.
    awaiting_redelivery: list[str] = field(default_factory=list)
    contradictory: list[str] = field(default_factory=list)  # written twice, differently
    unexpected: list[str] = field(default_factory=list)  # written, never expected
    deliveries_missing: list[str] = field(default_factory=list)  # not at their recorded place
    delivered_against_reference: list[str] = field(default_factory=list)
    chain_breaks: dict[int, Any] = field(default_factory=dict)
    duplicate_decisions: int = 0  # the same decision written again (same id, same outcome)
    duplicate_deliveries: int = 0
    # (outcome, reason, recipient) of each decision id written, counted once: for a check
    # against the independent reference model (tests.support.expected).
    outcomes: Counter[tuple[str, str | None, str | None]] = field(default_factory=Counter)

    @property
    def clean(self) -> bool:
        return not (
            self.missing
            or self.altered
            or self.contradictory
            or self.unexpected
            or self.deliveries_missing
            or self.delivered_against_reference
            or self.chain_breaks
        )

    def summary(self) -> str:
        return (
            f"{self.events} events, {self.decisions} decisions: {len(self.missing)} missing, "
            f"{len(self.altered)} altered, {len(self.awaiting_redelivery)} awaiting "
            f"re-delivery, {len(self.contradictory)} contradictory, "
            f"{len(self.unexpected)} unexpected, {len(self.deliveries_missing)} deliveries "
            f"missing, {len(self.delivered_against_reference)} delivered against the "
            f"reference, {len(self.chain_breaks)} chain breaks; duplicates: "
            f"{self.duplicate_decisions} decisions, {self.duplicate_deliveries} deliveries"
        )


def reference_decisions(
    world: World, topics: HubTopics, source_records: list[Any]
) -> dict[str, Decided]:
    """Every decision a fresh pipeline makes over the agency topic, by decision id."""
    pipeline = make_pipeline(world, topics)
    states: dict[tuple[int, bytes], JobseekerState] = {}
    event_ids: dict[tuple[int, str], bytes] = {}
    decided: dict[str, Decided] = {}
    for record in sorted(source_records, key=lambda r: (r.partition, r.offset)):
        key = (record.partition, record.key or b"")

        def seen(event_id: str, partition: int = record.partition) -> bytes | None:
            return event_ids.get((partition, event_id))

        result = pipeline.process(
            record.value,
            record.key,
            SourcePosition(
                topics.source,
                record.partition,
                record.offset,
                broker_ingest_time(record.timestamp, record.timestamp_type),
            ),
            states.get(key, JobseekerState()),
            seen_event=seen,
        )
        if result.state is not None:
            states[key] = result.state
        if result.new_event_id is not None:
            event_ids[(record.partition, result.new_event_id[0])] = result.new_event_id[1]
        for pending in result.audits:
            d = pending.decision
            decided[d["decision_id"]] = (
                d["outcome"],
                d["reason_code"],
                d["recipient_id"],
                d.get("delivery_id"),
            )
    return decided


def judge(
    settings: KafkaSettings,
    world: World,
    topics: HubTopics,
    *,
    redelivery_audit: str | None = None,
) -> Verdict:
    """``redelivery_audit``: an operator's re-delivery chain; its deliveries are checked at
    their recorded places like the hub's and are not counted against the reference (a
    re-delivery is decided under today's facts, not replayed here)."""
    source = read_all(settings, topics.source)
    expected = reference_decisions(world, topics, source)
    codec = codec_for(None)
    written = [codec.decode(r.value, AUDIT_DECISION) for r in read_all(settings, topics.audit)]
    verdict = Verdict(events=len(source), decisions=len(written))
    seen: dict[str, Decided] = {}
    for d in written:
        decided = (d["outcome"], d["reason_code"], d["recipient_id"], d.get("delivery_id"))
        earlier = seen.get(d["decision_id"])
        if earlier is None:
            seen[d["decision_id"]] = decided
        elif earlier == decided:
            verdict.duplicate_decisions += 1
        else:
            verdict.contradictory.append(d["decision_id"])
    for decision_id, decided in expected.items():
        actual = seen.get(decision_id)
        if actual is None:
            verdict.missing.append(decision_id)
        elif actual == ("WITHHELD", "RECIPIENT_UNAVAILABLE", decided[2], None) and (
            decided[0] == "DELIVERED"
        ):
            verdict.awaiting_redelivery.append(decision_id)
        elif actual != decided:
            verdict.altered.append(decision_id)
    verdict.unexpected = [i for i in seen if i not in expected]
    verdict.outcomes = Counter(decided[:3] for decided in seen.values())

    deliveries: dict[tuple[str, int, int], bytes] = {}
    for recipient in (*world.recipients.providers(), *world.recipients.third_parties()):
        for record in read_all(settings, topics.recipient(recipient)):
            deliveries[(record.topic, record.partition, record.offset)] = dict(record.headers)[
                "delivery_id"
            ]
    redelivered = (
        [codec.decode(r.value, AUDIT_DECISION) for r in read_all(settings, redelivery_audit)]
        if redelivery_audit
        else []
    )
    for d in (*written, *redelivered):
        if d["outcome"] != "DELIVERED":
            continue
        place = (d["delivery_topic"], d["delivery_partition"], d["delivery_offset"])
        if deliveries.get(place, b"").decode() != d["delivery_id"]:
            verdict.deliveries_missing.append(d["decision_id"])
    allowed = {e[3] for e in expected.values() if e[0] == "DELIVERED"} | {
        d["delivery_id"] for d in redelivered if d["outcome"] == "DELIVERED" and d["redelivery"]
    }
    counted = Counter(deliveries.values())
    verdict.delivered_against_reference = sorted(
        i.decode() for i in counted if i.decode() not in allowed
    )
    verdict.duplicate_deliveries = sum(n - 1 for n in counted.values())
    verdict.chain_breaks = audit_chain_breaks(settings, topics)
    return verdict
