"""Render the field tables of docs/agency-guide.md from schemas/agency/JobseekerEvent.v3.avsc.

    .venv/bin/python scripts/render_agency_tables.py           # print the tables
    .venv/bin/python scripts/render_agency_tables.py --write   # replace them in the guide

The guide holds the output between the markers ``<!-- fields:begin -->`` and
``<!-- fields:end -->``; tests/unit/test_agency_guide_tables.py checks that it equals what
this script renders, so the guide cannot drift from the schema. The latest version is
rendered because each version is the one before plus fields with defaults and new event types
(their docs say "Added in version N").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "agency" / "JobseekerEvent.v3.avsc"
GUIDE = ROOT / "docs" / "agency-guide.md"
BEGIN = "<!-- fields:begin -->"
END = "<!-- fields:end -->"
# event_type symbol of each body record (the schema's rule: REGISTRATION <-> Registration).
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def _event_type_of(record_name: str) -> str:
    out = ""
    for index, char in enumerate(record_name):
        if char.isupper() and index:
            out += "_"
        out += char.upper()
    return out


class _Renderer:
    def __init__(self) -> None:
        self.named: dict[str, dict[str, Any]] = {}

    def remember(self, schema: Any) -> None:
        """Every named type in the schema, so references by name can be expanded."""
        if isinstance(schema, list):
            for branch in schema:
                self.remember(branch)
        elif isinstance(schema, dict):
            if schema.get("type") in ("record", "enum") and "name" in schema:
                self.named[schema["name"]] = schema
            for field in schema.get("fields", []):
                self.remember(field["type"])
            if schema.get("type") == "array":
                self.remember(schema["items"])

    def resolve(self, schema: Any) -> Any:
        if isinstance(schema, str) and schema not in _PRIMITIVES:
            return self.named[schema.rsplit(".", 1)[-1]]
        return schema

    def type_text(self, schema: Any) -> str:
        schema = self.resolve(schema)
        if isinstance(schema, str):
            return f"`{schema}`"
        if isinstance(schema, list):
            return " or ".join(self.type_text(branch) for branch in schema if branch != "null")
        kind = schema["type"]
        if "logicalType" in schema:
            return f"`{schema['logicalType']}` ({kind})"
        if kind == "enum":
            return "enum " + ", ".join(f"`{symbol}`" for symbol in schema["symbols"])
        if kind == "array":
            return "array of " + self.type_text(schema["items"])
        if kind == "record":
            return f"record `{schema['name']}`"
        return f"`{kind}`"

    def rows(self, fields: list[dict[str, Any]], prefix: str = "") -> list[str]:
        lines = []
        for field in fields:
            schema = field["type"]
            optional = isinstance(schema, list) and "null" in schema
            present = [self.resolve(b) for b in schema if b != "null"] if optional else []
            inner = present[0] if len(present) == 1 else self.resolve(schema)
            if optional:
                need = "optional (null)"
            elif "default" in field or (isinstance(inner, dict) and "default" in inner):
                need = "required (has default)"
            else:
                need = "required"
            name = f"{prefix}{field['name']}"
            doc = field.get("doc", "").replace("|", "\\|")
            lines.append(f"| `{name}` | {self.type_text(schema)} | {need} | {doc} |")
            if isinstance(inner, dict) and inner.get("type") == "array":
                inner = self.resolve(inner["items"])
                name += "[]"
            if isinstance(inner, dict) and inner.get("type") == "record":
                lines.extend(self.rows(inner["fields"], prefix=name + "."))
        return lines


_HEADER = ["| field | type | required | meaning |", "|---|---|---|---|"]


def render(schema_path: Path = SCHEMA) -> str:
    """The envelope table and one table per event type, as markdown."""
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    renderer = _Renderer()
    renderer.remember(schema)
    envelope = [f for f in schema["fields"] if f["name"] != "body"]
    body = next(f for f in schema["fields"] if f["name"] == "body")
    out = ["### Envelope (every event)", "", *_HEADER, *renderer.rows(envelope)]
    out.append("| `body` | one of the records below | required | " + body["doc"] + " |")
    for record in body["type"]:
        out += [
            "",
            f"### `{_event_type_of(record['name'])}`: body `{record['name']}`",
            "",
            record.get("doc", ""),
            "",
            *_HEADER,
            *renderer.rows(record["fields"]),
        ]
    return "\n".join(out) + "\n"


def tables_in_guide(text: str) -> str:
    """What the guide holds between the markers."""
    start = text.index(BEGIN) + len(BEGIN)
    return text[start : text.index(END)].strip("\n") + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the tables in the guide")
    args = parser.parse_args()
    tables = render()
    if not args.write:
        print(tables, end="")
        return
    text = GUIDE.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    GUIDE.write_text(f"{head}{BEGIN}\n\n{tables}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
