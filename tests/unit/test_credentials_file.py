"""The credentials file: one format, written by --credentials-out, read by --password-file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from lovhub.credentials_file import credentials_text, read_credentials, write_credentials
from lovhub.errors import ConfigurationError


def test_the_written_file_is_one_json_line_with_exactly_username_and_password(
    tmp_path: Path,
) -> None:
    path = tmp_path / "login.json"
    write_credentials(path, "jobbcoach-syd", 'p"w\\ö')
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") == 1
    assert text.endswith("\n")
    assert json.loads(text) == {"username": "jobbcoach-syd", "password": 'p"w\\ö'}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert text == credentials_text("jobbcoach-syd", 'p"w\\ö')  # as printed when no file


def test_what_is_written_reads_back_and_any_json_layout_reads(tmp_path: Path) -> None:
    path = tmp_path / "login.json"
    write_credentials(path, "lovhub-agency-ais", "secret")
    login = read_credentials(path)
    assert (login.username, login.password) == ("lovhub-agency-ais", "secret")
    assert "secret" not in repr(login)
    indented = tmp_path / "indented.json"
    indented.write_text('{\n  "password": "secret",\n  "username": "lovhub-agency-ais"\n}\n')
    assert read_credentials(indented) == login


def test_a_file_that_is_not_utf8_or_missing_is_refused_without_content(tmp_path: Path) -> None:
    path = tmp_path / "login.json"
    path.write_bytes(b'{"username": "a", "password": "\xff secret"}')
    with pytest.raises(ConfigurationError, match="not UTF-8") as refused:
        read_credentials(path)
    assert "secret" not in str(refused.value)
    with pytest.raises(ConfigurationError, match="cannot read"):
        read_credentials(tmp_path / "absent.json")
