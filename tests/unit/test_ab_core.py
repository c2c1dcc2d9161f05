"""benchmarks/ab_core.py, the same-run comparison of two revisions, as its README runs it
(at a tiny size: this checks that it works, never how fast anything is)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_comparing_a_revision_with_itself_measures_both_and_writes_the_ratio(
    tmp_path: Path,
) -> None:
    out = tmp_path / "ab.json"
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/ab_core.py",
            "--before",
            "HEAD",
            "--after",
            "HEAD",
            "--rounds",
            "2",
            "--jobseekers",
            "40",
            "--out",
            str(out),
            "--remove-worktrees",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "median of round ratios" in done.stdout
    results = json.loads(out.read_text())
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert results["before"]["commit"] == results["after"]["commit"] == head
    assert len(results["rounds"]) == 2
    for row in results["rounds"]:
        for side in ("before", "after"):
            assert row[side]["events"] > 40  # several events per jobseeker
            assert row[side]["events_per_cpu_s"] > 0
            # Measured in the revision's own worktree, never the checkout's package.
            assert "build/ab/" in row[side]["package"]
        assert row["ratio"] > 0
    assert results["median_ratio"] > 0
