"""`audit reconcile --replay`'s pure half (lovhub.operators.replay_check), issue 12 part 4.

compare() is held against hand-made cases and, by hypothesis, against the fate each decision
id was given when the writes were built (the oracle is that construction, not a second
copy of compare's rules). replay() is held against a recording fake pipeline (order, state
per partition and key, event-id index per partition, held records) and, over a synthetic
stream through the real pipeline, against the fault suite's judge (tests.support.judge),
which does not import the module under test. Last, an in-process "bad run": decisions of
one partition written from stale state, with the discrepancies the oracle expects found
by a plain comparison of the decision records.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.codec import codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import EventResult, PendingAudit, SourcePosition
from lovhub.operators.decisions import Place
from lovhub.operators.ledger import RecipientRecordRef
from lovhub.operators.replay_check import (
    AgencyRecord,
    Decided,
    Held,
    Replayed,
    Writer,
    Written,
    compare,
    replay,
)
from lovhub.pipeline.hold import InputHeld
from lovhub.synthetic import World, build_world, generate_scenario
from tests.support.hubrun import HubTopics, make_pipeline
from tests.support.judge import reference_decisions

POLICY = "2026.1"


def withheld(recipient: str, reason: str = "NOT_ASSIGNED", **more: Any) -> Decided:
    return Decided("WITHHELD", reason, recipient, POLICY, **more)


def delivered(recipient: str, delivery_id: str, **more: Any) -> Decided:
    return Decided("DELIVERED", None, recipient, POLICY, delivery_id=delivery_id, **more)


def replayed(**decisions: Decided | tuple[Decided, ...]) -> Replayed:
    return Replayed(
        {k: v if isinstance(v, tuple) else (v,) for k, v in decisions.items()},
    )


class Audit:
    """Writes to an audit topic, each at the next offset."""

    def __init__(self) -> None:
        self.writes: list[Written] = []

    def write(self, decision_id: str, decided: Decided, writer: Writer = Writer.HUB) -> Place:
        place = Place("audit", 0, len(self.writes))
        self.writes.append(Written(place, decision_id, decided, writer))
        return place


def record(delivery_id: str | None, offset: int = 0) -> RecipientRecordRef:
    return RecipientRecordRef(Place("recipient", 0, offset), delivery_id)


# -- compare: hand-made cases --------------------------------------------------------------


def test_every_id_written_as_the_replay_decides_it_matches() -> None:
    expected = replayed(a=delivered("p1", "d-a"), b=withheld("p2"), c=withheld("t1", "NO_CONSENT"))
    audit = Audit()
    for ident, versions in expected.decisions.items():
        audit.write(ident, versions[0])
    found = compare(expected, audit.writes, policy_version=POLICY, deliveries=[record("d-a")])
    assert found.clean
    assert (found.expected, found.compared, found.repeated) == (3, 3, 0)
    assert (found.missing, found.altered, found.unexpected, found.other_policy) == ([], [], [], [])


def test_a_decision_missing_for_one_of_several_recipients_is_named() -> None:
    """Per event, the count of decisions still looks fine to a count; per id it does not."""
    expected = replayed(
        e1_p1=delivered("p1", "d1", event_id="e1"),
        e1_p2=withheld("p2", event_id="e1"),
        e1_t1=withheld("t1", "NO_CONSENT", event_id="e1"),
    )
    audit = Audit()
    audit.write("e1_p1", expected.decisions["e1_p1"][0])
    audit.write("e1_t1", expected.decisions["e1_t1"][0])
    found = compare(expected, audit.writes, policy_version=POLICY, deliveries=[record("d1")])
    assert found.missing == ["e1_p2"]
    assert not found.clean


def test_withheld_not_assigned_written_as_delivered_is_altered_and_its_delivery_named() -> None:
    expected = replayed(x=withheld("p1", event_id="e1", legal_basis="NONE"))
    forged = delivered(
        "p1", "d-x", event_id="e1", legal_basis="ASSIGNMENT", purposes=("lov.matching",)
    )
    audit = Audit()
    at = audit.write("x", forged)
    found = compare(
        expected, audit.writes, policy_version=POLICY, deliveries=[record("d-x", offset=7)]
    )
    assert [a.decision_id for a in found.altered] == ["x"]
    altered = found.altered[0]
    assert altered.place == at
    assert (altered.expected.verdict(), altered.written.verdict()) == (
        "WITHHELD NOT_ASSIGNED",
        "DELIVERED",
    )
    assert set(altered.what_differs) == {
        "outcome",
        "reason",
        "delivery_id",
        "legal_basis",
        "purposes",
    }
    assert [(d.place, d.delivery_id, d.decision_id) for d in found.delivered_against] == [
        (Place("recipient", 0, 7), "d-x", "x")
    ]
    assert not found.clean


@pytest.mark.parametrize("stale_first", [True, False])
def test_a_stale_write_beside_the_right_one_is_altered_whatever_the_order(
    stale_first: bool,
) -> None:
    right, stale = withheld("p1"), delivered("p1", "d-y")
    expected = replayed(y=right)
    audit = Audit()
    for decided in (stale, right) if stale_first else (right, stale):
        audit.write("y", decided)
    found = compare(expected, audit.writes, policy_version=POLICY)
    assert [(a.decision_id, a.writes, a.differing) for a in found.altered] == [("y", 2, 1)]
    assert found.altered[0].written == stale
    assert found.repeated == 1


def test_the_same_decision_written_twice_is_a_duplicate_not_a_difference() -> None:
    expected = replayed(z=delivered("p1", "d-z"))
    audit = Audit()
    audit.write("z", expected.decisions["z"][0])
    audit.write("z", expected.decisions["z"][0])
    found = compare(
        expected, audit.writes, policy_version=POLICY, deliveries=[record("d-z"), record("d-z", 1)]
    )
    assert found.clean
    assert (found.compared, found.repeated) == (1, 1)


def test_an_id_the_replay_decides_twice_may_be_written_either_way() -> None:
    """Two invalid records under one event id: one decision id, rejected for two reasons."""
    first = Decided("REJECTED", "INVALID_FIELD", None, None, dead_letter_id="dl-1")
    second = Decided("REJECTED", "MALFORMED", None, None, dead_letter_id="dl-2")
    expected = replayed(r=(first, second))
    audit = Audit()
    audit.write("r", second)
    audit.write("r", first)
    assert compare(expected, audit.writes, policy_version=POLICY).clean
    audit.write("r", replace(first, reason="BAD_PERSONAL_ID"))
    assert [a.decision_id for a in compare(expected, audit.writes, policy_version=POLICY).altered]


def test_a_hub_decision_the_replay_never_makes_is_unexpected() -> None:
    expected = replayed(a=withheld("p1"))
    audit = Audit()
    audit.write("a", withheld("p1"))
    at = audit.write("forged", withheld("p2"))
    found = compare(expected, audit.writes, policy_version=POLICY)
    assert [(w.decision_id, w.place) for w in found.unexpected] == [("forged", at)]
    assert not found.clean


def test_re_deliveries_and_report_decisions_are_not_compared() -> None:
    expected = replayed(a=delivered("p1", "d-a"))
    audit = Audit()
    audit.write("a", expected.decisions["a"][0])
    audit.write("redo-1", delivered("p1", "d-redo"), Writer.REDELIVERY)
    audit.write("a", withheld("p1", "CONSENT_WITHDRAWN"), Writer.REDELIVERY)
    audit.write("report-1", Decided("REJECTED", "NOT_ASSIGNED", "p1", POLICY), Writer.REPORTS)
    found = compare(
        expected, audit.writes, policy_version=POLICY, deliveries=[record("d-a"), record("d-redo")]
    )
    assert found.clean
    assert (found.compared, found.repeated) == (1, 0)


def test_decisions_under_another_policy_version_are_counted_apart() -> None:
    old = "2025.3"
    expected = replayed(a=delivered("p1", "d-a"), b=withheld("p2"), c=withheld("p3"))
    audit = Audit()
    audit.write("a", replace(expected.decisions["a"][0], policy_version=old))
    audit.write("b", replace(expected.decisions["b"][0], policy_version=old, outcome="DELIVERED"))
    audit.write("gone", Decided("WITHHELD", "NO_CONSENT", "p9", old))
    audit.write("c", expected.decisions["c"][0])
    found = compare(expected, audit.writes, policy_version=POLICY, deliveries=[record("d-a")])
    assert found.other_policy == ["a", "b", "gone"]
    assert found.compared == 1
    assert found.clean, "neither missing, altered nor unexpected: not compared"
    # A rejection has no policy version: always compared.
    rejected = Decided("REJECTED", "MALFORMED", None, None, dead_letter_id="dl")
    audit.write("rj", rejected)
    assert [
        w.decision_id for w in compare(expected, audit.writes, policy_version=POLICY).unexpected
    ] == ["rj"]


def test_a_delivery_against_the_replay_is_named_unless_a_re_delivery_or_old_policy_made_it() -> (
    None
):
    expected = replayed(a=delivered("p1", "d-a"), b=withheld("p2"))
    audit = Audit()
    audit.write("a", expected.decisions["a"][0])
    audit.write("b", expected.decisions["b"][0])
    audit.write("redo", delivered("p1", "d-redo"), Writer.REDELIVERY)
    audit.write("old", Decided("DELIVERED", None, "p1", "2025.3", delivery_id="d-old"))
    records = [record("d-a", 0), record("d-redo", 1), record("d-old", 2), record(None, 3)]
    assert compare(expected, audit.writes, policy_version=POLICY, deliveries=records).clean
    found = compare(
        expected,
        audit.writes,
        policy_version=POLICY,
        deliveries=[*records, record("d-nobody", 4)],
    )
    assert [(d.place.offset, d.delivery_id, d.decision_id) for d in found.delivered_against] == [
        (4, "d-nobody", None)
    ]
    assert not found.clean, "a delivery nobody decided fails the replay on its own"


def test_where_the_replay_was_held_is_not_clean() -> None:
    expected = replayed(a=withheld("p1"))
    held = Held(Place("agency", 2, 40), "UNKNOWN_SCHEMA")
    expected.held.append(held)
    audit = Audit()
    audit.write("a", withheld("p1"))
    found = compare(expected, audit.writes, policy_version=POLICY)
    assert found.held == [held]
    assert not found.clean


def test_a_decision_about_another_person_or_with_other_fields_is_altered() -> None:
    right = delivered(
        "p1",
        "d-a",
        purposes=("lov.matching",),
        delivered_fields=("body.plan",),
        audit_pseudonym="ap_1",
    )
    expected = replayed(a=right)
    for changed, what in (
        (replace(right, audit_pseudonym="ap_2"), ("audit_pseudonym",)),
        (replace(right, delivered_fields=("body.plan", "body.note")), ("delivered_fields",)),
        (replace(right, purposes=("lov.contact",)), ("purposes",)),
        (replace(right, legal_basis="CONSENT"), ("legal_basis",)),
    ):
        audit = Audit()
        audit.write("a", changed)
        found = compare(expected, audit.writes, policy_version=POLICY, deliveries=[record("d-a")])
        assert [a.what_differs for a in found.altered] == [what]
        assert "ap_" not in repr(found)


# -- Written.of and Decided.of ---------------------------------------------------------------


def _decision(**changes: Any) -> dict[str, Any]:
    return {
        "decision_id": "id-1",
        "event_id": "ev-1",
        "event_type": "PLAN_UPDATED",
        "jobseeker_audit_pseudonym": "ap_secret-pseudonym",
        "recipient_id": "jobbcoach-syd",
        "outcome": "DELIVERED",
        "reason_code": None,
        "purposes": ["lov.matching"],
        "legal_basis": "ASSIGNMENT",
        "consent_id": None,
        "delivered_fields": ["body.plan"],
        "policy_version": POLICY,
        "key_id": "k1",
        "delivery_id": "dl-1",
        "dead_letter_id": None,
        "redelivery": False,
        **changes,
    }


def test_who_wrote_a_decision() -> None:
    at = Place("audit", 0, 0)
    assert Written.of(at, _decision()).writer is Writer.HUB
    assert Written.of(at, _decision(redelivery=True)).writer is Writer.REDELIVERY
    assert Written.of(at, _decision(event_type="PROVIDER_REPORT")).writer is Writer.REPORTS


def test_a_decision_is_read_whole_but_its_pseudonym_is_never_shown() -> None:
    decided = Decided.of(_decision())
    assert decided == delivered(
        "jobbcoach-syd",
        "dl-1",
        event_id="ev-1",
        event_type="PLAN_UPDATED",
        purposes=("lov.matching",),
        legal_basis="ASSIGNMENT",
        delivered_fields=("body.plan",),
        audit_pseudonym="ap_secret-pseudonym",
    )
    assert "secret-pseudonym" not in repr(decided)
    other = Decided.of(_decision(jobseeker_audit_pseudonym="ap_other", key_id="k2"))
    assert other.differences(decided) == ("audit_pseudonym",), "key id is not compared"


# -- compare: property-based, against the fate each id was given -----------------------------

FATES = ("ok", "duplicate", "missing", "altered", "stale_beside", "other_policy")


@dataclass
class Built:
    replayed: Replayed
    writes: list[Written]
    records: list[RecipientRecordRef]
    fates: dict[str, str] = field(default_factory=dict)
    unexpected: set[str] = field(default_factory=set)
    forged_deliveries: set[str] = field(default_factory=set)


def _other_than(decided: Decided, n: int) -> Decided:
    if decided.outcome == "DELIVERED":
        return replace(decided, outcome="WITHHELD", reason="CONSENT_WITHDRAWN", delivery_id=None)
    return replace(decided, outcome="DELIVERED", reason=None, delivery_id=f"forged-{n}")


@st.composite
def built_runs(draw: st.DrawFn) -> Built:
    n = draw(st.integers(1, 25))
    outcomes = st.sampled_from(["DELIVERED", "WITHHELD", "REJECTED"])
    expected: dict[str, tuple[Decided, ...]] = {}
    for i in range(n):
        outcome = draw(outcomes)
        recipient = draw(st.sampled_from(["p1", "p2", "t1", None]))
        expected[f"id-{i}"] = (
            Decided(
                outcome,
                None if outcome == "DELIVERED" else draw(st.sampled_from(["NO_CONSENT", "X"])),
                recipient,
                None if outcome == "REJECTED" else POLICY,
                delivery_id=f"d-{i}" if outcome == "DELIVERED" else None,
            ),
        )
    built = Built(Replayed(expected), [], [])
    pending: list[tuple[str, Decided, Writer]] = []
    for i, (ident, (decided,)) in enumerate(expected.items()):
        fate = draw(st.sampled_from(FATES))
        if fate == "other_policy" and decided.policy_version is None:
            fate = "ok"  # a rejection carries no policy version
        built.fates[ident] = fate
        if fate in ("ok", "duplicate"):
            pending += [(ident, decided, Writer.HUB)] * (2 if fate == "duplicate" else 1)
        elif fate == "altered":
            pending.append((ident, _other_than(decided, i), Writer.HUB))
        elif fate == "stale_beside":
            pending += [(ident, decided, Writer.HUB), (ident, _other_than(decided, i), Writer.HUB)]
        elif fate == "other_policy":
            pending.append(
                (ident, replace(_other_than(decided, i), policy_version="old"), Writer.HUB)
            )
        written_now = [d for k, d, _ in pending if k == ident]
        for d in written_now:
            if d.delivery_id is None:
                continue
            if d.delivery_id.startswith("forged-") and fate in ("altered", "stale_beside"):
                if draw(st.booleans()):  # the forged delivery reached the recipient topic
                    built.records.append(record(d.delivery_id, len(built.records)))
                    built.forged_deliveries.add(d.delivery_id)
            else:
                built.records.append(record(d.delivery_id, len(built.records)))
    for j in range(draw(st.integers(0, 3))):
        pending.append((f"extra-{j}", Decided("WITHHELD", "NO_CONSENT", "p1", POLICY), Writer.HUB))
        built.unexpected.add(f"extra-{j}")
    for j in range(draw(st.integers(0, 3))):
        pending.append((f"redo-{j}", delivered("p1", f"redo-{j}"), Writer.REDELIVERY))
        built.records.append(record(f"redo-{j}", len(built.records)))
        pending.append((f"report-{j}", withheld("p1", "REPORT_X"), Writer.REPORTS))
    for j in range(draw(st.integers(0, 2))):  # published with no decision at all
        built.records.append(record(f"stray-{j}", len(built.records)))
        built.forged_deliveries.add(f"stray-{j}")
    order = draw(st.permutations(range(len(pending))))
    for index in order:
        ident, decided, writer = pending[index]
        built.writes.append(Written(Place("audit", 0, len(built.writes)), ident, decided, writer))
    return built


@settings(max_examples=300, deadline=None)
@given(built_runs())
def test_compare_finds_exactly_the_fates_given(built: Built) -> None:
    found = compare(built.replayed, built.writes, policy_version=POLICY, deliveries=built.records)

    def ids(*fates: str) -> set[str]:
        return {i for i, f in built.fates.items() if f in fates}

    assert set(found.missing) == ids("missing")
    assert len(found.missing) == len(set(found.missing))
    assert {a.decision_id for a in found.altered} == ids("altered", "stale_beside")
    assert {w.decision_id for w in found.unexpected} == built.unexpected
    assert set(found.other_policy) == ids("other_policy")
    assert found.compared == len(ids("ok", "duplicate", "altered", "stale_beside"))
    assert found.repeated == len(ids("duplicate", "stale_beside"))
    assert {d.delivery_id for d in found.delivered_against} == built.forged_deliveries
    assert found.clean == (
        not (ids("missing", "altered", "stale_beside") or built.unexpected)
        and not built.forged_deliveries
    )


# -- replay: a recording fake pipeline -------------------------------------------------------


class FakePipeline:
    """Decides one decision per record, id ``<value>``; its state holds the offsets it has
    seen for the record's (partition, key) (as registration changes); the event id is the
    value's text before '#', so two values may share one."""

    def __init__(self, hold_at: frozenset[tuple[int, int]] = frozenset()) -> None:
        self.calls: list[tuple[int, int]] = []
        self.hold_at = hold_at

    def process(
        self,
        value: bytes | None,
        key: bytes | None,
        source: SourcePosition,
        state: JobseekerState,
        *,
        seen_event: Callable[[str], bytes | None] | None = None,
    ) -> EventResult:
        assert seen_event is not None
        self.calls.append((source.partition, source.offset))
        if (source.partition, source.offset) in self.hold_at:
            raise InputHeld("UNKNOWN_SCHEMA", "SchemaNotFound")
        text = (value or b"").decode()
        event_id = text.split("#")[0]
        # The offsets seen so far ride in a real state (compiled results check its type).
        seen = [offset for offset, _ in state.registration_changes]
        known = seen_event(event_id)
        decision = {
            "decision_id": text,
            "outcome": "WITHHELD",
            "reason_code": f"SEEN_{len(seen)}_KNOWN_{known is not None}",
            "recipient_id": "p1",
            "policy_version": POLICY,
        }
        return EventResult(
            source,
            key,
            state.evolve(registration_changes=(*state.registration_changes, (source.offset, True))),
            audits=(PendingAudit(decision),),
            new_event_id=(event_id, b"digest") if known is None else None,
        )


