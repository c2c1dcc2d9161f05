"""Render the generated tables of docs/provider-guide.md.

    .venv/bin/python scripts/render_provider_tables.py           # print the tables
    .venv/bin/python scripts/render_provider_tables.py --write   # replace them in the guide

Two tables, each between its markers ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``:
``headers``, the single-object header of every schema in schemas/ (as lovhub.codec writes
it), and ``activity-codes``, the activity catalogue of deploy/policy/policy.yaml.
tests/unit/test_provider_guide_tables.py checks that the guide holds exactly this output,
and recomputes both from the schema files and the policy file on its own.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lovhub.codec import default_store
from lovhub.codec.single_object import MAGIC
from lovhub.policy import load_policy

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "provider-guide.md"
POLICY = ROOT / "deploy" / "policy" / "policy.yaml"
TABLES = ("headers", "activity-codes")


def headers() -> str:
    rows = ["| schema file | first 10 bytes of every record written with it |", "|---|---|"]
    for schema in sorted(default_store(), key=lambda s: (s.name, s.version)):
        header = (MAGIC + schema.fingerprint).hex(" ")
        rows.append(f"| `{schema.path.relative_to(ROOT)}` | `{header}` |")
    return "\n".join(rows) + "\n"


def activity_codes(policy_path: Path = POLICY) -> str:
    rows = ["| code | activity |", "|---|---|"]
    for entry in load_policy(policy_path).activity_codes:
        description = entry.description.replace("|", "\\|")
        rows.append(f"| `{entry.code}` | {description} |")
    return "\n".join(rows) + "\n"


def render(name: str) -> str:
    return {"headers": headers, "activity-codes": activity_codes}[name]()


def table_in(text: str, name: str) -> str:
    """What ``text`` holds between the markers of table ``name``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    start = text.index(begin) + len(begin)
    return text[start : text.index(end)].strip("\n") + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the tables in the guide")
    args = parser.parse_args()
    if not args.write:
        for name in TABLES:
            print(render(name))
        return
    text = GUIDE.read_text(encoding="utf-8")
    for name in TABLES:
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{render(name)}{end}{tail}"
    GUIDE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
