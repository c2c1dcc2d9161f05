"""The soak's pure parts: trends, the latency histogram, the verdicts and their criteria,
the endless stream (the same events lovhub.synthetic generates), telling handovers apart,
matching deliveries to events, the progress lines and the command's refusals."""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from lovhub.cli.main import app
from lovhub.codec import codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.errors import ConfigurationError
from lovhub.synthetic import build_world, generate_scenario, pipeline_for
from lovhub_bench.handovers import is_handover
from lovhub_bench.latency import percentile
from lovhub_bench.soak_loop import _Deliveries
from lovhub_bench.soak_probes import ProcessProbe, directory_mb
from lovhub_bench.soak_report import progress_printer
from lovhub_bench.soak_stats import LatencyHistogram, SoakSample, fit_trend
from lovhub_bench.soak_stream import SoakStream
from lovhub_bench.soak_verdicts import MIN_MEMORY_HALF_SECONDS, RSS_LIMIT_MB, judge

CODEC = codec_for(None)
MINUTES = 30
SECONDS = MINUTES * 60.0
RATE = 500


# -- arithmetic -----------------------------------------------------------------------------


@given(
    st.floats(-1e3, 1e3, allow_nan=False),
    st.floats(-10, 10, allow_nan=False),
    # Sample times as the soak takes them: distinct, at least a millisecond apart (two
    # times 1e-38 s apart make any least-squares fit ill-conditioned, in any implementation).
    st.lists(st.integers(0, 3_600_000), min_size=2, max_size=50, unique=True).map(
        lambda millis: [m / 1000 for m in millis]
    ),
)
def test_a_straight_line_is_fitted_exactly(intercept: float, slope: float, times: list[float]):
    trend = fit_trend(times, [intercept + slope * t for t in times])
    assert trend is not None
    assert trend.slope_per_s == pytest.approx(slope, abs=1e-6)
    assert trend.rise == pytest.approx(slope * (max(times) - min(times)), abs=1e-3)
    assert trend.slope_per_min == pytest.approx(slope * 60, abs=1e-4)


def test_no_trend_without_two_distinct_times() -> None:
    assert fit_trend([], []) is None
    assert fit_trend([5.0], [1.0]) is None
    assert fit_trend([5.0, 5.0], [1.0, 9.0]) is None
    with pytest.raises(ValueError, match="one value per time"):
        fit_trend([1.0, 2.0], [1.0])


@given(
    st.lists(st.floats(0.001, 600_000, allow_nan=False), min_size=1, max_size=400),
    st.sampled_from([0.5, 0.95, 0.99, 1.0]),
)
def test_histogram_percentiles_are_within_two_percent_above(values: list[float], share: float):
    histogram = LatencyHistogram()
    histogram.add(values)
    exact = percentile(sorted(values), share)
    found = histogram.percentile(share)
    assert found is not None
    assert exact <= found * (1 + 1e-9)
    assert found <= max(exact, LatencyHistogram.FLOOR_MS) * 1.02 * (1 + 1e-9)


def test_histograms_merge_and_summarise() -> None:
    first, second, both = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    first.add([1.0, 2.0, 3.0])
    second.add([100.0, 4.0])
    both.add([1.0, 2.0, 3.0, 100.0, 4.0])
    first.merge(second)
    assert first.counts == both.counts
    assert first.summary() == both.summary()
    assert first.summary()["deliveries"] == 5
    assert first.summary()["max_ms"] == 100.0
    assert LatencyHistogram().summary() == {
        "deliveries": 0,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "max_ms": None,
    }


# -- verdicts -------------------------------------------------------------------------------


def _samples(
    *,
    seconds: float = SECONDS,
    interval: float = 5.0,
    rss: Any = lambda t: 150.0,
    lag: Any = lambda t: 40,
    p99: Any = lambda t: 100.0,
    unmatched: int = 0,
    produced_per_s: float = RATE,
) -> list[SoakSample]:
    made = []
    for tick in range(1, int(seconds / interval) + 1):
        t = tick * interval
        made.append(
            SoakSample(
                t_s=t,
                phase="first_half" if t <= seconds / 2 else "second_half",
                window_s=interval,
                produced_per_s=produced_per_s,
                committed_per_s=produced_per_s,
                lag=lag(t),
                deliveries=700,
                p50_ms=p99(t) / 2,
                p95_ms=p99(t) * 0.9,
                p99_ms=p99(t),
                max_ms=p99(t) * 1.2,
                unmatched=unmatched if t > seconds / 2 else 0,
                handovers=300,
                worker_rss_mb=rss(t),
                worker_cpu=0.5,
                harness_rss_mb=120.0,
                harness_cpu=0.3,
                state_disk_mb=t / 10,
                load_1m=1.5,
            )
        )
    return made


def _judge(samples: list[SoakSample], **overrides: Any) -> dict[str, Any]:
    seconds = overrides.pop("seconds", SECONDS)
    arguments: dict[str, Any] = {
        "rate": RATE,
        "steady_seconds": seconds,
        "produced": int(RATE * seconds),
        "drained_after_s": 5.0,
    }
    return judge(samples, **{**arguments, **overrides})