def _agency(*records: tuple[int, int, bytes, bytes]) -> list[AgencyRecord]:
    return [AgencyRecord("agency", p, o, k, v) for p, o, k, v in records]


def test_replay_keeps_state_per_partition_and_key_and_event_ids_per_partition() -> None:
    fake = FakePipeline()
    result = replay(
        fake,
        _agency(
            (0, 0, b"A", b"e1#0"),
            (1, 0, b"A", b"e1#1"),  # same key and event id, another partition
            (0, 1, b"A", b"e2#0"),
            (0, 2, b"B", b"e1#2"),  # another key, same partition: the event id is known
            (1, 1, b"A", b"e3#1"),
        ),
    )
    reasons = {k: v[0].reason for k, v in result.decisions.items()}
    assert reasons == {
        "e1#0": "SEEN_0_KNOWN_False",
        "e1#1": "SEEN_0_KNOWN_False",
        "e2#0": "SEEN_1_KNOWN_False",
        "e1#2": "SEEN_0_KNOWN_True",
        "e3#1": "SEEN_1_KNOWN_False",
    }
    assert fake.calls == [(0, 0), (1, 0), (0, 1), (0, 2), (1, 1)]


def test_replay_refuses_a_partition_out_of_offset_order() -> None:
    with pytest.raises(ValueError, match="offset order"):
        replay(FakePipeline(), _agency((0, 1, b"A", b"a"), (1, 0, b"A", b"b"), (0, 1, b"A", b"c")))


