"""The wheel, installed into a fresh virtual environment outside the checkout, runs the hub
against the real broker (issue 14): every path comes from settings (LOVHUB_SCHEMA_DIR,
LOVHUB_POLICY_DIR, the start-up file variables), as the image sets them, never from the
source tree. The run decides what the reference pipeline decides."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from kafka import KafkaAdminClient

from tests.support.broker import TestBroker
from tests.support.hubrun import (
    audit_outcomes,
    lovhub_env,
    oracle_outcomes,
    read_all,
    start_run,
)

ROOT = Path(__file__).resolve().parents[2]


def _outside_env() -> dict[str, str]:
    """The environment without anything that would put the checkout on the path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _fresh_venv_with_the_wheel(tmp: Path) -> Path:
    wheels = tmp / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("lovhub-*.whl")
    venv = tmp / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], env=_outside_env(), check=True, timeout=120
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        env=_outside_env(),
        cwd=tmp,
        check=True,
        timeout=300,
    )
    # The dependencies come from the test environment's site-packages (a plain path, so its
    # editable lovhub finder is not loaded); lovhub itself only from the wheel.
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            env=_outside_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return venv


def test_the_installed_wheel_runs_the_hub_from_outside_the_checkout(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    venv = _fresh_venv_with_the_wheel(tmp_path)
    app = tmp_path / "app"  # like the image: schemas and policy copied, named by settings
    shutil.copytree(ROOT / "schemas", app / "schemas-copy")
    shutil.copytree(ROOT / "deploy" / "policy", app / "policy-copy")
    admin = kafka_broker.admin_settings
    world, topics, _ = start_run(kafka_admin, admin, jobseekers=20, seed=13)
    env = {
        k: v
        for k, v in lovhub_env(admin, world, tmp_path).items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("LOVHUB_POLICY")
    }
    env.update(
        LOVHUB_SCHEMA_DIR=str(app / "schemas-copy"),
        LOVHUB_POLICY_DIR=str(app / "policy-copy"),
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import lovhub; print(lovhub.__file__)"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), "lovhub comes from the installed wheel"
    result = subprocess.run(
        [
            str(venv / "bin" / "lovhub"),
            *topics.run_args(group=f"test-{topics.run}", worker_dir=tmp_path / "worker"),
            "--idle-exit",
            "5",
        ],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert str(ROOT) not in output, "nothing was taken from the checkout"
    counted, _ = audit_outcomes(admin, topics)
    assert counted == oracle_outcomes(world, topics, read_all(admin, topics.source))
