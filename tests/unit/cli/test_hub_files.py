"""`lovhub admin hub-files` writes what the hub services start from, and nothing unsafe."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lovhub.audit.signing import load_signing_key, load_verifying_keys
from lovhub.cli.main import app
from lovhub.errors import ConfigurationError
from lovhub.policy.location import default_policy_dir
from lovhub.runtime import load_materials


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_hub_starts_from_the_files_it_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, operator_key = tmp_path / "hub-files", tmp_path / "operators" / "operator.key"
    seed = default_policy_dir() / "recipients.yaml"
    command = ["admin", "hub-files", "--out", str(files)]
    result = CliRunner().invoke(
        app, [*command, "--operator-key-out", str(operator_key), "--seed", str(seed)]
    )
    assert result.exit_code == 0, result.output
    secrets = (files / "hub-secret.hex", files / "audit-signing.key", files / "state-keys.json")
    for secret in (*secrets, operator_key):
        assert _mode(secret) == 0o600, secret
    assert not (files / "operator.key").exists()
    for variable, name in (
        ("LOVHUB_OPERATOR_PUBLIC_KEY_FILE", "operator.pub"),
        ("LOVHUB_HUB_SECRET_FILE", "hub-secret.hex"),
        ("LOVHUB_AUDIT_SIGNING_KEY_FILE", "audit-signing.key"),
        ("LOVHUB_STATE_KEY_FILE", "state-keys.json"),
        ("LOVHUB_RECIPIENTS_FILE", "recipients.yaml"),
    ):
        monkeypatch.setenv(variable, str(files / name))
    materials = load_materials()
    assert len(materials.hub_secret) == 32
    assert len(materials.hub_state_keys().keys) == 1
    assert len(materials.recipients) > 0
    # One key per writer role, each published labelled with its role only (issue 10, 6).
    published = load_verifying_keys(files / "audit-signing.pub")
    assert materials.signing_key.key_id in published
    names = {
        "hub-worker": "audit-signing.key",
        "report-processor": "reports-signing.key",
        "redelivery": "redelivery-signing.key",
        "recipient-lifecycle": "lifecycle-signing.key",
        "operator-lookup": "lookup-signing.key",
    }
    key_ids = {role: load_signing_key(files / name).key_id for role, name in names.items()}
    assert len(set(key_ids.values())) == len(names), "the roles share a key"
    for role, key_id in key_ids.items():
        assert _mode(files / names[role]) == 0o600
        assert {str(r) for r in published.roles.values()} == set(names)
        assert str(published.roles[key_id]) == role


def test_it_never_overwrites_and_keeps_the_operators_private_key_apart(tmp_path: Path) -> None:
    files = tmp_path / "hub-files"
    command = ["admin", "hub-files", "--out", str(files)]
    inside = CliRunner().invoke(app, [*command, "--operator-key-out", str(files / "k")])
    assert isinstance(inside.exception, ConfigurationError)
    assert not (files / "hub-secret.hex").exists()
    first = CliRunner().invoke(app, [*command, "--operator-key-out", str(tmp_path / "k")])
    assert first.exit_code == 0, first.output
    secret = (files / "hub-secret.hex").read_text()
    again = CliRunner().invoke(
        app, [*command, "--operator-public-key", str(files / "operator.pub")]
    )
    assert isinstance(again.exception, ConfigurationError)
    assert "refusing to overwrite" in str(again.exception)
    assert (files / "hub-secret.hex").read_text() == secret


def test_state_key_rotate_adds_a_current_key_and_keeps_the_old_one(tmp_path: Path) -> None:
    files = tmp_path / "hub-files"
    command = ["admin", "hub-files", "--out", str(files)]
    made = CliRunner().invoke(app, [*command, "--operator-key-out", str(tmp_path / "op.key")])
    assert made.exit_code == 0, made.output
    key_file = files / "state-keys.json"
    before = json.loads(key_file.read_text())
    rotated = CliRunner().invoke(app, ["admin", "state-key", "rotate", "--file", str(key_file)])
    assert rotated.exit_code == 0, rotated.output
    after = json.loads(key_file.read_text())
    assert after["current"] != before["current"]
    assert set(after["keys"]) == {before["current"], after["current"]}
    assert after["keys"][before["current"]] == before["keys"][before["current"]]
    assert _mode(key_file) == 0o600
