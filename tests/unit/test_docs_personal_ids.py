"""Every personal id written in the docs is one of Skatteverket's test numbers and passes its
check digit.

The oracle is a Luhn check written here (not lovhub.identity): over the last ten digits
YYMMDDNNNC, doubling every second digit from the left.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# 12 digits YYYYMMDDNNNC, optionally with the separator before the last four.
PERSONAL_ID = re.compile(r"(?<![\d.])((?:19|20)\d{6})[-+]?(\d{4})(?![\d.])")


def _luhn_ok(ten: str) -> bool:
    total = 0
    for position, char in enumerate(ten):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _documents() -> list[Path]:
    return [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]


def test_the_oracle_knows_valid_and_invalid_ids() -> None:
    assert _luhn_ok("8112189876")  # the Swedish tax agency's textbook example
    assert not _luhn_ok("8112189875")
    assert _luhn_ok("9001012385")
    assert not _luhn_ok("9001012384")  # the operator guide's old example


def test_every_personal_id_in_the_docs_passes_the_luhn_check() -> None:
    found = []
    for document in _documents():
        for match in PERSONAL_ID.finditer(document.read_text(encoding="utf-8")):
            found.append((document.name, match.group(0)))
    assert found, "the docs show at least one example personal id"
    bad = [(name, pid) for name, pid in found if not _luhn_ok(pid[2:8] + pid[-4:])]
    assert not bad, f"personal ids failing their check digit: {bad}"


def test_every_personal_id_in_the_docs_is_one_of_skatteverkets_test_numbers() -> None:
    """A number that merely passes the check could be a real person's; a published test
    number cannot (services/lovhub/identity/skatteverket-test-numbers.txt)."""
    listed = ROOT / "services" / "lovhub" / "identity" / "skatteverket-test-numbers.txt"
    published = {
        line for line in listed.read_text(encoding="ascii").splitlines() if line[:1].isdigit()
    }
    found = [
        (document.name, match.group(1) + match.group(2))
        for document in _documents()
        for match in PERSONAL_ID.finditer(document.read_text(encoding="utf-8"))
    ]
    assert found
    assert [item for item in found if item[1] not in published] == []
