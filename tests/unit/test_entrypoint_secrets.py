"""The compose broker's entrypoint never puts the admin password on a command line
(issue 10, finding 14a): its storage format reads the arguments from a 0600 file."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.unit.test_deploy_consistency import COMPOSE_FILE, ENTRYPOINT, _env, _interpolate

PASSWORD = "synthetic-entrypoint-password-7Qx"

# Stand-ins for the distribution's scripts: each records how it was called, and for an
# @argument file its mode and content at that moment.
_RECORDER = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$RECORD_DIR/$(basename "$0").argv"
for argument in "$@"; do
  if [[ $argument == @* ]]; then
    stat -c %a "${argument#@}" > "$RECORD_DIR/argfile.mode"
    cp "${argument#@}" "$RECORD_DIR/argfile"
  fi
done
"""


def test_storage_format_reads_the_admin_password_from_a_private_file(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash, "bash is needed to run deploy/docker/kafka-entrypoint.sh"
    bin_dir, records, config = tmp_path / "bin", tmp_path / "records", tmp_path / "config"
    bin_dir.mkdir()
    records.mkdir()
    for name in ("kafka-run-class.sh", "kafka-storage.sh", "kafka-server-start.sh"):
        script = bin_dir / name
        script.write_text(_RECORDER, encoding="utf-8")
        script.chmod(0o755)
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    broker_env = {k: _interpolate(v) for k, v in _env(compose["services"]["kafka"]).items()}
    env = {
        **broker_env,
        "LOVHUB_ADMIN_PASSWORD": PASSWORD,
        "CLUSTER_ID": "P29-dFGFTJqiOz8SeM0voA",
        "LOVHUB_KAFKA_BIN": str(bin_dir),
        "LOVHUB_KAFKA_CONFIG_DIR": str(config),
        "RECORD_DIR": str(records),
        "PATH": os.environ["PATH"],
    }
    result = subprocess.run(
        [bash, str(ENTRYPOINT), "start"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (records / "kafka-server-start.sh.argv").exists(), "the broker was started"

    command_lines = [path.read_text(encoding="utf-8") for path in records.glob("*.argv")]
    assert command_lines
    assert not any(PASSWORD in line for line in command_lines)
    argv = (records / "kafka-run-class.sh.argv").read_text(encoding="utf-8").split()
    assert len(argv) == 1
    assert argv[0].startswith("@")
    assert (records / "argfile.mode").read_text().strip() == "600"
    assert not Path(argv[0][1:]).exists(), "the argument file is removed after the format"
    # Double-quoted, nothing to escape (check_secret): shell quoting reads it like the launcher.
    arguments = shlex.split((records / "argfile").read_text(encoding="utf-8"))
    assert arguments[:2] == ["kafka.tools.StorageTool", "format"]
    assert "--ignore-formatted" in arguments
    assert arguments[arguments.index("--add-scram") + 1] == (
        f"SCRAM-SHA-512=[name=lovhub-admin,password={PASSWORD}]"
    )
