"""The installed package (as in the image: not an editable checkout) finds its policy
(issue 14: it looked only above its own source file, so the image could not load it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lovhub.policy.location import policy_dir_from
from lovhub.runtime import write_world
from lovhub.synthetic import build_world

ROOT = Path(__file__).resolve().parents[2]

LOAD = """
from lovhub.runtime import load_materials
materials = load_materials()
print("policy", materials.policy.version, "recipients", len(materials.recipients))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install .`` into a directory of its own, as the image's build stage does."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    assert (target / "lovhub" / "runtime.py").is_file()
    return target


def test_the_installed_package_holds_no_benchmark_code(installed: Path) -> None:
    """The benchmark suite is its own distribution (benchmarks/, lovhub-bench): the wheel
    the image installs has none of it (issue 13)."""
    package = installed / "lovhub"
    assert not (package / "bench").exists()
    assert not (installed / "lovhub_bench").exists()
    leaked = [
        path.relative_to(installed)
        for path in package.rglob("*.py")
        if "lovhub_bench" in path.read_text(encoding="utf-8")
    ]
    assert leaked == []


def _run_installed(
    installed: Path, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LOVHUB_POLICY")}
    return subprocess.run(
        [sys.executable, "-c", LOAD],
        cwd=cwd,
        env={**clean, **env, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_installed_package_loads_the_policy_from_the_images_working_directory(
    installed: Path, tmp_path: Path
) -> None:
    app = tmp_path / "app"  # the image's WORKDIR: schemas/ and deploy/policy/ copied in
    shutil.copytree(ROOT / "schemas", app / "schemas")
    shutil.copytree(ROOT / "deploy" / "policy", app / "deploy" / "policy")
    files = write_world(build_world(), tmp_path / "files")
    env = {k: v for k, v in files.items() if k != "LOVHUB_RECIPIENTS_FILE"}
    result = _run_installed(installed, app, env)
    assert result.returncode == 0, result.stderr
    assert "policy " in result.stdout
    assert "lovhub/runtime.py" not in result.stderr


def test_without_a_policy_anywhere_it_says_what_to_set(installed: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    shutil.copytree(ROOT / "schemas", empty / "schemas")
    files = write_world(build_world(), tmp_path / "files")
    env = {k: v for k, v in files.items() if k != "LOVHUB_RECIPIENTS_FILE"}
    result = _run_installed(installed, empty, env)
    assert result.returncode != 0
    assert "LOVHUB_POLICY_DIR" in result.stderr


def test_the_nearest_policy_directory_above_a_start_is_found(tmp_path: Path) -> None:
    (tmp_path / "deploy" / "policy").mkdir(parents=True)
    assert policy_dir_from([tmp_path / "a" / "b"]) is None  # no policy.yaml yet
    (tmp_path / "deploy" / "policy" / "policy.yaml").write_text("x", encoding="utf-8")
    deep = tmp_path / "a" / "b"
    assert policy_dir_from([Path("/nonexistent/x"), deep]) == tmp_path / "deploy" / "policy"
