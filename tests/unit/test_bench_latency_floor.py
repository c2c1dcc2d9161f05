"""The latency benchmark's floor, in its pure parts: matching what comes back to what was
sent on each path (handovers counted, not timed), the summaries, hub minus floor, the flat
figures, the targets judged on the hub's p99 with the floor beside them, and the table."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console

from lovhub.codec import codec_for
from lovhub.core import JobseekerState
from lovhub.core.outputs import OutboundRecord, SourcePosition
from lovhub.synthetic import build_world, generate_scenario, pipeline_for
from lovhub_bench.latency import Arrivals, LatencyPath, RatePhase, _tags
from lovhub_bench.latency_floor import (
    FLOOR,
    HARNESS,
    HUB,
    PASSTHROUGH,
    compare_to_floor,
    floor_figures,
    hub_minus_floor,
)
from lovhub_bench.report import latency_table
from lovhub_bench.results import BenchResult, check_targets

CODEC = codec_for(None)
ECHO = LatencyPath(HARNESS, "echo", ("echo",))
TXN = LatencyPath(FLOOR, "txn.agency", ("txn.sink",))
HUB_PATH = LatencyPath(HUB, "hub.agency", ("to.a", "to.b"), by_trace=True)


def _summary(path: str, rate: int, p50: float, p95: float, p99: float) -> dict[str, Any]:
    phase = RatePhase(path, rate, 1.0)
    phase.samples = [p50] * 50 + [p95] * 45 + [p99] * 5
    phase.acks = [1.0, 2.0]
    return phase.summary()


# -- matching -------------------------------------------------------------------------------


def _live_and_handover() -> tuple[OutboundRecord, OutboundRecord]:
    """A live delivery and a handover, as the hub's pipeline makes them."""
    world = build_world(extra_providers=1)
    scenario = generate_scenario(world, CODEC, jobseekers=40, seed=3)
    pipeline = pipeline_for(world, recipient_topic=lambda recipient: f"to.{recipient.id}")
    states: dict[bytes, JobseekerState] = {}
    live: OutboundRecord | None = None
    for offset, (key, value) in enumerate(scenario.records):
        state = states.get(key or b"", JobseekerState())
        result = pipeline.process(value, key, SourcePosition("a", 0, offset), state)
        if result.state is not None:
            states[key or b""] = result.state
        for delivery in result.deliveries:
            if b"delivery_kind" not in delivery.value:
                live = live or delivery
            elif live is not None and b"HANDOVER" in delivery.value:
                return live, delivery
    raise AssertionError("the scenario has a live delivery and then a handover")


def test_each_path_is_matched_its_own_way_and_timed_from_its_hand_over() -> None:
    arrivals = Arrivals([ECHO, TXN, HUB_PATH])
    echo, txn, hub = (RatePhase(path, 500, 1.0) for path in (HARNESS, FLOOR, HUB))
    for phase in (echo, txn, hub):
        arrivals.begin(phase)
    arrivals.expect(echo, [b"record one"], 10.0)
    arrivals.expect(txn, [b"record one"], 20.0)
    arrivals.expect(hub, [b"ref-a", b"ref-b"], 30.0)
    arrivals.arrived("echo", [], b"record one", 10.004)
    arrivals.arrived("txn.sink", [], b"record one", 20.05)
    arrivals.arrived("to.a", [("trace_id", b"ref-a")], b"live record", 30.1)
    arrivals.arrived("to.b", [("trace_id", b"ref-b")], b"live record", 30.2)
    arrivals.arrived("to.b", [("trace_id", b"ref-b")], b"status answer", 30.3)  # same event
    arrivals.arrived("elsewhere", [], b"record one", 99.0)  # no path's topic: ignored
    assert echo.samples == pytest.approx([4.0])
    assert txn.samples == pytest.approx([50.0]), "each path has its own hand-over times"
    assert hub.samples == pytest.approx([100.0, 200.0, 300.0])
    assert arrivals.unmatched == {HARNESS: 0, FLOOR: 0, HUB: 0}


