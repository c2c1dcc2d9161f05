"""benchmarks/ab_suite.py runs a revision's own `lovhub bench` twice and compares figures
(tiny sizes, one revision against itself: this checks that it works, never speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.broker import TestBroker

ROOT = Path(__file__).resolve().parents[2]


def test_ab_suite_compares_a_revisions_figures_round_by_round(
    kafka_broker: TestBroker, tmp_path: Path
) -> None:
    env = kafka_broker.admin_environment(tmp_path / "state")
    out = tmp_path / "ab-suite.json"
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/ab_suite.py",
            "--before",
            "HEAD",
            "--after",
            "HEAD",
            "--rounds",
            "1",
            "--figure",
            "core.events_per_s",
            "--figure",
            "e2e.events_per_s",
            "--out",
            str(out),
            "--remove-worktrees",
            "--",
            "--mode",
            "tiny",
            "--only",
            "core",
            "--only",
            "e2e",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    results = json.loads(out.read_text())
    assert results["before"]["commit"] == results["after"]["commit"]
    (row,) = results["rounds"]
    for side in ("before", "after"):
        assert row[side]["core.events_per_s"] > 0
        assert row[side]["e2e.events_per_s"] > 0
    assert results["medians"]["e2e.events_per_s"]["ratio"] > 0
    assert "e2e.events_per_s: median before" in done.stdout
