"""The benchmark suite runs end to end (tiny sizes) and writes its results: not a speed test."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub_bench.config import BENCHMARKS, TINY
from tests.support.broker import TestBroker

LOVHUB = str(Path(sys.executable).parent / "lovhub")

# One figure per benchmark that any working run measures as a positive number.
HEADLINES = {
    "core": "events_per_s",
    "e2e": "events_per_s",
    "passthrough": "events_per_s",
    "plaintext": "events_per_s",
    "faust": "events_per_s",
    "latency": f"p50_ms_at_{TINY.latency_rates[0]}",
    "state": "worker_rss_mb",
    "scaleout": "two_workers_events_per_s",
}


def test_bench_tiny_run_writes_results_and_chart(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    env = kafka_broker.admin_environment(tmp_path / "state")
    done = subprocess.run(
        [LOVHUB, "bench", "--mode", "tiny", "--out", str(tmp_path / "out"), "--name", "smoke"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]

    document = json.loads((tmp_path / "out" / "smoke.json").read_text(encoding="utf-8"))
    assert set(document["benchmarks"]) == set(BENCHMARKS)
    for name, result in document["benchmarks"].items():
        assert "error" not in result["details"], (name, result["details"])
        figures = result["figures"]
        assert figures[HEADLINES[name]] > 0, (name, figures)
        assert all(math.isfinite(v) and v >= 0 for v in figures.values()), (name, figures)
    assert document["machine"]["cores"] >= 1
    assert document["machine"]["cpu_model"]
    assert document["workload"]["recipients"] >= 9
    # Every target the tiny run can speak to is checked (its one rate is not 2,000/s).
    assert set(document["targets"]) == {
        "core",
        "e2e",
        "e2e_vs_passthrough",
        "encryption_cost",
        "state_rss",
        "restart",
        "scaleout",
    }
    chart = (tmp_path / "out" / "smoke.png").read_bytes()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(chart) > 10_000
    assert "targets" in done.stdout, "the table of targets is printed"
    run = document["run_id"]
    deadline = time.monotonic() + 15  # deletion is asynchronous on the broker
    while leftovers := [
        t
        for t in kafka_admin.list_topics()
        if t.startswith((f"bench.{run}.", f"lovhub-bench-{run}"))
    ]:
        assert time.monotonic() < deadline, f"a run deletes the topics it created: {leftovers}"
        time.sleep(0.5)
