"""The provider guide's table of single-object headers is what any Avro library computes
from the published schema files (issue 14, part 5). The oracle is fastavro's own Parsing
Canonical Form and CRC-64-AVRO, not lovhub's codec; the codec's encoding is checked against
the same table."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from fastavro.schema import fingerprint, to_parsing_canonical_form

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.examples import jobseeker_event

REPO = Path(__file__).resolve().parents[3]
GUIDE = REPO / "docs" / "provider-guide.md"
ROW = re.compile(r"^\| `(schemas/[^`]+\.avsc)` \| `(c3 01(?: [0-9a-f]{2}){8})` \|$", re.M)


def _expected_header(schema_file: Path) -> str:
    canonical = to_parsing_canonical_form(json.loads(schema_file.read_text()))
    digest = fingerprint(canonical, "CRC-64-AVRO")  # the 8 bytes in wire (little-endian) order
    return "c3 01 " + " ".join(digest[i : i + 2] for i in range(0, 16, 2))


def test_the_guide_lists_every_published_schema_with_its_header() -> None:
    listed = dict(ROW.findall(GUIDE.read_text()))
    published = sorted(str(p.relative_to(REPO)) for p in (REPO / "schemas").rglob("*.avsc"))
    assert sorted(listed) == published
    for name, header in listed.items():
        assert header == _expected_header(REPO / name), name


def test_the_hub_writes_exactly_the_listed_header() -> None:
    listed = dict(ROW.findall(GUIDE.read_text()))
    record = codec_for(None).encode(
        JOBSEEKER_EVENT, jobseeker_event("REGISTRATION", random.Random(1))
    )
    assert record[:10].hex(" ") == listed["schemas/agency/JobseekerEvent.v3.avsc"]
