"""The hub does not start without its audit signing key (fail closed), and the admin
command that makes one writes both halves and prints the key id."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lovhub.audit.signing import load_signing_key, load_verifying_keys
from lovhub.errors import ConfigurationError
from lovhub.runtime import load_materials, write_world
from lovhub.synthetic import build_world

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def test_materials_carry_the_signing_key_and_refuse_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = write_world(build_world(), tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    materials = load_materials()
    public = load_verifying_keys(Path(env["LOVHUB_AUDIT_PUBLIC_KEY_FILE"]))
    assert materials.signing_key.key_id in public
    again = write_world(build_world(), tmp_path)  # a second run keeps the key
    assert load_signing_key(Path(again["LOVHUB_AUDIT_SIGNING_KEY_FILE"])).key_id == (
        materials.signing_key.key_id
    )

    monkeypatch.delenv("LOVHUB_AUDIT_SIGNING_KEY_FILE")
    with pytest.raises(ConfigurationError, match="LOVHUB_AUDIT_SIGNING_KEY_FILE"):
        load_materials()
    monkeypatch.setenv("LOVHUB_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "missing.key"))
    with pytest.raises(ConfigurationError, match="audit signing key"):
        load_materials()


def test_lovhub_run_without_the_key_exits_with_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, **write_world(build_world(), tmp_path)}
    del env["LOVHUB_AUDIT_SIGNING_KEY_FILE"]
    env.update(
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",  # never reached: the start stops before
        LOVHUB_RECIPIENTS_SOURCE="file",
        LOVHUB_KAFKA_SASL_USERNAME="nobody",
        LOVHUB_KAFKA_SASL_PASSWORD="unused",
        LOVHUB_STATE_DIR=str(tmp_path / "state"),
    )
    result = subprocess.run(
        [LOVHUB, "run", "--worker-dir", str(tmp_path / "w")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "LOVHUB_AUDIT_SIGNING_KEY_FILE is not set" in " ".join(result.stderr.split())


def test_admin_signing_key_writes_both_halves(tmp_path: Path) -> None:
    out = tmp_path / "keys" / "audit-signing.key"
    result = subprocess.run(
        [LOVHUB, "admin", "signing-key", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    key = load_signing_key(out)
    assert out.stat().st_mode & 0o777 == 0o600
    assert key.key_id in load_verifying_keys(out.with_suffix(".pub"))
    assert key.key_id in result.stdout
    again = subprocess.run(
        [LOVHUB, "admin", "signing-key", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode != 0, "an existing key is not overwritten without --force"
    assert load_signing_key(out).key_id == key.key_id


def test_a_single_key_from_an_earlier_run_is_retired_but_still_trusted(tmp_path: Path) -> None:
    """A demo directory from before writer roles: its one key signed every chain. It stays
    published unlabelled (old checkpoints verify) and no role signs with it again."""
    from lovhub.audit.roles import WriterRole
    from lovhub.audit.signing import write_signing_key

    old = write_signing_key(tmp_path / "audit-signing.key", tmp_path / "audit-signing.pub")
    for _ in range(2):  # and the second run keeps it so
        env = write_world(build_world(), tmp_path)
        published = load_verifying_keys(Path(env["LOVHUB_AUDIT_PUBLIC_KEY_FILE"]))
        assert old.key_id in published
        for role in WriterRole:
            assert old.key_id in published.for_role(role)
            assert load_signing_key(Path(env[role.key_variable])).key_id != old.key_id
        assert len(published.roles) == len(WriterRole)
