"""The re-delivery planner: what was delivered back then, bounded by today's facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from lovhub.codec import RECIPIENT_RECORD, codec_for, default_store
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.operators.redelivery import RedeliveryPlanner, RedeliveryStep
from lovhub.registry import RecipientStatus
from lovhub.synthetic import World, build_world, pipeline_for
from tests.support.stories import PROVIDER, THIRD_PARTY, Story, consent_withdrawal_story

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


def _history(
    world: World, story: Story
) -> tuple[list[tuple[bytes, bytes]], dict[tuple[str, str], list[str]]]:
    """The records, and what the hub delivered the first time: (event id, recipient) to
    the purposes."""
    records = story.records(codec_for(None))
    pipeline = pipeline_for(world)
    states: dict[bytes, JobseekerState] = {}
    delivered = {}
    for offset, (key, value) in enumerate(records):
        result = pipeline.process(
            value, key, SourcePosition("agency", 0, offset), states.get(key, JobseekerState())
        )
        if result.state is not None:
            states[key] = result.state
        for pending in result.audits:
            d = pending.decision
            # As `lovhub redeliver` reads the audit: a status answer is not re-sent.
            if d["outcome"] == "DELIVERED" and d["event_type"] != "REGISTRATION_STATUS":
                delivered[(d["event_id"], d["recipient_id"])] = d["purposes"]
    return records, delivered


def _plan(
    world: World, recipient: str, *, start: int = 0, use_audit: bool = True, **changes: Any
) -> list[RedeliveryStep]:
    story = consent_withdrawal_story()
    records, delivered = _history(world, story)
    if changes:
        target = world.recipients.get(recipient)
        assert target is not None
        world = World(
            world.policy,
            world.recipients.with_recipient(target.model_copy(update=changes)),
            world.private_keys,
            world.operator_key,
            world.hub_secret,
        )
    planner = RedeliveryPlanner(
        pipeline_for(world),
        default_store(),
        recipient_id=recipient,
        run_id="run-1",
        now=NOW,
        delivered_before={e: p for (e, r), p in delivered.items() if r == recipient}
        if use_audit
        else None,
    )
    for offset, (key, value) in enumerate(records):
        planner.learn(value, key, SourcePosition("agency", 0, offset))
    steps = []
    for offset, (key, value) in enumerate(records[start:], start=start):
        step = planner.plan(value, key, SourcePosition("agency", 0, offset))
        if step is not None:
            steps.append(step)
    return steps


def _jobseeker_of(step: RedeliveryStep, story: Story) -> str:
    return next(e["jobseeker_id"] for e in story.events if e["event_id"] == step.audit["event_id"])


def test_a_withdrawn_consent_is_not_resent_but_a_kept_one_is(world: World) -> None:
    story = consent_withdrawal_story()
    steps = _plan(world, THIRD_PARTY)
    sent = [s for s in steps if s.delivery is not None]
    held = [s for s in steps if s.delivery is None]
    assert {_jobseeker_of(s, story) for s in sent} == {story.consenting}
    assert {_jobseeker_of(s, story) for s in held} == {story.withdrawn}
    assert all(s.audit["reason_code"] == "CONSENT_WITHDRAWN" for s in held)
    assert all(s.audit["redelivery"] for s in steps)


def test_without_the_audit_the_decision_back_then_stands_in(world: World) -> None:
    with_audit = _plan(world, THIRD_PARTY)
    without = _plan(world, THIRD_PARTY, use_audit=False)
    assert [(s.audit["event_id"], s.audit["outcome"]) for s in without] == [
        (s.audit["event_id"], s.audit["outcome"]) for s in with_audit
    ]


def test_assignment_based_data_is_resent_marked_with_new_ids(world: World) -> None:
    story = consent_withdrawal_story()
    _, delivered = _history(world, story)
    steps = _plan(world, PROVIDER)
    assert steps
    assert all(s.delivery is not None for s in steps)
    assert {s.audit["event_id"] for s in steps} == {e for e, r in delivered if r == PROVIDER}
    codec = codec_for(None)
    for step in steps:
        assert step.delivery is not None
        record = codec.decode(step.delivery.value, RECIPIENT_RECORD)
        assert record["redelivery"] is True
        assert record["delivery_id"] == step.audit["delivery_id"]
        assert record["decision_id"] == step.audit["decision_id"]
        assert record["fields"], "something is re-sent"
    first_ids = {s.audit["delivery_id"] for s in steps}
    assert len(first_ids) == len(steps)
    assert first_ids.isdisjoint(_original_delivery_ids(world, story, PROVIDER))


def _original_delivery_ids(world: World, story: Story, recipient: str) -> set[str]:
    from lovhub.pipeline.ids import delivery_id, event_key

    return {
        delivery_id(event_key(e["event_id"], e["jobseeker_id"]), recipient) for e in story.events
    }


def test_a_redelivery_names_the_same_event_as_the_original_under_a_new_delivery_id(
    world: World,
) -> None:
    # What the provider guide tells recipients to de-duplicate on: a re-delivery has a new
    # delivery_id but the original's jobseeker_pseudonym, event_id and event_type.
    story = consent_withdrawal_story()
    codec = codec_for(None)
    pipeline = pipeline_for(world)
    states: dict[bytes, JobseekerState] = {}
    originals: dict[tuple[str, str, str], str] = {}
    for offset, (key, value) in enumerate(story.records(codec)):
        result = pipeline.process(
            value, key, SourcePosition("agency", 0, offset), states.get(key, JobseekerState())
        )
        if result.state is not None:
            states[key] = result.state
        for outbound in result.deliveries:
            record = codec.decode(outbound.value, RECIPIENT_RECORD)
            if record["recipient_id"] == PROVIDER:
                what = (record["jobseeker_pseudonym"], record["event_id"], record["event_type"])
                originals[what] = record["delivery_id"]
    resent = [
        codec.decode(step.delivery.value, RECIPIENT_RECORD)
        for step in _plan(world, PROVIDER)
        if step.delivery is not None
    ]
    assert resent
    for record in resent:
        what = (record["jobseeker_pseudonym"], record["event_id"], record["event_type"])
        assert what in originals
        assert record["delivery_id"] != originals[what]
        assert record["redelivery"] is True


def test_the_start_point_bounds_the_run(world: World) -> None:
    everything = _plan(world, PROVIDER)
    later = _plan(world, PROVIDER, start=7)
    assert later
    assert len(later) < len(everything)


def test_a_suspended_recipient_gets_nothing(world: World) -> None:
    steps = _plan(world, PROVIDER, status=RecipientStatus.SUSPENDED)
    assert steps
    assert all(s.delivery is None for s in steps)
    assert {s.audit["reason_code"] for s in steps} == {"RECIPIENT_SUSPENDED"}


def test_replay_state_leaves_the_state_process_leaves(world: World) -> None:
    """The re-delivery's state pass must agree with the hub, invalid input included."""
    from lovhub.synthetic import generate_scenario

    scenario = generate_scenario(world, codec_for(None), jobseekers=40, seed=2, invalid_rate=0.1)
    assert scenario.invalid
    pipeline = pipeline_for(world)
    by_process: dict[bytes, JobseekerState] = {}
    by_replay: dict[bytes, JobseekerState] = {}
    for offset, (key, value) in enumerate(scenario.records):
        where = SourcePosition("agency", 0, offset)
        slot = key or b""
        result = pipeline.process(value, key, where, by_process.get(slot, JobseekerState()))
        if result.state is not None:
            by_process[slot] = result.state
        event, after = pipeline.replay_state(
            value, key, where, by_replay.get(slot, JobseekerState())
        )
        by_replay[slot] = after
        assert (event is None) == any(p.decision["outcome"] == "REJECTED" for p in result.audits)
    # Receipts (who received what, for corrections) come from deliveries, which a replay
    # does not make; everything else must agree.
    assert {k: v for k, v in by_replay.items() if v != JobseekerState()} == {
        k: replace(v, receipts={}) for k, v in by_process.items()
    }
    assert any(v.receipts for v in by_process.values()), "the hub did keep receipts"
