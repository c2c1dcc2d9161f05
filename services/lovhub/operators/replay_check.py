"""`lovhub audit reconcile --replay`: what the hub should have decided, from a fresh replay
of the agency topic, compared decision id by decision id with what it wrote.

Counting inputs per event id cannot see a decision missing for one of several recipients,
nor a decision whose outcome changed (a paused old worker that resumed and wrote what it had
decided on stale state). The replay can: it runs the hub's own pipeline, with the
deployment's policy, recipients and pseudonym secret, over every agency record in offset
order within each partition, with state per (partition, key) and the event-id index per
partition as the hub worker keeps them. Every decision id it makes must be written, and
every write of a decision id the hub worker makes must say what the replay says: outcome,
reason, recipient, delivery id, what was shared (purposes, legal basis, consent, fields),
and whom and what it is about (event, audit pseudonym, dead letter). Every record on a
recipient topic must carry a delivery id the replay delivers (or a re-delivery's).

Limits, by construction: the replay decides with today's policy, recipients and keys. A
decision written under another policy version is counted apart, not compared; a registry
change since a decision (a suspension, a new recipient, a key that expired) shows as a
difference, which the operator reads against the registry's change chain. Decisions written
by the other writers (re-deliveries, the report processor) are not the hub worker's and are
not compared. The agency topic must still hold every jobseeker's history from its start.

Pure: the CLI reads the topics into these small records. Nothing here holds or returns
personal data in clear: decision ids, delivery ids, reason codes, recipient ids and places;
a decision's audit pseudonym is compared, never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, Protocol

from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, SourcePosition
from lovhub.core.reasons import Outcome, Reason
from lovhub.operators.decisions import Place
from lovhub.operators.ledger import RecipientRecordRef
from lovhub.pipeline.hold import InputHeld

__all__ = [
    "PROVIDER_REPORT_EVENT",
    "AgencyRecord",
    "Altered",
    "Decided",
    "Deciding",
    "DeliveredAgainst",
    "Held",
    "ReplayFindings",
    "Replayed",
    "Writer",
    "Written",
    "compare",
    "replay",
]

#: The event type the report processor's decisions carry (lovhub.reports.core).
PROVIDER_REPORT_EVENT = "PROVIDER_REPORT"


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    """One record of the agency topic, as read."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    #: The record's broker timestamp when trusted (lovhub.pipeline.ingest_time), else None.
    ingested_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Decided:
    """What a decision says, as far as a replay can say it again.

    Left out: when it was decided, its sequence and chain fields, where its delivery landed
    (the ledger checks that), and the recipient's key id (a replay picks today's key)."""

    outcome: str
    reason: str | None
    recipient: str | None
    policy_version: str | None
    delivery_id: str | None = None
    event_id: str | None = None
    event_type: str | None = None
    purposes: tuple[str, ...] = ()
    legal_basis: str | None = None
    consent_id: str | None = None
    delivered_fields: tuple[str, ...] = ()
    dead_letter_id: str | None = None
    #: Whom the decision is about: compared, never shown (repr, output).
    audit_pseudonym: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, decision: Mapping[str, Any]) -> Decided:
        """From an AuditDecision record (decoded, or as the pipeline builds it)."""
        return cls(
            outcome=str(decision["outcome"]),
            reason=decision.get("reason_code"),
            recipient=decision.get("recipient_id"),
            policy_version=decision.get("policy_version"),
            delivery_id=decision.get("delivery_id"),
            event_id=decision.get("event_id"),
            event_type=decision.get("event_type"),
            purposes=tuple(decision.get("purposes") or ()),
            legal_basis=_text(decision.get("legal_basis")),
            consent_id=decision.get("consent_id"),
            delivered_fields=tuple(decision.get("delivered_fields") or ()),
            dead_letter_id=decision.get("dead_letter_id"),
            audit_pseudonym=decision.get("jobseeker_audit_pseudonym"),
        )

    def differences(self, other: Decided) -> tuple[str, ...]:
        """The names of the fields in which ``other`` says something else."""
        return tuple(
            f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)
        )

    def verdict(self) -> str:
        """Outcome and reason, e.g. 'WITHHELD NOT_ASSIGNED' (codes only)."""
        return self.outcome if self.reason is None else f"{self.outcome} {self.reason}"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class Writer(StrEnum):
    """Who wrote a decision: only the hub worker's decisions answer the agency topic."""

    HUB = "hub"
    REDELIVERY = "redelivery"
    REPORTS = "reports"


