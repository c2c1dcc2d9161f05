"""docs/agency-guide.md's field tables equal what scripts/render_agency_tables.py renders
from the schema, and cover every field of every event type (so the guide cannot drift)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

from tests.support.vector_files import load_script

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "agency-guide.md"
SCHEMA = ROOT / "schemas" / "agency" / "JobseekerEvent.v3.avsc"


def _renderer() -> ModuleType:
    return load_script("render_agency_tables")


def _guide_tables() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    begin, end = "<!-- fields:begin -->", "<!-- fields:end -->"
    return text[text.index(begin) + len(begin) : text.index(end)].strip("\n") + "\n"


def test_the_guide_holds_exactly_the_rendered_tables() -> None:
    assert _guide_tables() == _renderer().render(SCHEMA), (
        "docs/agency-guide.md is out of date: run scripts/render_agency_tables.py --write"
    )


def test_every_body_field_of_the_schema_has_a_row_in_the_guide() -> None:
    # Oracle independent of the renderer: read the schema here and look for each row.
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    tables = _guide_tables()
    body = next(f for f in schema["fields"] if f["name"] == "body")
    for field in schema["fields"]:
        assert f"| `{field['name']}` |" in tables
    for record in body["type"]:
        assert f"body `{record['name']}`" in tables
        section = tables.split(f"body `{record['name']}`", 1)[1].split("\n### ", 1)[0]
        for field in record["fields"]:
            assert f"| `{field['name']}` |" in section, (record["name"], field["name"])
            assert field["doc"] in section
