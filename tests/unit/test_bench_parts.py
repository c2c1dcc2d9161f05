"""The benchmark suite's pure parts: targets, percentiles, synthetic state, the plaintext
switch, and the extra synthetic recipients (the default world must stay as it was)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.codec import RECIPIENT_RECORD, codec_for
from lovhub.core import JobseekerState, state_from_bytes
from lovhub.core.outputs import SourcePosition
from lovhub.crypto.state_keys import StateKeyRing
from lovhub.pipeline import HubPipeline
from lovhub.synthetic import build_world, generate_scenario, pipeline_for
from lovhub_bench.core import run_core
from lovhub_bench.latency import percentile
from lovhub_bench.plaintext import clear_key_ring
from lovhub_bench.results import BenchResult, check_targets
from lovhub_bench.state import synthetic_states

CODEC = codec_for(None)


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=300), st.floats(0, 1))
def test_percentile_is_nearest_rank(values: list[float], share: float) -> None:
    ordered = sorted(values)
    expected = ordered[max(1, math.ceil(share * len(ordered))) - 1]
    assert percentile(ordered, share) == expected


def test_percentile_examples() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.75) == 3.0  # 0.75 * 4 = 3: the third value
    assert percentile([], 0.5) == 0.0


def test_targets_met_and_missed_with_factors() -> None:
    results = {
        "core": BenchResult("core", "", {"events_per_s": 25_000}),
        "e2e": BenchResult("e2e", "", {"events_per_s": 10_000}),
        "passthrough": BenchResult("passthrough", "", {"events_per_s": 16_000}),
        "plaintext": BenchResult("plaintext", "", {"events_per_s": 12_500}),
        "latency": BenchResult("latency", "", {"p99_ms_at_2000": 25.0}),
        "state": BenchResult(
            "state", "", {"worker_rss_mb": 500, "restart_to_ready_s": 10, "jobseekers": 100_000}
        ),
    }
    checks = {c.name: c for c in check_targets(results)}
    assert checks["core"].met is False
    assert checks["core"].factor == 0.5
    assert checks["e2e_vs_passthrough"].measured == 0.625
    assert checks["e2e_vs_passthrough"].met is True
    assert checks["encryption_cost"].measured == pytest.approx(0.2)
    assert checks["encryption_cost"].met is False
    assert checks["p99_2000"].met is True
    assert checks["p99_2000"].factor == 2.0
    assert checks["state_rss"].met is False
    assert "100,000" in checks["state_rss"].note
    assert "scaleout" not in checks, "no target without its measurement"


def test_synthetic_states_are_valid_worker_state() -> None:
    world = build_world(extra_providers=2)
    ring = StateKeyRing.generate()
    states = list(synthetic_states(world, 300, seed=5, sealer=ring))
    assert len({key for key, _ in states}) == 300
    for key, raw in states:
        state = state_from_bytes(raw, opener=ring, owner=key)
        assert len(state.assignments) == 1
        assignment = next(iter(state.assignments.values()))
        assert assignment.provider_id in world.recipients
        # A profile is held, sealed, projected on the policy's paths (collect less).
        registration = state.facts["REGISTRATION"].body
        assert "given_name" in registration
        assert "personal_id" not in registration
        assert b"given_name" not in raw


def test_default_world_is_unchanged_and_extras_are_active_insured_and_keyed() -> None:
    assert len(build_world().recipients) == 6
    world = build_world(extra_providers=3, extra_third_parties=2)
    extras = [r for r in world.recipients.recipients if r.id.startswith("synthetic-")]
    assert len(extras) == 5
    assert all(r.is_active and r.id in world.private_keys for r in extras)
    assert all(r.insured_on(r.insurance_valid_until) for r in extras if r.is_provider)


def _delivery_sizes(pipeline: HubPipeline, records: list[tuple[bytes | None, bytes]]) -> list[int]:
    sizes = []
    states: dict[bytes, JobseekerState] = {}
    for offset, (key, value) in enumerate(records):
        state = states.get(key or b"", JobseekerState())
        result = pipeline.process(value, key, SourcePosition("a", 0, offset), state)
        if result.state is not None:
            states[key or b""] = result.state
        sizes += [len(d.value) for d in result.deliveries]
    return sizes


def test_plaintext_pipeline_decides_the_same_with_records_of_the_same_size() -> None:
    world = build_world(extra_providers=1)
    records = generate_scenario(world, CODEC, jobseekers=40, seed=9).records
    sealed = run_core(pipeline_for(world), records)
    clear = run_core(pipeline_for(world, key_ring=clear_key_ring()), records)
    assert sealed.outcomes == clear.outcomes
    assert sealed.deliveries == clear.deliveries > 0
    sizes = _delivery_sizes(pipeline_for(world), records)
    assert sizes == _delivery_sizes(pipeline_for(world, key_ring=clear_key_ring()), records)


def test_plaintext_pipeline_really_does_not_encrypt() -> None:
    """It must be recognisably clear, so nobody mistakes its output for the real thing."""
    world = build_world()
    records = generate_scenario(world, CODEC, jobseekers=30, seed=4).records
    pipeline = pipeline_for(world, key_ring=clear_key_ring())
    states: dict[bytes, JobseekerState] = {}
    envelopes = []
    for offset, (key, value) in enumerate(records):
        state = states.get(key or b"", JobseekerState())
        result = pipeline.process(value, key, SourcePosition("a", 0, offset), state)
        if result.state is not None:
            states[key or b""] = result.state
        for delivery in result.deliveries:
            fields = CODEC.decode(delivery.value, RECIPIENT_RECORD)["fields"]
            envelopes += [f["encrypted"] for f in fields if f["encrypted"] is not None]
    assert envelopes
    assert all(envelope[18:30] == bytes(12) for envelope in envelopes), "zero nonces"