@dataclass(frozen=True, slots=True)
class Written:
    """One decision record read from an audit topic."""

    place: Place
    decision_id: str
    decided: Decided
    writer: Writer = Writer.HUB

    @classmethod
    def of(cls, place: Place, decision: Mapping[str, Any]) -> Written:
        """A re-delivery says so (``redelivery``); the report processor's decisions are about
        provider reports (event type PROVIDER_REPORT); every other decision is the hub
        worker's, and the replay must make it."""
        if decision.get("redelivery"):
            writer = Writer.REDELIVERY
        elif decision.get("event_type") == PROVIDER_REPORT_EVENT:
            writer = Writer.REPORTS
        else:
            writer = Writer.HUB
        return cls(place, str(decision["decision_id"]), Decided.of(decision), writer)


@dataclass(frozen=True, slots=True)
class Held:
    """A record the pipeline could not decide yet (InputHeld): the hub holds its partition
    there, and so does the replay."""

    place: Place
    reason: str


@dataclass
class Replayed:
    """What the replay decided: every version of each decision id, in log order (the hub
    writes one id more than once only for invalid input sharing an event id), and where it
    had to stop."""

    decisions: dict[str, tuple[Decided, ...]] = field(default_factory=dict)
    held: list[Held] = field(default_factory=list)


class Deciding(Protocol):
    """The pipeline's one method the replay uses (lovhub.pipeline.HubPipeline)."""

    def process(
        self,
        value: bytes | None,
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
        *,
        seen_event: Callable[[str], bytes | None] | None = None,
    ) -> EventResult: ...


def replay(pipeline: Deciding, records: Iterable[AgencyRecord]) -> Replayed:
    """Every decision ``pipeline`` makes over ``records``, by decision id, deciding as the
    hub worker does: each partition in offset order (partitions may follow one another or
    interleave), a jobseeker's state per (partition, key), the index of decided event ids
    per partition. A held record stops its partition (nothing after it is decided).
    ``ValueError`` if a partition's offsets do not increase."""
    states: dict[tuple[str, int, bytes], JobseekerState] = {}
    event_ids: dict[tuple[str, int, str], bytes] = {}
    last_offset: dict[tuple[str, int], int] = {}
    stopped: set[tuple[str, int]] = set()
    replayed = Replayed()
    for record in records:
        partition = (record.topic, record.partition)
        previous = last_offset.get(partition)
        if previous is not None and record.offset <= previous:
            raise ValueError(
                f"{record.topic}:{record.partition}: offset {record.offset} after {previous}: "
                "a replay needs each partition in offset order"
            )
        last_offset[partition] = record.offset
        if partition in stopped:
            continue
        key = (record.topic, record.partition, record.key or b"")

        def seen(event_id: str, partition: tuple[str, int] = partition) -> bytes | None:
            return event_ids.get((*partition, event_id))

        try:
            result = pipeline.process(
                record.value,
                record.key,
                SourcePosition(record.topic, record.partition, record.offset, record.ingested_at),
                states.get(key, JobseekerState()),
                seen_event=seen,
            )
        except InputHeld as held:
            stopped.add(partition)
            replayed.held.append(Held(Place(*partition, record.offset), held.reason))
            continue
        if result.state is not None:
            states[key] = result.state
        if result.new_event_id is not None:
            event_id, digest = result.new_event_id
            event_ids[(*partition, event_id)] = digest
        for pending in result.audits:
            decided = Decided.of(pending.decision)
            ident = str(pending.decision["decision_id"])
            versions = replayed.decisions.get(ident, ())
            if decided not in versions:
                replayed.decisions[ident] = (*versions, decided)
    return replayed


@dataclass(frozen=True, slots=True)
class Altered:
    """A decision id written otherwise than the replay decides it."""

    decision_id: str
    place: Place  # the first write that differs
    expected: Decided
    written: Decided
    writes: int  # how many times the id is written (under today's policy version)
    differing: int  # how many of those writes differ from the replay

    @property
    def what_differs(self) -> tuple[str, ...]:
        return self.expected.differences(self.written)


@dataclass(frozen=True, slots=True)
class DeliveredAgainst:
    """A record on a recipient topic whose delivery id the replay never delivers."""

    place: Place
    delivery_id: str
    decision_id: str | None  # the hub decision that claims it, if any


