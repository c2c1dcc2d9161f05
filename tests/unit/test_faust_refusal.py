"""The Faust engine is a benchmark baseline: refused on the batch engine's group and topics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lovhub.provisioning.topology import AUDIT, DEAD_LETTER
from lovhub.worker.faust_engine import batch_engine_collisions

LOVHUB = str(Path(sys.executable).parent / "lovhub")
OWN = {
    "group": "lovhub-bench-r1-faust",
    "source": "bench.r1.source",
    "audit": "bench.r1.faust.audit",
    "dead_letter": "bench.r1.faust.dead-letter",
    "recipient_template": "bench.r1.faust.recipient.{id}",
}


def test_own_group_and_topics_are_allowed() -> None:
    assert batch_engine_collisions(**OWN) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("group", "lovhub-hub"),
        ("source", "lov.agency.jobseeker-events.v1"),
        ("audit", AUDIT),
        ("audit", "lov.hub.audit.reports.v1"),
        ("dead_letter", DEAD_LETTER),
        ("recipient_template", ""),
        ("recipient_template", "lov.provider.{id}.v1"),
    ],
)
def test_each_batch_engine_resource_is_refused(field: str, value: str) -> None:
    assert len(batch_engine_collisions(**{**OWN, field: value})) == 1


def run_faust(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LOVHUB_STATE_DIR": str(tmp_path),
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
    }
    return subprocess.run(
        [LOVHUB, "run", "--engine", "faust", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_lovhub_run_faust_with_the_batch_defaults_exits_2_with_a_reason(tmp_path: Path) -> None:
    done = run_faust(tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "benchmark baseline only" in done.stderr
    assert "lovhub-hub" in done.stderr


def test_lovhub_run_faust_on_the_hub_audit_topic_is_refused(tmp_path: Path) -> None:
    done = run_faust(
        tmp_path,
        *("--group", OWN["group"], "--source-topic", OWN["source"]),
        *("--dead-letter-topic", OWN["dead_letter"]),
        *("--recipient-topic-template", OWN["recipient_template"]),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert AUDIT in done.stderr
