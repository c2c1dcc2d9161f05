"""`lovhub keys generate`: a private key file only its owner can read, and a public key line
that `recipient add --public-key` takes as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lovhub.cli.main import app
from lovhub.cli.recipient_support import key_entry
from lovhub.crypto import KeyFormatError, read_private_key_file

RUNNER = CliRunner()


def test_generate_writes_a_protected_key_and_prints_its_public_half(tmp_path: Path) -> None:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple\n")
    out = tmp_path / "provider.key"
    result = RUNNER.invoke(
        app,
        ["keys", "generate", "--suite", "mlkem768-x25519", "--out", str(out),
         "--key-id", "prov-2026-11", "--passphrase-file", str(passphrase)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    line = result.stdout.strip().splitlines()[-1]
    entry = key_entry(line)
    assert entry.key_id == "prov-2026-11"
    assert entry.suite == "mlkem768x25519-hkdf256-aes256gcm"
    assert key_entry(str(out) + ".pub") == entry
    private = read_private_key_file(out, "correct horse battery staple")
    assert private.public_key().to_text() == line
    with pytest.raises(KeyFormatError):
        read_private_key_file(out, "wrong")


def test_generate_refuses_an_unknown_suite_and_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "k"
    assert RUNNER.invoke(app, ["keys", "generate", "--suite", "rsa", "--out", str(out)]).exit_code
    assert not out.exists()
    out.write_text("keep me")
    result = RUNNER.invoke(app, ["keys", "generate", "--suite", "x25519", "--out", str(out)])
    assert result.exit_code != 0
    assert out.read_text() == "keep me"
