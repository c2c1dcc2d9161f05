"""The hub's Strimzi manifests (deploy/k8s/kafka-topics.yaml, kafka-users.yaml) are exactly
what `lovhub admin k8s-hub-resources` renders from the topology: a golden-file test, so a
hand edit or a topology change without regenerating fails here (what they must contain is
checked independently in test_deploy_consistency.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from lovhub.cli.main import app
from lovhub.provisioning.strimzi import HUB_TOPICS_FILE, HUB_USERS_FILE, render_hub_manifests

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def test_the_committed_manifests_are_the_rendering_of_the_topology() -> None:
    rendered = render_hub_manifests(
        partitions=6,
        replicas=3,
        hub_principal="lovhub-hub",
        reports_principal="lovhub-reports",
        agency_principal="lovhub-agency",
        admin_principal="lovhub-admin",
    )
    assert set(rendered) == {HUB_TOPICS_FILE, HUB_USERS_FILE}
    for name, text in rendered.items():
        assert (K8S / name).read_text(encoding="utf-8") == text, (
            f"deploy/k8s/{name} is stale: run `lovhub admin k8s-hub-resources`"
        )


def test_check_passes_on_the_committed_files_and_fails_after_a_hand_edit(tmp_path: Path) -> None:
    for name in (HUB_TOPICS_FILE, HUB_USERS_FILE):
        shutil.copy(K8S / name, tmp_path / name)
    command = ["admin", "k8s-hub-resources", "--out-dir", str(tmp_path), "--check"]
    env = {"LOVHUB_PARTITIONS": "6"}
    assert CliRunner().invoke(app, command, env=env).exit_code == 0
    users = tmp_path / HUB_USERS_FILE
    edited = users.read_text(encoding="utf-8").replace("      - Write\n", "      - Read\n", 1)
    users.write_text(edited, encoding="utf-8")
    result = CliRunner().invoke(app, command, env=env)
    assert result.exit_code == 1
    assert "edited by hand or not regenerated" in result.stderr
