"""--jobseeker takes '-' (stdin) or an agency id, never a personal id on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from lovhub.cli.audit_tools import jobseeker_argument

LOVHUB = str(Path(sys.executable).parent / "lovhub")
PERSONAL_IDS = ["190001010016", "19000101-0016", "000101-0016", "0001010016", "000101+0016"]


@pytest.mark.parametrize("value", PERSONAL_IDS)
def test_a_personal_id_is_refused_with_the_way_to_give_it(value: str) -> None:
    with pytest.raises(typer.BadParameter, match="--jobseeker -"):
        jobseeker_argument(value, None)


def test_an_agency_id_is_taken_as_is() -> None:
    assert jobseeker_argument("js-000042", None) == "js-000042"
    assert jobseeker_argument("js-000042", "js-000042") == "js-000042"
    with pytest.raises(typer.BadParameter):
        jobseeker_argument("js-000042", "js-000043")


@pytest.mark.parametrize("command", ["report", "replay"])
def test_the_cli_refuses_a_personal_id_and_does_not_echo_it(tmp_path: Path, command: str) -> None:
    secret = tmp_path / "hub-secret.hex"
    secret.write_text("00" * 32, encoding="utf-8")
    env = {
        **os.environ,
        "LOVHUB_STATE_DIR": str(tmp_path),
        "COLUMNS": "400",  # the message on one line
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
        "LOVHUB_HUB_SECRET_FILE": str(secret),
        "LOVHUB_KAFKA_SASL_USERNAME": "nobody",  # nothing is reached: refused before
        "LOVHUB_KAFKA_SASL_PASSWORD": "unused",
    }
    done = subprocess.run(
        [LOVHUB, "audit", command, "--jobseeker", "190001010016"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--jobseeker -" in done.stderr
    assert "190001010016" not in done.stdout