def test_the_hub_is_matched_by_trace_id_and_the_others_by_value() -> None:
    arrivals = Arrivals([TXN, HUB_PATH])
    txn, hub = RatePhase(FLOOR, 500, 1.0), RatePhase(HUB, 500, 1.0)
    arrivals.expect(txn, [b"record one"], 1.0)
    arrivals.expect(hub, [b"ref-a"], 1.0)
    arrivals.arrived("txn.sink", [("trace_id", b"record one")], b"another record", 2.0)
    arrivals.arrived("to.a", [("trace_id", b"ref-x")], b"ref-a", 2.0)
    arrivals.arrived("to.a", [], b"a record without a trace", 2.0)
    assert txn.samples == hub.samples == []
    assert arrivals.unmatched == {FLOOR: 1, HUB: 2}


def test_handovers_are_counted_in_the_running_phase_and_never_timed() -> None:
    live, handover = _live_and_handover()
    arrivals = Arrivals([HUB_PATH])
    earlier, now = RatePhase(HUB, 500, 1.0), RatePhase(HUB, 2000, 1.0)
    trace = dict(handover.headers)["trace_id"]
    arrivals.begin(earlier)
    arrivals.expect(earlier, [trace, dict(live.headers)["trace_id"]], 1.0)
    arrivals.begin(now)  # the handover's older event was sent in the earlier phase
    arrivals.arrived("to.a", list(handover.headers), handover.value, 9.0)
    arrivals.arrived("to.a", list(live.headers), live.value, 1.5)
    assert (earlier.handovers, now.handovers) == (0, 1)
    assert earlier.samples == pytest.approx([500.0]), "the live delivery alone is timed"
    assert now.samples == []
    assert arrivals.unmatched[HUB] == 0


def test_the_hub_is_expected_under_every_recipients_reference_the_floors_under_the_value():
    records = [(b"k1", b"valid"), (b"k2", b"invalid"), (b"k3", b"valid too")]
    event_ids = ["e1", None, "e3"]

    def references(event_id: str) -> list[str]:
        return [f"{recipient}:{event_id}" for recipient in ("a", "b")]

    assert _tags(HUB_PATH, records, event_ids, references) == [
        [b"a:e1", b"b:e1"],
        (),  # the hub dead-letters an invalid record: nothing comes back
        [b"a:e3", b"b:e3"],
    ]
    assert _tags(TXN, records, event_ids, references) == [
        (b"valid",),
        (b"invalid",),  # forwarded like any other
        (b"valid too",),
    ]


def test_a_phase_summary_has_its_path_percentiles_acks_and_handovers() -> None:
    phase = RatePhase(HUB, 2000, 3.0, sent=6000, achieved_rate=1995.04)
    phase.samples = [float(v) for v in range(100, 0, -1)]
    phase.acks = [3.0, 1.0, 2.0]
    phase.handovers = 7
    assert phase.summary() == {
        "path": HUB,
        "target_rate": 2000,
        "achieved_rate": 1995.0,
        "events": 6000,
        "deliveries": 100,
        "p50_ms": 50.0,
        "p95_ms": 95.0,
        "p99_ms": 99.0,
        "max_ms": 100.0,
        "ack_p50_ms": 2.0,
        "ack_p99_ms": 3.0,
        "handovers_not_timed": 7,
    }


# -- floor + hub ----------------------------------------------------------------------------


def test_hub_minus_floor_is_percentile_minus_percentile_and_may_be_negative() -> None:
    hub = {"p50_ms": 40.0, "p95_ms": 90.5, "p99_ms": 120.25}
    floor = {"p50_ms": 12.0, "p95_ms": 30.0, "p99_ms": 130.0}
    assert hub_minus_floor(hub, floor) == {"p50_ms": 28.0, "p95_ms": 60.5, "p99_ms": -9.75}


