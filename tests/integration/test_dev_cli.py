"""`lovhub dev up | status | down` through the real console script, on a broker of its own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lovhub.devbroker import free_port_pair

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LOVHUB, *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


@pytest.fixture
def dev_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    client_port, _ = free_port_pair()
    env = {
        **os.environ,
        "LOVHUB_STATE_DIR": str(tmp_path / "state"),
        "LOVHUB_DEV_BROKER_PORT": str(client_port),
        "COLUMNS": "200",
    }
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "LOVHUB_KAFKA_BOOTSTRAP_SERVERS"):
        env.pop(name, None)
    yield env
    _run(env, "dev", "down")


def test_up_is_idempotent_and_status_tells_the_truth(dev_env: dict[str, str]) -> None:
    first = _run(dev_env, "dev", "up")
    assert first.returncode == 0, first.stderr
    assert "broker ready in" in first.stderr
    port = dev_env["LOVHUB_DEV_BROKER_PORT"]
    assert f"127.0.0.1:{port}" in first.stdout
    connection_file = Path(dev_env["LOVHUB_STATE_DIR"]) / "broker" / "connection.json"
    assert connection_file.stat().st_mode & 0o777 == 0o600

    second = _run(dev_env, "dev", "up")
    assert second.returncode == 0, second.stderr
    assert "already running" in second.stderr

    running = _run(dev_env, "dev", "status")
    assert running.returncode == 0
    assert "running" in running.stdout

    init = _run(dev_env, "admin", "init")
    assert init.returncode == 0, init.stderr
    assert "lov.agency.jobseeker-events.v1" in init.stderr

    down = _run(dev_env, "dev", "down")
    assert down.returncode == 0
    assert "broker stopped" in down.stderr
    stopped = _run(dev_env, "dev", "status")
    assert stopped.returncode == 3
    assert "stopped" in stopped.stdout
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(port)), timeout=2).close()


def test_up_reports_a_taken_port(dev_env: dict[str, str]) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(dev_env["LOVHUB_DEV_BROKER_PORT"])))
        squatter.listen()
        result = _run(dev_env, "dev", "up")
    assert result.returncode == 4
    assert "is taken by another process" in result.stderr


def test_up_without_java_says_what_to_install(dev_env: dict[str, str], tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {**dev_env, "PATH": str(empty_bin)}
    env.pop("JAVA_HOME", None)
    result = _run(env, "dev", "up")
    assert result.returncode == 3
    assert "Java 17 or newer" in result.stderr


def test_up_without_maven_and_no_cached_jars_says_what_to_install(
    dev_env: dict[str, str], tmp_path: Path
) -> None:
    java = shutil.which("java")
    assert java is not None
    only_java = tmp_path / "bin"
    only_java.mkdir()
    (only_java / "java").symlink_to(java)
    env = {**dev_env, "PATH": str(only_java), "LOVHUB_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("JAVA_HOME", None)
    result = _run(env, "dev", "up")
    assert result.returncode == 3
    assert "Maven" in result.stderr