def _sawtooth(t: float) -> float:
    """RocksDB's memtable filling for 70 s, then flushed: RSS between 100 and 155 MB."""
    return 100.0 + 55.0 * ((t % 70.0) / 70.0)


def test_a_steady_worker_passes_every_verdict_even_with_memtable_cycles() -> None:
    verdicts = _judge(_samples(rss=_sawtooth))
    assert verdicts["steady"] is True
    assert all(verdicts[name]["ok"] is True for name in verdicts if name != "steady")
    memory = verdicts["memory_flat"]
    assert abs(memory["rise_mb"]) < 3.5, "15 min of 70 s cycles move the line by ~3 MB at most"
    assert memory["limit_mb"] == RSS_LIMIT_MB
    assert "criterion" in memory


def test_a_leak_of_a_few_bytes_per_event_is_not_flat() -> None:
    # 40 bytes per event at 500 events/s: 1.14 MB/min, about 17 MB over the second half.
    def leaking(t: float) -> float:
        return _sawtooth(t) + 40 * RATE * t / 1024 / 1024

    memory = _judge(_samples(rss=leaking))["memory_flat"]
    assert memory["ok"] is False
    assert memory["bytes_per_event"] == pytest.approx(40, rel=0.15)
    assert memory["slope_mb_per_min"] == pytest.approx(40 * RATE * 60 / 1024 / 1024, rel=0.15)


def test_memory_is_not_judged_on_a_short_run_but_its_figures_are_given() -> None:
    seconds = 2 * MIN_MEMORY_HALF_SECONDS - 60
    memory = _judge(_samples(seconds=seconds), seconds=seconds)["memory_flat"]
    assert memory["ok"] is None
    assert "not judged" in memory["note"]
    assert memory["rise_mb"] == pytest.approx(0.0)
    long_enough = 2 * MIN_MEMORY_HALF_SECONDS + 20
    assert _judge(_samples(seconds=long_enough), seconds=long_enough)["memory_flat"]["ok"]


def test_growing_lag_is_not_bounded() -> None:
    # 3 events/s short of the rate: 2,700 more records behind after the 15-minute half.
    lag = _judge(_samples(lag=lambda t: 3 * t))["lag_bounded"]
    assert lag["ok"] is False
    assert lag["rise_events"] > lag["limit_events"] == 5 * RATE
    assert lag["max_lag"] == 3 * SECONDS
    assert lag["max_lag_seconds_of_input"] == pytest.approx(3 * SECONDS / RATE)


def test_latency_that_creeps_up_or_goes_past_the_horizon_is_not_stable() -> None:
    creeping = _judge(_samples(p99=lambda t: 80 + t / 10))["latency_stable"]
    assert creeping["ok"] is False
    assert creeping["rise_ms"] > creeping["limit_ms"]
    late = _judge(_samples(unmatched=3))["latency_stable"]
    assert late["ok"] is False
    assert late["unmatched_deliveries"] > 0


def test_rate_drain_and_unknowns_decide_the_overall_verdict() -> None:
    samples = _samples()
    assert _judge(samples, produced=int(0.9 * RATE * SECONDS))["rate_kept"]["ok"] is False
    undrained = _judge(samples, drained_after_s=None)
    assert undrained["drained"]["ok"] is False
    assert undrained["steady"] is False
    too_few = _judge(samples[:3])  # nothing in the second half
    assert too_few["memory_flat"]["ok"] is None
    assert too_few["lag_bounded"]["ok"] is None
    assert too_few["steady"] is None
    nothing = _judge([], produced=0)
    assert nothing["memory_flat"]["start_mb"] is None
    assert nothing["steady"] is False, "nothing produced: the rate was not kept"


def test_lag_the_broker_did_not_answer_is_left_out() -> None:
    samples = _samples(lag=lambda t: None if int(t) % 10 == 0 else 40)
    lag = _judge(samples)["lag_bounded"]
    assert lag["ok"] is True
    assert lag["unanswered_samples"] == len(samples) // 2


# -- the stream -----------------------------------------------------------------------------


def test_the_stream_is_lovhub_synthetics_events_chunk_after_chunk() -> None:
    world = build_world(extra_providers=1)
    stream = SoakStream(world, seed=11, chunk=20)
    first_chunk, second_chunk = [], []
    for record in stream:
        if stream.jobseekers == 40:
            second_chunk.append(record)
        elif stream.jobseekers == 60:
            break
        else:
            first_chunk.append(record)
    for number, chunk in ((0, first_chunk), (1, second_chunk)):
        expected = generate_scenario(
            world, CODEC, jobseekers=20, seed=11 + number, first_number=1 + 20 * number
        )
        events = [e for e in expected.events if e is not None]
        mine = [r for r in chunk if r.event_id is not None]
        assert [r.event_id for r in mine] == [str(e["event_id"]) for e in events]
        valid = [rec for rec, e in zip(expected.records, expected.events, strict=True) if e]
        assert [(r.key, r.value) for r in mine] == valid
        assert len(chunk) == len(expected.records), "invalid inputs in the same places"
    keys = {r.key for r in first_chunk} & {r.key for r in second_chunk}
    assert keys <= {r.key for r in first_chunk if r.event_id is None}, "fresh jobseekers"
    assert stream.describe()["events"] == stream.records == len(first_chunk) + 1 + len(second_chunk)
    assert stream.invalid == sum(1 for r in [*first_chunk, *second_chunk] if r.event_id is None)


