"""The README's configuration table is the list ``lovhub.settings`` declares (issue 13, item
7): every variable declared there is in the table, the table names none that is not, and
none twice. A variable added to the settings without its row, or a row left behind when a
variable goes, fails here."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from lovhub.settings import declared_variables

README = Path(__file__).resolve().parents[2] / "README.md"
_VARIABLE = re.compile(r"`([A-Z][A-Z0-9_]*)`")


def configuration_table_rows(readme: str) -> list[list[str]]:
    """The variables of each row of the table in the README's "Configuration" section."""
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header, separator, *body = rows
    assert header.split("|")[1:4] == [" variable ", " default ", " meaning "], header
    assert set(separator) <= set("|-: "), separator
    return [_VARIABLE.findall(row.split("|")[1]) for row in body]


def test_the_table_lists_every_declared_variable_and_no_other() -> None:
    listed = [name for row in configuration_table_rows(README.read_text("utf-8")) for name in row]
    declared = [name for variable in declared_variables() for name in variable.names]
    assert sorted(set(declared) - set(listed)) == [], "declared but not in the README's table"
    assert sorted(set(listed) - set(declared)) == [], "in the README's table but not declared"
    assert [name for name, count in Counter(listed).items() if count > 1] == []


def test_every_row_names_a_variable() -> None:
    rows = configuration_table_rows(README.read_text("utf-8"))
    assert len(rows) == len(declared_variables())
    assert all(rows)


def test_no_variable_is_declared_twice() -> None:
    """One declaration per variable: two settings classes reading the same variable could
    disagree about its type or default."""
    declared = [name for variable in declared_variables() for name in variable.names]
    assert [name for name, count in Counter(declared).items() if count > 1] == []


def test_every_declared_variable_says_what_it_means_and_its_default() -> None:
    assert all(variable.meaning and variable.default for variable in declared_variables())
