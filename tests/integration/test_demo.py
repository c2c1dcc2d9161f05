"""The README's main command runs against whatever broker the settings name."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.broker import TestBroker

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def test_demo_runs_the_hub_end_to_end_and_shows_its_guarantees(
    kafka_broker: TestBroker, tmp_path: Path
) -> None:
    env = {**kafka_broker.admin_environment(tmp_path), "COLUMNS": "200"}
    result = subprocess.run(
        [LOVHUB, "demo", "--jobseekers", "40", "--seed", "4242"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "hub worker processed" in result.stderr
    assert "DELIVERED" in result.stdout
    assert "REJECTED" in result.stdout
    assert "with another recipient's key: none opened" in result.stdout
    # The agency's flows (issue 11): handovers, status answers and follow-ups all happen.
    assert re.search(
        r"[1-9]\d* handover records .*, [1-9]\d* status\s+answers on consent, [1-9]\d* "
        r"deliveries\s+after an assignment ended",
        result.stdout,
        re.S,
    ), result.stdout[-3000:]
    assert "the broker refused lovhub-hub a write" in result.stdout
    # The second act: a provider's reports through the report processor, the evidence
    # verified, and one person's access report in both forms.
    # (other tests' report topics on this broker may add rejections, never forwards)
    shown = " ".join(result.stdout.split())
    assert re.search(r"1 forwarded to the agency, [1-9]\d* rejected", shown)
    assert ": all verify" in result.stdout
    assert "Who has received data about me?" in result.stdout
    page = tmp_path / "demo" / "access-report.html"
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
