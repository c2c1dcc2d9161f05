"""`lovhub admin asyncapi [--out FILE] [--check]`: writes the contract, and finds hand edits.

Each test works on a copy of the checkout's schemas/ and docs/asyncapi.yaml in a temporary
directory (LOVHUB_SCHEMA_DIR points there), so the $refs relative to the copy match the
committed file's and nothing in the checkout is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lovhub.cli.main import app

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    (tmp_path / "docs").mkdir()
    shutil.copyfile(REPO / "docs" / "asyncapi.yaml", tmp_path / "docs" / "asyncapi.yaml")
    return tmp_path


def _lovhub(checkout: Path, *args: str) -> tuple[int, str]:
    env = {"LOVHUB_SCHEMA_DIR": str(checkout / "schemas"), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["admin", "asyncapi", *args], env=env)
    return result.exit_code, result.output


def test_check_accepts_the_committed_document(checkout: Path) -> None:
    code, output = _lovhub(checkout, "--check")
    assert code == 0, output
    assert "up to date" in output


def test_check_finds_a_hand_edit(checkout: Path) -> None:
    document = checkout / "docs" / "asyncapi.yaml"
    text = document.read_text(encoding="utf-8")
    edited = text.replace("retention.ms: 2592000000", "retention.ms: 604800000", 1)
    assert edited != text
    document.write_text(edited, encoding="utf-8")
    code, output = _lovhub(checkout, "--check")
    assert code == 1
    assert "edited by hand or not regenerated" in output
    assert "-          retention.ms: 604800000" in output


def test_check_finds_a_schema_change_not_regenerated(checkout: Path) -> None:
    new_version = checkout / "schemas" / "audit" / "AuditCheckpoint.v2.avsc"
    original = (checkout / "schemas" / "audit" / "AuditCheckpoint.v1.avsc").read_text()
    new_version.write_text(
        original.replace(
            '"fields": [',
            '"fields": [{"name": "note", "type": ["null", "string"], "default": null, '
            '"doc": "A note."},',
            1,
        )
    )
    code, output = _lovhub(checkout, "--check")
    assert code == 1, output
    assert "AuditCheckpoint.v2" in output


def test_check_of_a_missing_file_fails(checkout: Path) -> None:
    code, output = _lovhub(checkout, "--check", "--out", str(checkout / "docs" / "none.yaml"))
    assert code == 1
    assert "does not exist" in output


def test_writing_then_checking_round_trips(checkout: Path) -> None:
    target = checkout / "docs" / "asyncapi.yaml"
    target.write_text("stale\n", encoding="utf-8")
    code, output = _lovhub(checkout)
    assert code == 0, output
    assert target.read_text(encoding="utf-8") == (REPO / "docs" / "asyncapi.yaml").read_text(
        encoding="utf-8"
    )
    assert _lovhub(checkout, "--check")[0] == 0


def test_out_writes_refs_relative_to_the_chosen_place(checkout: Path) -> None:
    elsewhere = checkout / "published" / "contract" / "asyncapi.yaml"
    code, output = _lovhub(checkout, "--out", str(elsewhere))
    assert code == 0, output
    text = elsewhere.read_text(encoding="utf-8")
    assert "$ref: ../../schemas/agency/JobseekerEvent.v1.avsc" in text
    assert _lovhub(checkout, "--check", "--out", str(elsewhere))[0] == 0