def test_a_held_record_stops_its_partition_only() -> None:
    fake = FakePipeline(hold_at=frozenset({(0, 1)}))
    result = replay(
        fake,
        _agency((0, 0, b"A", b"a"), (0, 1, b"A", b"b"), (1, 0, b"A", b"c"), (0, 2, b"A", b"d")),
    )
    assert sorted(result.decisions) == ["a", "c"]
    assert [(h.place, h.reason) for h in result.held] == [(Place("agency", 0, 1), "UNKNOWN_SCHEMA")]
    assert (0, 2) not in fake.calls


def test_one_id_decided_twice_keeps_both_versions_once_each() -> None:
    result = replay(
        FakePipeline(),
        _agency((0, 0, b"A", b"x"), (1, 0, b"A", b"x"), (1, 1, b"A", b"x")),
    )
    assert [d.reason for d in result.decisions["x"]] == [
        "SEEN_0_KNOWN_False",
        "SEEN_1_KNOWN_True",
    ]


# -- replay: the real pipeline over a synthetic stream ---------------------------------------

TOPICS = HubTopics("unit-replay")


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(without_key=frozenset({"karriarbron"}))


@pytest.fixture(scope="module")
def stream(world: World) -> list[SimpleNamespace]:
    """A synthetic stream spread over three partitions by key, with a re-send and invalid
    input, as read from the agency topic."""
    scenario = generate_scenario(world, codec_for(None), jobseekers=30, seed=5, invalid_rate=0.05)
    pairs = list(scenario.records)
    pairs.append(pairs[len(pairs) // 2])  # a true re-send, later in its partition
    offsets = [0, 0, 0]
    records = []
    for key, value in pairs:
        partition = zlib.crc32(key or b"") % 3
        records.append(
            SimpleNamespace(
                topic=TOPICS.source,
                partition=partition,
                offset=offsets[partition],
                key=key,
                value=value,
                timestamp=0,
                timestamp_type=0,
            )
        )
        offsets[partition] += 1
    return records


def _in_log_order(records: list[SimpleNamespace]) -> list[AgencyRecord]:
    ordered = sorted(records, key=lambda r: (r.partition, r.offset))
    return [AgencyRecord(r.topic, r.partition, r.offset, r.key, r.value) for r in ordered]


def test_replay_decides_as_the_judge_does(world: World, stream: list[SimpleNamespace]) -> None:
    reference = reference_decisions(world, TOPICS, stream)
    result = replay(make_pipeline(world, TOPICS), _in_log_order(stream))
    assert set(result.decisions) == set(reference)
    for ident, versions in result.decisions.items():
        said = {(d.outcome, d.reason, d.recipient, d.delivery_id) for d in versions}
        assert reference[ident] in said
    assert any(d.reason == "DUPLICATE_INPUT" for v in result.decisions.values() for d in v)
    assert any(d.outcome == "REJECTED" for v in result.decisions.values() for d in v)
    assert not result.held


def test_interleaved_partitions_replay_as_partitions_one_after_another(
    world: World, stream: list[SimpleNamespace]
) -> None:
    one_after_another = replay(make_pipeline(world, TOPICS), _in_log_order(stream))
    shuffled = sorted(stream, key=lambda r: (r.offset, r.partition))
    interleaved = replay(
        make_pipeline(world, TOPICS),
        [AgencyRecord(r.topic, r.partition, r.offset, r.key, r.value) for r in shuffled],
    )
    assert interleaved.decisions == one_after_another.decisions


# -- the bad run, in process -----------------------------------------------------------------

COMPARED_KEYS = (
    "outcome",
    "reason_code",
    "recipient_id",
    "policy_version",
    "delivery_id",
    "event_id",
    "event_type",
    "purposes",
    "legal_basis",
    "consent_id",
    "delivered_fields",
    "dead_letter_id",
    "jobseeker_audit_pseudonym",
)


def _said(decision: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        tuple(decision[k]) if isinstance(decision[k], list) else decision[k] for k in COMPARED_KEYS
    )


def test_decisions_written_on_stale_state_fail_the_replay(
    world: World, stream: list[SimpleNamespace]
) -> None:
    """A worker that missed an ASSIGNMENT_ENDED decides the jobseeker's next event on its old
    state: WITHHELD NOT_ASSIGNED becomes DELIVERED, and what it did not decide is missing."""
    pipeline = make_pipeline(world, TOPICS)
    states: dict[tuple[int, bytes], JobseekerState] = {}
    before: dict[tuple[int, int], JobseekerState] = {}  # the state each record was decided on
    audits: dict[tuple[int, int], list[dict[str, Any]]] = {}
    event_ids: dict[tuple[int, str], bytes] = {}  # the worker's index, per partition
    ordered = sorted(stream, key=lambda r: (r.partition, r.offset))
    for r in ordered:
        at = (r.partition, r.offset)
        before[at] = states.get((r.partition, r.key), JobseekerState())

        def seen(event_id: str, partition: int = r.partition) -> bytes | None:
            return event_ids.get((partition, event_id))

        result = pipeline.process(
            r.value,
            r.key,
            SourcePosition(r.topic, r.partition, r.offset),
            before[at],
            seen_event=seen,
        )
        if result.state is not None:
            states[(r.partition, r.key)] = result.state
        if result.new_event_id is not None:
            event_ids[(r.partition, result.new_event_id[0])] = result.new_event_id[1]
        audits[at] = [dict(p.decision) for p in result.audits]

    def place(r: SimpleNamespace) -> tuple[int, int]:
        return (r.partition, r.offset)

    # The first record withheld NOT_ASSIGNED, and its jobseeker's assignment end before it.
    victim = next(
        r for r in ordered if any(d["reason_code"] == "NOT_ASSIGNED" for d in audits[place(r)])
    )
    ended = max(
        (
            r
            for r in ordered
            if (r.partition, r.key) == (victim.partition, victim.key)
            and r.offset < victim.offset
            and any(d["event_type"] == "ASSIGNMENT_ENDED" for d in audits[place(r)])
        ),
        key=lambda r: r.offset,
    )
    stale = pipeline.process(
        victim.value,
        victim.key,
        SourcePosition(victim.topic, victim.partition, victim.offset),
        before[place(ended)],
    )
    # What was written: every decision, except that the assignment end's are lost and the
    # victim's are the stale worker's; the recipient topics hold what was delivered.
    written = [
        d
        for r in ordered
        if place(r) != place(ended)
        for d in (
            [dict(p.decision) for p in stale.audits]
            if place(r) == place(victim)
            else audits[place(r)]
        )
    ]
    writes = [Written.of(Place(TOPICS.audit, 0, n), d) for n, d in enumerate(written)]
    records = [
        RecipientRecordRef(Place("recipient", 0, n), d["delivery_id"])
        for n, d in enumerate(d for d in written if d["outcome"] == "DELIVERED")
    ]
    found = compare(
        replay(make_pipeline(world, TOPICS), _in_log_order(stream)),
        writes,
        policy_version=world.policy.version,
        deliveries=records,
    )

    # The oracle: plain comparisons of the decision records.
    honest = {d["decision_id"]: d for ds in audits.values() for d in ds}
    written_ids = {d["decision_id"] for d in written}
    honest_deliveries = {d["delivery_id"] for d in honest.values() if d["outcome"] == "DELIVERED"}
    assert set(found.missing) == set(honest) - written_ids
    assert set(found.missing) >= {d["decision_id"] for d in audits[place(ended)]}
    assert {w.decision_id for w in found.unexpected} == written_ids - set(honest)
    assert {a.decision_id for a in found.altered} == {
        d["decision_id"]
        for d in written
        if d["decision_id"] in honest and _said(d) != _said(honest[d["decision_id"]])
    }
    assert any(
        a.expected.verdict() == "WITHHELD NOT_ASSIGNED" and a.written.outcome == "DELIVERED"
        for a in found.altered
    )
    against = {
        d["delivery_id"]
        for d in written
        if d["outcome"] == "DELIVERED" and d["delivery_id"] not in honest_deliveries
    }
    assert against, "the stale worker delivered what the replay withholds"
    assert {d.delivery_id for d in found.delivered_against} == against
    assert not found.clean

    # The honest run matches.
    honest_writes = [
        Written.of(Place(TOPICS.audit, 0, n), d)
        for n, d in enumerate(d for r in ordered for d in audits[place(r)])
    ]
    assert compare(
        replay(make_pipeline(world, TOPICS), _in_log_order(stream)),
        honest_writes,
        policy_version=world.policy.version,
    ).clean


def test_a_delivery_withheld_for_an_unwritable_topic_is_owed_not_altered() -> None:
    """Issue 12, part 6: WITHHELD RECIPIENT_UNAVAILABLE with the purposes, basis and consent
    the replay delivers under is owed to the recipient (an operator re-delivers it); with
    anything else different it is altered like any other write."""
    basis = {"event_id": "e1", "legal_basis": "ASSIGNMENT", "purposes": ("lov.matching",)}
    expected = replayed(
        x=delivered("p1", "d-x", delivered_fields=("body.plan",), **basis),
        y=delivered("p1", "d-y", **basis),
        z=withheld("p1", event_id="e2"),
    )
    owed = withheld("p1", "RECIPIENT_UNAVAILABLE", **basis)
    audit = Audit()
    audit.write("x", owed)
    audit.write("y", replace(owed, purposes=("lov.compensation",)))
    audit.write("z", withheld("p1", "RECIPIENT_UNAVAILABLE", event_id="e2"))
    found = compare(expected, audit.writes, policy_version=POLICY)
    assert [w.decision_id for w in found.awaiting_redelivery] == ["x"]
    assert sorted(a.decision_id for a in found.altered) == ["y", "z"]
    alone = compare(replayed(x=expected.decisions["x"]), audit.writes[:1], policy_version=POLICY)
    assert alone.clean
    assert len(alone.awaiting_redelivery) == 1
