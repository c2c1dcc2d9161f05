"""Operators' lookups (issue 15, part 4): the case reference, the operator, the record and
its chain, and which lookups a person's access report lists."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.audit import ChainHead, link, verify_chain
from lovhub.audit.canonical import canonical_encoder
from lovhub.audit.chain import BreakKind
from lovhub.codec import OPERATOR_LOOKUP, codec_for, default_store
from lovhub.errors import ConfigurationError, UsageError
from lovhub.identity import synthetic_personal_id
from lovhub.operators.lookups import (
    CaseReferenceInvalid,
    CaseRequired,
    LookupCommand,
    case_reference,
    lookup_lines,
    lookup_record,
    lookups_about,
    operator_of,
)
from lovhub.operators.texts import LANGUAGES, lookup_command_text
from lovhub.pseudonyms import Pseudonymiser

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PSEUDONYMISER = Pseudonymiser(bytes(range(32)))
ALICE = PSEUDONYMISER.for_audit("js-000001")
BOB = PSEUDONYMISER.for_audit("js-000002")
ENCODE = canonical_encoder(default_store(), OPERATOR_LOOKUP)
SCHEMA = Path(__file__).resolve().parents[3] / "schemas" / "audit" / "OperatorLookup.v1.avsc"


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lookup_id": "00000000-0000-4000-8000-000000000001",
        "at": T0,
        "operator": "lovhub-admin",
        "case": "AF-2026/000123",
        "command": LookupCommand.ACCESS_REPORT,
        "pseudonyms": [ALICE],
    }
    return lookup_record(**{**base, **fields})


@pytest.mark.parametrize(
    "reference",
    ["AF-2026/000123", "Dnr 2026:4711", "ärende 42", "A1B", "case #7.3_b", "Ö" + "x" * 63],
)
def test_a_plain_case_reference_is_kept_as_given(reference: str) -> None:
    assert case_reference(f"  {reference} ") == reference


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_no_case_is_refused_as_a_usage_error(missing: str | None) -> None:
    with pytest.raises(CaseRequired, match="--case") as caught:
        case_reference(missing)
    assert isinstance(caught.value, UsageError)
    assert caught.value.code == "CASE_REQUIRED"


def _personal_ids() -> list[str]:
    twelve = synthetic_personal_id(random.Random(3))
    coordination = synthetic_personal_id(random.Random(4), coordination=True)
    return [
        twelve,
        coordination,
        f"{twelve[:8]}-{twelve[8:]}",  # 19900101-2385
        f"{twelve[2:8]}-{twelve[8:]}",  # 900101-2385
        f"{twelve[2:8]}+{twelve[8:]}",  # over 100 years old
        f"{twelve[2:8]} {twelve[8:]}",
        twelve[2:],  # ten digits
        twelve[:-1] + str((int(twelve[-1]) + 1) % 10),  # a wrong check digit: still one
    ]


@pytest.mark.parametrize("personal_id", _personal_ids())
@pytest.mark.parametrize("around", ["{}", "Dnr {}", "AF/{}/x", "ärende-{}"])
def test_a_personal_id_in_the_case_reference_is_refused_and_not_echoed(
    personal_id: str, around: str
) -> None:
    with pytest.raises(CaseReferenceInvalid) as caught:
        case_reference(around.format(personal_id))
    assert caught.value.code == "CASE_REFERENCE_INVALID"
    assert "personal identity number" in str(caught.value)
    assert personal_id not in str(caught.value)
    assert personal_id[-4:] not in str(caught.value)


@pytest.mark.parametrize(
    "bad",
    [
        "AB",  # too short
        "A" * 65,  # too long
        "-AF-1",  # starts with a separator
        "AF\n2026",  # not one plain line
        "AF-2026\t1",
        "<script>",
        "AF-١٢٣",  # digits the detector does not read as digits
        "AF;DROP",
    ],
)
def test_anything_but_a_bounded_plain_reference_is_refused(bad: str) -> None:
    with pytest.raises(CaseReferenceInvalid, match="--case must be") as caught:
        case_reference(bad)
    assert bad not in str(caught.value)


@given(st.text(max_size=80))
def test_what_passes_is_bounded_printable_and_holds_no_ten_digits(text: str) -> None:
    try:
        kept = case_reference(text)
    except UsageError:
        return
    assert 3 <= len(kept) <= 64
    assert kept.isprintable()
    digits_run = max(
        (len(run) for run in "".join(c if c.isdigit() else " " for c in kept).split()), default=0
    )
    assert digits_run < 10


def test_the_operator_is_the_kafka_login() -> None:
    assert operator_of(" lovhub-admin ") == "lovhub-admin"
    for missing in (None, "", "  "):
        with pytest.raises(ConfigurationError, match="SASL user name"):
            operator_of(missing)
    with pytest.raises(ConfigurationError):
        operator_of("admin\nforged")
    with pytest.raises(ConfigurationError):
        operator_of("x" * 256)


def test_the_record_names_the_person_by_audit_pseudonym_only() -> None:
    built = record(pseudonyms=[BOB, ALICE, BOB], command=LookupCommand.REPLAY)
    assert built == {
        "lookup_id": "00000000-0000-4000-8000-000000000001",
        "looked_up_at": T0,
        "operator": "lovhub-admin",
        "case_reference": "AF-2026/000123",
        "command": "REPLAY",
        "jobseeker_audit_pseudonyms": sorted({ALICE, BOB}),
    }
    assert record(pseudonyms=[])["jobseeker_audit_pseudonyms"] == []  # person not found


@pytest.mark.parametrize(
    "clear", [synthetic_personal_id(random.Random(5)), "js-000001", "ps_" + "0" * 32, "au_1", ""]
)
def test_a_personal_id_or_jobseeker_id_in_clear_is_never_recorded(clear: str) -> None:
    with pytest.raises(ValueError, match="audit pseudonym only"):
        record(pseudonyms=[ALICE, clear])


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        record(at=T0.replace(tzinfo=None))


def test_records_chain_and_a_changed_lookup_breaks_the_chain_where_it_was_changed() -> None:
    codec = codec_for(None)
    head, chained = ChainHead(), []
    for number, case in enumerate(("AF-1/001", "AF-1/002", "AF-1/003")):
        linked, head = link(record(case=case, lookup_id=f"id-{number}"), head, ENCODE)
        # Through the wire and back: what a reader of the topic sees.
        chained.append(
            (number, codec.decode(codec.encode(OPERATOR_LOOKUP, linked), OPERATOR_LOOKUP))
        )
    assert [r["sequence"] for _, r in chained] == [0, 1, 2]
    assert chained[1][1]["prev_hash"] == chained[0][1]["hash"]
    assert verify_chain(chained, ENCODE) == (None, head, 3)

    tampered = list(chained)
    tampered[1] = (1, {**chained[1][1], "operator": "someone-else"})
    broken, _, count = verify_chain(tampered, ENCODE)
    assert broken is not None
    assert (broken.offset, broken.kind, count) == (1, BreakKind.MODIFIED, 1)
    dropped = [chained[0], chained[2]]
    broken, _, _ = verify_chain(dropped, ENCODE)
    assert broken is not None
    assert (broken.offset, broken.kind) == (2, BreakKind.BROKEN_LINK)


def test_the_lookups_about_a_person_are_those_naming_any_of_their_pseudonyms() -> None:
    about_alice = record(lookup_id="a", pseudonyms=[ALICE])
    about_both = record(lookup_id="b", pseudonyms=[ALICE, BOB])
    about_bob = record(lookup_id="c", pseudonyms=[BOB])
    not_found = record(lookup_id="d", pseudonyms=[])
    records = [about_alice, about_both, about_bob, not_found]
    assert lookups_about(records, frozenset({ALICE})) == [about_alice, about_both]
    assert lookups_about(records, frozenset({BOB, "au_" + "f" * 32})) == [about_both, about_bob]
    assert lookups_about(records, frozenset()) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lines_are_newest_first_and_mark_this_reports_own_lookup(lang: str) -> None:
    older = record(lookup_id="old", at=T0, command=LookupCommand.REPLAY)
    newer = record(lookup_id="new", at=T0 + dt.timedelta(days=1))
    lines = lookup_lines([older, newer], lang, "new")  # type: ignore[arg-type]
    assert [(line.command, line.this_report) for line in lines] == [
        ("ACCESS_REPORT", True),
        ("REPLAY", False),
    ]
    assert lines[1].command_text == lookup_command_text("REPLAY", lang)  # type: ignore[arg-type]
    assert not any(line.this_report for line in lookup_lines([older], lang, None))  # type: ignore[arg-type]


def test_every_command_the_schema_knows_is_in_the_code_and_in_both_languages() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    [command] = [f for f in schema["fields"] if f["name"] == "command"]
    assert command["type"]["symbols"] == [c.value for c in LookupCommand]
    assert command["type"]["default"] == LookupCommand.OTHER
    texts = {lookup_command_text(c, lang) for c in LookupCommand for lang in LANGUAGES}  # type: ignore[arg-type]
    assert len(texts) == 2 * len(LookupCommand), "one text per command and language"
    assert not texts & {c.value for c in LookupCommand}
    assert lookup_command_text("SOMETHING_NEW", "en") == "SOMETHING_NEW"