def test_a_stream_needs_a_chunk() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SoakStream(build_world(), seed=1, chunk=0)


# -- deliveries -----------------------------------------------------------------------------


def test_handovers_are_told_apart_from_deliveries_caused_by_their_own_event() -> None:
    """Oracle: a delivery caused by its own event carries that event's reference for the
    recipient (a live record, a status answer); a handover carries an older event's."""
    world = build_world(extra_providers=1)
    pseudonymiser = world.pseudonymiser()
    scenario = generate_scenario(world, CODEC, jobseekers=40, seed=3)
    pipeline = pipeline_for(world, recipient_topic=lambda recipient: f"to.{recipient.id}")
    states: dict[bytes, JobseekerState] = {}
    seen = {True: 0, False: 0}
    for offset, ((key, value), event) in enumerate(
        zip(scenario.records, scenario.events, strict=True)
    ):
        state = states.get(key or b"", JobseekerState())
        result = pipeline.process(value, key, SourcePosition("a", 0, offset), state)
        if result.state is not None:
            states[key or b""] = result.state
        for delivery in result.deliveries:
            assert event is not None
            recipient = delivery.topic.removeprefix("to.")
            own = pseudonymiser.event_reference(recipient, str(event["event_id"]))
            handover = dict(delivery.headers)["trace_id"] != own.encode()
            assert is_handover(delivery.value) is handover
            seen[handover] += 1
    assert seen[True] > 10
    assert seen[False] > 10


def test_deliveries_are_timed_from_their_event_and_forgotten_after_the_horizon() -> None:
    deliveries = _Deliveries(horizon=30.0)
    deliveries.expect([b"ref-a", b"ref-b"], 100.0)
    deliveries.expect([b"ref-c"], 110.0)
    deliveries.arrived(b"ref-a", b"live record", 100.05)
    deliveries.arrived(b"ref-a", b"status answer", 100.07)  # one event, twice
    deliveries.forget_old(135.0)  # ref-a and ref-b were sent 35 s ago
    deliveries.arrived(b"ref-b", b"late record", 135.0)
    deliveries.arrived(b"ref-c", b"live record", 110.2)
    latencies, unmatched, handovers = deliveries.take_window()
    assert latencies == pytest.approx([50.0, 70.0, 200.0])
    assert (unmatched, handovers) == (1, 0)
    assert deliveries.sent_at == {b"ref-c": 110.0}
    assert deliveries.take_window() == ([], 0, 0), "a new window begins"


# -- probes, progress and the command --------------------------------------------------------


def test_this_process_is_probed(tmp_path: Path) -> None:
    probe = ProcessProbe(os.getpid())
    before = probe.cpu_seconds()
    sum(i * i for i in range(300_000))
    assert probe.cpu_seconds() >= before
    assert 10 < probe.rss_mb() <= probe.peak_rss_mb()
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "000001.sst").write_bytes(bytes(1024 * 1024))
    (tmp_path / "LOG").write_bytes(bytes(512 * 1024))
    assert directory_mb(tmp_path) == pytest.approx(1.5)


def test_progress_every_thirty_seconds_and_through_the_drain() -> None:
    lines: list[str] = []
    progress = progress_printer(lines.append, 120.0)
    for sample in _samples(seconds=120.0):
        progress(sample)
    drain = dataclasses.replace(_samples(seconds=120.0)[-1], t_s=125.0, phase="drain", lag=0)
    progress(drain)
    assert [line.split("]")[0] for line in lines] == [
        "[    5s/120s first_half",
        "[   35s/120s first_half",
        "[   65s/120s second_half",
        "[   95s/120s second_half",
        "[  125s/120s drain",
    ]
    assert "lag 40" in lines[0]
    assert "worker RSS 150.0 MB" in lines[0]
    assert "p99 100 ms" in lines[0]
    assert all(math.isfinite(float(line.split("CPU ")[1].split(",")[0])) for line in lines)


@pytest.mark.parametrize("other", [["--only", "core"], ["--quick"], ["--mode", "tiny"]])
def test_a_soak_runs_on_its_own(other: list[str]) -> None:
    result = CliRunner().invoke(app, ["bench", "--soak", "1", *other])
    assert isinstance(result.exception, ConfigurationError)  # `lovhub` exits 2 on it
    assert "--soak runs on its own" in str(result.exception)
