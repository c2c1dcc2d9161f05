"""The pipeline over registry records that lack the vetting facts (issue 15): the decisions
the independent reference model (tests.support.expected) predicts, reasons included."""

from __future__ import annotations

from collections import Counter

from lovhub.codec import codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.synthetic import generate_scenario, pipeline_for
from tests.support.expected import expected_outcomes
from tests.support.vetting import ABROAD, NO_AGREEMENT, UNSIGNED, VETTED, unvetted_world

CODEC = codec_for(None)


def test_unvetted_recipients_are_withheld_as_the_reference_model_says() -> None:
    world = unvetted_world()
    scenario = generate_scenario(world, CODEC, jobseekers=80, seed=15, invalid_rate=0.0)
    pipeline = pipeline_for(world)
    states: dict[bytes, JobseekerState] = {}
    counted: Counter[tuple[str, str | None, str | None]] = Counter()
    for offset, (key, value) in enumerate(scenario.records):
        state = states.get(key or b"", JobseekerState())
        result = pipeline.process(value, key, SourcePosition("agency", 0, offset), state)
        if result.state is not None:
            states[key or b""] = result.state
        for pending in result.audits:
            d = pending.decision
            counted[(d["outcome"], d["reason_code"], d["recipient_id"])] += 1
    assert counted == expected_outcomes(world, scenario)

    def reasons(recipient_id: str) -> set[tuple[str, str | None]]:
        return {(o, r) for (o, r, rid) in counted if rid == recipient_id}

    assert reasons(UNSIGNED) == {("WITHHELD", "NO_UNDERTAKING")}
    assert reasons(ABROAD) == {("WITHHELD", "RESIDENCY")}
    assert reasons(NO_AGREEMENT) == {("WITHHELD", "NO_AGREEMENT")}
    assert ("DELIVERED", None) in reasons(VETTED)
