"""docs/provider-guide.md's generated tables equal what scripts/render_provider_tables.py
renders, and agree with the schema files and the policy file read here on their own (the
header by the Avro specification's algorithms in tests/support/avro_spec.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tests.support.avro_spec import canonical_form, crc64_avro, single_object_header
from tests.support.vector_files import load_script

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "provider-guide.md"
SCRIPT = ROOT / "scripts" / "render_provider_tables.py"


def _renderer() -> ModuleType:
    return load_script("render_provider_tables")


def _table(name: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    return text[text.index(begin) + len(begin) : text.index(end)].strip("\n") + "\n"


@pytest.mark.parametrize("name", ["headers", "activity-codes"])
def test_the_guide_holds_exactly_the_rendered_table(name: str) -> None:
    assert _table(name) == _renderer().render(name), (
        "docs/provider-guide.md is out of date: run scripts/render_provider_tables.py --write"
    )


def test_every_schema_file_has_its_spec_header_in_the_guide() -> None:
    rows = [line for line in _table("headers").splitlines() if line.startswith("| `schemas/")]
    files = sorted((ROOT / "schemas").glob("*/*.avsc"))
    assert len(rows) == len(files)
    for path in files:
        header = single_object_header(json.loads(path.read_text(encoding="utf-8"))).hex(" ")
        assert f"| `{path.relative_to(ROOT)}` | `{header}` |" in rows, path


def test_the_worked_example_of_the_byte_order_is_right() -> None:
    raw = json.loads((ROOT / "schemas/recipient/RecipientRecord.v2.avsc").read_text("utf-8"))
    number = crc64_avro(canonical_form(raw).encode("utf-8"))
    sent = single_object_header(raw)[2:].hex(" ")
    assert f"the number\n`0x{number:016x}`, sent as `{sent}`" in GUIDE.read_text("utf-8")


def test_the_catalogue_in_the_guide_is_the_policys() -> None:
    data = yaml.safe_load((ROOT / "deploy" / "policy" / "policy.yaml").read_text("utf-8"))
    rows = [line for line in _table("activity-codes").splitlines()[2:] if line]
    assert rows == [f"| `{a['code']}` | {a['description']} |" for a in data["activity_codes"]]


def test_the_scripts_the_guide_names_run(tmp_path: Path) -> None:
    environment = {**os.environ}
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "services"), str(ROOT), environment.get("PYTHONPATH", "")]
    )
    printed = subprocess.run(
        [sys.executable, str(SCRIPT)], env=environment, capture_output=True, text=True,
        check=True, timeout=60,
    )  # fmt: skip
    assert _table("headers") in printed.stdout
    assert _table("activity-codes") in printed.stdout
    written = tmp_path / "wire.json"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_wire_vectors.py"), "--output", str(written)],
        env=environment, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    committed = (ROOT / "tests" / "vectors" / "wire-v1.json").read_bytes()
    assert written.read_bytes() == committed
