"""The pipeline follows registry changes (use_recipients) and applies insurance expiry."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from lovhub.codec import codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.pipeline import HubPipeline
from lovhub.registry import RecipientDirectory, RecipientStatus
from lovhub.synthetic import World, build_world, generate_scenario, pipeline_for
from lovhub.synthetic.scenario import START

CODEC = codec_for(None)
PROVIDER = "jobbcoach-syd"


def _outcomes(world: World, pipeline: HubPipeline) -> Counter[tuple[str, str | None]]:
    scenario = generate_scenario(world, CODEC, jobseekers=80, seed=11, invalid_rate=0.0)
    states: dict[bytes, JobseekerState] = {}
    counted: Counter[tuple[str, str | None]] = Counter()
    for offset, (key, value) in enumerate(scenario.records):
        state = states.get(key or b"", JobseekerState())
        result = pipeline.process(value, key, SourcePosition("agency", 0, offset), state)
        if result.state is not None:
            states[key or b""] = result.state
        for pending in result.audits:
            decision = pending.decision
            if decision["recipient_id"] == PROVIDER:
                counted[(decision["outcome"], decision["reason_code"])] += 1
    return counted


def _with_insurance(world: World, until: dt.date) -> RecipientDirectory:
    provider = world.recipients.get(PROVIDER)
    assert provider is not None
    return world.recipients.with_recipient(
        provider.model_copy(update={"insurance_valid_until": until})
    )


def test_a_provider_whose_insurance_expired_is_treated_as_suspended() -> None:
    world = build_world()
    pipeline = pipeline_for(world)
    assert _outcomes(world, pipeline)[("DELIVERED", None)] > 0
    pipeline.use_recipients(_with_insurance(world, START.date() - dt.timedelta(days=1)))
    after = _outcomes(world, pipeline)
    assert set(after) == {("WITHHELD", "RECIPIENT_SUSPENDED")}


def test_use_recipients_applies_a_suspension_from_the_next_event() -> None:
    world = build_world()
    pipeline = pipeline_for(world)
    provider = world.recipients.get(PROVIDER)
    assert provider is not None
    suspended = provider.model_copy(update={"status": RecipientStatus.SUSPENDED})
    pipeline.use_recipients(world.recipients.with_recipient(suspended))
    assert set(_outcomes(world, pipeline)) == {("WITHHELD", "RECIPIENT_SUSPENDED")}
    pipeline.use_recipients(world.recipients)
    assert _outcomes(world, pipeline)[("DELIVERED", None)] > 0