def _rows() -> list[dict[str, Any]]:
    summaries = [
        _summary(path, rate, *values)
        for rate in (500, 2000)
        for path, values in (
            (HARNESS, (2.0, 5.0, 9.0)),
            (PASSTHROUGH, (6.0, 12.0, 20.0)),
            (FLOOR, (rate / 100, 25.0, 40.0)),
            (HUB, (rate / 50, 80.0, 130.0)),
        )
    ]
    return compare_to_floor(summaries)


def test_rows_per_rate_hold_every_path_and_the_hub_minus_its_floor() -> None:
    rows = _rows()
    assert [row["target_rate"] for row in rows] == [500, 2000]
    assert set(rows[0]) == {"target_rate", HARNESS, PASSTHROUGH, FLOOR, HUB, "hub_minus_floor"}
    assert rows[0][HUB]["p50_ms"] == 10.0
    assert "path" not in rows[0][HUB]
    assert rows[0]["hub_minus_floor"] == {"p50_ms": 5.0, "p95_ms": 55.0, "p99_ms": 90.0}
    assert rows[1]["hub_minus_floor"]["p50_ms"] == 20.0
    only_hub = compare_to_floor([_summary(HUB, 200, 1.0, 2.0, 3.0)])
    assert "hub_minus_floor" not in only_hub[0], "no difference without a floor"


def test_the_flat_figures_name_each_path_and_keep_the_hubs_names() -> None:
    figures = floor_figures(_rows())
    assert figures["p99_ms_at_2000"] == 130.0  # the hub's, as before the floor existed
    assert figures["floor_p99_ms_at_2000"] == 40.0
    assert figures["harness_p50_ms_at_500"] == 2.0
    assert figures["passthrough_p95_ms_at_500"] == 12.0
    assert figures["hub_minus_floor_p99_ms_at_2000"] == 90.0
    assert figures["harness_ack_p99_ms_at_500"] == 2.0
    assert "achieved_rate_at_500" in figures
    assert len(figures) == 2 * (4 * 3 + 3 + 2 + 1)


def test_latency_targets_judge_the_hubs_p99_with_the_floor_beside_it() -> None:
    result = BenchResult("latency", "", floor_figures(_rows()))
    checks = {c.name: c for c in check_targets({"latency": result})}
    at_500, at_2000 = checks["p99_500"], checks["p99_2000"]
    assert (at_500.target, at_500.measured, at_500.floor) == (20, 130.0, 40.0)
    assert at_500.met is False
    assert at_500.missed_by == pytest.approx(110.0), "says by how much it is missed"
    assert "hub - floor 90 ms" in at_500.note
    assert at_2000.target == 50
    assert at_2000.to_json()["floor"] == 40.0
    assert at_2000.to_json()["missed_by"] == 80.0
    fast = BenchResult("latency", "", {"p99_ms_at_500": 15.0})
    met = {c.name: c for c in check_targets({"latency": fast})}["p99_500"]
    assert met.met is True
    assert met.missed_by is None
    assert met.floor is None
    assert "p99_2000" not in {c.name for c in check_targets({"latency": fast})}


def test_missed_by_for_a_higher_is_better_target() -> None:
    result = BenchResult("core", "", {"events_per_s": 5_000})
    check = {c.name: c for c in check_targets({"core": result})}["core"]
    assert check.missed_by == 45_000


def test_the_latency_table_reads_harness_floor_and_hub_per_rate() -> None:
    console = Console(record=True, width=200)
    console.print(latency_table(_rows()))
    text = console.export_text()
    for heading in ("harness alone", "pass-through", "floor (txn", "hub - floor", "handovers"):
        assert heading in text
    lines = {line.split("│")[1].strip(): line for line in text.splitlines() if "│" in line}
    assert "2 / 5 / 9" in lines["harness alone (no service)"]  # at 500/s
    assert "5 / 25 / 40" in lines["floor (txn pass-through)"]
    assert "10 / 80 / 130" in lines["hub"]
    assert "5 / 55 / 90" in lines["hub - floor"]
    assert "20 / 55 / 90" in lines["hub - floor"]  # at 2,000/s
    assert text.index("500/s") < text.index("2,000/s"), "a column per rate, in order"