@dataclass
class ReplayFindings:
    expected: int = 0  # decision ids the replay makes
    compared: int = 0  # of those, written under today's policy version and compared
    repeated: int = 0  # extra writes of a compared id (a crash's duplicates, or worse)
    missing: list[str] = field(default_factory=list)  # made by the replay, never written
    altered: list[Altered] = field(default_factory=list)
    unexpected: list[Written] = field(default_factory=list)  # hub writes the replay never makes
    other_policy: list[str] = field(default_factory=list)  # ids written under another version
    delivered_against: list[DeliveredAgainst] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)  # where the replay had to stop
    # Withheld RECIPIENT_UNAVAILABLE where the replay delivers (the recipient's topic refused
    # the hub's writes): owed to it by an operator's re-delivery, neither lost nor altered.
    awaiting_redelivery: list[Written] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.missing or self.altered or self.unexpected or self.delivered_against or self.held
        )


def compare(
    replayed: Replayed,
    written: Iterable[Written],
    *,
    policy_version: str,
    deliveries: Iterable[RecipientRecordRef] = (),
) -> ReplayFindings:
    """Hold what was written against ``replayed`` (decided under ``policy_version``).

    - *missing*: an id the replay makes that no decision record carries;
    - *altered*: an id of which some write says something the replay does not (every write
      is compared, so a stale write is found before or after a good one);
    - *unexpected*: a hub worker's decision id the replay never makes;
    - *other policy*: ids written under another policy version: counted, not compared;
    - *delivered against the replay*: a recipient record whose delivery id is neither one
      the replay delivers, nor a re-delivery's, nor one decided under another policy version.
    Re-deliveries and the report processor's decisions are not compared."""
    findings = ReplayFindings(expected=len(replayed.decisions), held=list(replayed.held))
    by_id: dict[str, list[Written]] = {}
    other_ids: dict[str, None] = {}
    excused_deliveries: set[str] = set()  # re-deliveries', and another policy version's
    claimed_by: dict[str, str] = {}
    for write in written:
        decided = write.decided
        if write.writer is not Writer.HUB:
            if write.writer is Writer.REDELIVERY and decided.delivery_id is not None:
                excused_deliveries.add(decided.delivery_id)
            continue
        if decided.delivery_id is not None:
            claimed_by.setdefault(decided.delivery_id, write.decision_id)
        if decided.policy_version is not None and decided.policy_version != policy_version:
            other_ids.setdefault(write.decision_id)
            if decided.delivery_id is not None:
                excused_deliveries.add(decided.delivery_id)
            continue
        by_id.setdefault(write.decision_id, []).append(write)

    for decision_id, writes in by_id.items():
        wanted = replayed.decisions.get(decision_id)
        if wanted is None:
            findings.unexpected.extend(writes)
            continue
        findings.compared += 1
        findings.repeated += len(writes) - 1
        wrong = [w for w in writes if w.decided not in wanted]
        owed = [w for w in wrong if _owed_to(wanted, w.decided)]
        findings.awaiting_redelivery.extend(owed)
        wrong = [w for w in wrong if w not in owed]
        if wrong:
            first = wrong[0]
            findings.altered.append(
                Altered(
                    decision_id,
                    first.place,
                    _closest(wanted, first.decided),
                    first.decided,
                    writes=len(writes),
                    differing=len(wrong),
                )
            )
    findings.other_policy = list(other_ids)
    findings.missing = [i for i in replayed.decisions if i not in by_id and i not in other_ids]

    delivered = {
        d.delivery_id
        for versions in replayed.decisions.values()
        for d in versions
        if d.outcome == Outcome.DELIVERED and d.delivery_id is not None
    }
    for record in deliveries:
        if record.delivery_id is None:
            continue  # unreadable: the ledger names it
        if record.delivery_id in delivered or record.delivery_id in excused_deliveries:
            continue
        findings.delivered_against.append(
            DeliveredAgainst(record.place, record.delivery_id, claimed_by.get(record.delivery_id))
        )
    return findings


def _owed_to(wanted: tuple[Decided, ...], written: Decided) -> bool:
    """Whether ``written`` is a delivery the replay makes, withheld only because the
    recipient's topic refused the hub's writes (same purposes, basis and consent)."""
    return written.reason == Reason.RECIPIENT_UNAVAILABLE and any(
        version.outcome == Outcome.DELIVERED
        and replace(
            version,
            outcome=Outcome.WITHHELD.value,
            reason=Reason.RECIPIENT_UNAVAILABLE.value,
            delivery_id=None,
            delivered_fields=(),
        )
        == written
        for version in wanted
    )


def _closest(wanted: tuple[Decided, ...], written: Decided) -> Decided:
    """The replay's version of the id that differs from ``written`` in the fewest fields."""
    return min(wanted, key=lambda version: len(version.differences(written)))
