"""The README's main command runs against whatever broker the settings name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.broker import TestBroker

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def test_demo_pushes_events_through_the_broker_and_shows_acls_hold(
    kafka_broker: TestBroker, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    assert settings.sasl_password is not None
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
        "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
        "LOVHUB_STATE_DIR": str(tmp_path),
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [LOVHUB, "demo", "--jobseekers", "30", "--events-per-jobseeker", "4"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "read back and validated 120 events as lovhub-hub" in result.stderr
    assert "the broker refused lovhub-hub a write" in result.stdout
