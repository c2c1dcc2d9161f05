"""The access report: builder, translations and the three renderings."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lovhub.core.reasons import Reason
from lovhub.operators.access_report import build_access_report
from lovhub.operators.report_render import render_html, render_json, render_text
from lovhub.operators.texts import LANGUAGES, REASON_TEXT, reason_text
from lovhub.pipeline.rejection import _SAFE_DETAIL

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def decision(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": "e1",
        "event_type": "REGISTRATION",
        "jobseeker_audit_pseudonym": "au_1",
        "recipient_id": "jobbcoach-syd",
        "outcome": "DELIVERED",
        "reason_code": None,
        "purposes": ["lov.matching"],
        "legal_basis": "ASSIGNMENT",
        "consent_id": None,
        "delivered_fields": ["body.address.municipality_code", "body.languages"],
        "decided_at": T0,
        "event_occurred_at": T0,
        "redelivery": False,
    }
    return {**base, **fields}


NAMES = {"jobbcoach-syd": "Jobbcoach Syd AB", "forsakring-alfa": "Försäkring Alfa AB"}
PURPOSES = {"lov.matching": "Matching the jobseeker with jobs."}


def build(decisions: list[dict[str, Any]], lang: str = "sv") -> Any:
    return build_access_report(
        decisions,
        recipient_names=NAMES,
        purpose_descriptions=PURPOSES,
        lang=lang,  # type: ignore[arg-type]
        generated_at=T0 + dt.timedelta(days=30),
    )


@pytest.mark.parametrize("code", [*(r.value for r in Reason), *_SAFE_DETAIL])
def test_every_reason_the_hub_can_write_is_translated(code: str) -> None:
    assert code in REASON_TEXT
    for lang in LANGUAGES:
        assert REASON_TEXT[code][lang].strip()
        assert code not in reason_text(code, lang), "a sentence, not the code"


def test_an_unknown_reason_is_shown_not_hidden() -> None:
    assert "SOMETHING_NEW" in reason_text("SOMETHING_NEW", "sv")


def test_deliveries_newest_first_with_basis_and_consent() -> None:
    report = build(
        [
            decision(decided_at=T0),
            decision(
                event_id="e2",
                recipient_id="forsakring-alfa",
                purposes=["consent.registration-status"],
                legal_basis="CONSENT",
                consent_id="c-1",
                delivered_fields=["body.registered"],
                decided_at=T0 + dt.timedelta(hours=2),
            ),
            decision(
                event_id="e3",
                outcome="WITHHELD",
                reason_code="CONSENT_WITHDRAWN",
                recipient_id="forsakring-alfa",
                decided_at=T0 + dt.timedelta(hours=3),
            ),
            decision(
                event_id="e4", outcome="WITHHELD", reason_code="NO_CANDIDATE", recipient_id=None
            ),
            decision(event_id=None, outcome="REJECTED", reason_code="MALFORMED", recipient_id=None),
        ]
    )
    assert [d.recipient_id for d in report.deliveries] == ["forsakring-alfa", "jobbcoach-syd"]
    consent, assignment = report.deliveries
    assert consent.consent_id == "c-1"
    assert assignment.consent_id is None
    assert consent.legal_basis_text == "Ditt samtycke"
    assert assignment.field_texts == ("kommun", "språk")
    assert [w.reason_code for w in report.withheld] == ["CONSENT_WITHDRAWN"]
    assert report.withheld[0].reason_text == "Du hade återkallat ditt samtycke."
    assert report.not_shared_with_anyone == 1
    assert [code for code, _, _ in report.not_processed] == ["MALFORMED"]
    assert [r.name for r in report.recipients] == ["Försäkring Alfa AB", "Jobbcoach Syd AB"]


def test_json_and_text_carry_the_same_deliveries() -> None:
    report = build([decision(), decision(event_id="e2", redelivery=True)], lang="en")
    data = json.loads(json.dumps(render_json(report)))
    assert len(data["deliveries"]) == 2
    assert {d["redelivery"] for d in data["deliveries"]} == {True, False}
    assert data["deliveries"][0]["purposes"][0]["name"] == PURPOSES["lov.matching"]
    text = render_text(report)
    assert text.count("Jobbcoach Syd AB (jobbcoach-syd): Registration") == 2
    assert "re-sent after an outage" in text


def test_swedish_is_the_default_language_of_the_page() -> None:
    page = render_html(build([decision()]))
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="sv">' in page
    assert "Vem har fått uppgifter om mig?" in page
    assert "Matchning mot arbete" in page


def test_html_escapes_every_value_and_loads_nothing() -> None:
    hostile = '<script>alert("x")</script>&'
    names = {"jobbcoach-syd": hostile}
    report = build_access_report(
        [decision(delivered_fields=[f"body.{hostile}"], purposes=["evil.<b>"])],
        recipient_names=names,
        purpose_descriptions={"evil.<b>": hostile},
        lang="en",
        generated_at=T0,
    )
    page = render_html(report)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in page
    assert not re.search(r"(src|href)\s*=|@import|url\(", page), "self-contained"
    assert "@media print" in page

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.seen: set[str] = set()

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.seen.add(tag)

    parser = Tags()
    parser.feed(page)
    assert parser.seen <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "p",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "span",
        "br",
    }


NO_RECORD = {
    "sv": "Navet har inga uppgifter om dig alls",
    "en": "The hub has no record of you at all",
}
NOTHING_SHARED = {
    "sv": "Inga uppgifter om dig har lämnats ut.",
    "en": "No data about you has been shared.",
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_decisions_without_a_disclosure_say_nothing_was_shared(lang: str) -> None:
    report = build([decision(outcome="WITHHELD", reason_code="NOT_ASSIGNED")], lang)
    for rendered in (render_text(report), render_html(report)):
        assert NOTHING_SHARED[lang] in rendered
        assert NO_RECORD[lang] not in rendered
    as_json = render_json(report)
    assert (as_json["record_found"], as_json["decisions_found"]) == (True, 1)
    assert as_json["statement"] is None


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_decision_at_all_says_the_hub_has_no_record_not_nothing_shared(lang: str) -> None:
    # Issue 10, finding 18b: an id that never existed must not read as "we know you, and
    # nothing about you was shared".
    report = build([], lang)
    for rendered in (render_text(report), render_html(report)):
        assert NO_RECORD[lang] in rendered
        assert NOTHING_SHARED[lang] not in rendered
    as_json = render_json(report)
    assert (as_json["record_found"], as_json["decisions_found"]) == (False, 0)
    assert as_json["statement"].startswith(NO_RECORD[lang])


@given(
    outcomes=st.lists(
        st.sampled_from(["DELIVERED", "WITHHELD", "REJECTED", "SOMETHING_NEW"]), max_size=8
    )
)
def test_no_record_exactly_when_no_decision_mentions_the_person(outcomes: list[str]) -> None:
    report = build([decision(outcome=o, event_id=f"e{n}") for n, o in enumerate(outcomes)])
    assert report.no_record == (len(outcomes) == 0)
    assert (NO_RECORD["sv"] in render_text(report)) == (len(outcomes) == 0)


def test_provider_reports_are_listed_apart_and_never_count_as_disclosures() -> None:
    decisions = [
        decision(event_type="PROVIDER_REPORT", recipient_id="jobbcoach-syd"),
        decision(
            event_type="PROVIDER_REPORT",
            recipient_id="karriarbron",
            outcome="REJECTED",
            reason_code="NOT_ASSIGNED",
            delivered_fields=[],
            decided_at=T0 + dt.timedelta(minutes=2),
        ),
    ]
    for lang in LANGUAGES:
        report = build(decisions, lang)
        assert report.deliveries == ()
        assert report.recipients == ()
        assert report.not_processed == ()
        assert [(r.provider_id, r.forwarded) for r in report.provider_reports] == [
            ("karriarbron", False),
            ("jobbcoach-syd", True),
        ]
        assert report.provider_reports[0].reason_text == reason_text("NOT_ASSIGNED", lang)
        text = render_text(report)
        assert reason_text("NOT_ASSIGNED", lang) in text
        assert json.loads(json.dumps(render_json(report)))["provider_reports"][1]["forwarded"]
        assert "jobbcoach-syd" not in render_html(report).split("<h2>")[2]  # not a recipient


def _lookups(lang: str) -> Any:
    from lovhub.operators.lookups import LookupCommand, lookup_lines, lookup_record

    pseudonym = "au_" + "1" * 32
    records = [
        lookup_record(
            lookup_id=f"lookup-{n}",
            at=T0 + dt.timedelta(days=n),
            operator=operator,
            case=case,
            command=command,
            pseudonyms=[pseudonym],
        )
        for n, (operator, case, command) in enumerate(
            [
                ("handlaggare-1", "AF-2026/000001", LookupCommand.REPLAY),
                ("lovhub-admin", "AF-2026/<b>2", LookupCommand.ACCESS_REPORT),
            ]
        )
    ]
    return lookup_lines(records, lang, this_lookup_id="lookup-1")  # type: ignore[arg-type]


LOOKUPS_TITLE = {"sv": "Sökningar på dig", "en": "Lookups of you"}
THIS_REPORT = {"sv": "den här sammanställningen", "en": "this report"}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("record_found", [True, False])
def test_the_lookups_about_the_person_are_listed_this_reports_own_marked(
    lang: str, record_found: bool
) -> None:
    """Issue 15, part 4: when, for which case, by whom and how the person was looked up, in
    every rendering and language; also when the hub has no decision about them."""
    from lovhub.operators.texts import lookup_command_text

    report = build_access_report(
        [decision()] if record_found else [],
        recipient_names=NAMES,
        purpose_descriptions=PURPOSES,
        lang=lang,  # type: ignore[arg-type]
        generated_at=T0 + dt.timedelta(days=30),
        lookups=_lookups(lang),
    )
    assert report.no_record is not record_found
    text, page, as_json = render_text(report), render_html(report), render_json(report)
    replay = lookup_command_text("REPLAY", lang)  # type: ignore[arg-type]
    for rendered, shown in ((text, str), (page, html.escape)):
        assert LOOKUPS_TITLE[lang] in rendered
        assert "handlaggare-1" in rendered
        assert "lovhub-admin" in rendered
        assert "AF-2026/000001" in rendered
        assert shown(replay) in rendered
        assert THIS_REPORT[lang] in rendered
    # Newest first: this report's own lookup (a day later) before the replay.
    assert text.index("lovhub-admin") < text.index("handlaggare-1")
    assert f"[{THIS_REPORT[lang]}]" in text.splitlines()[-2]
    assert f"[{THIS_REPORT[lang]}]" not in text.splitlines()[-1]
    assert "AF-2026/&lt;b&gt;2" in page
    assert "AF-2026/<b>2" not in page
    assert [(k["operator"], k["command"], k["this_report"]) for k in as_json["lookups"]] == [
        ("lovhub-admin", "ACCESS_REPORT", True),
        ("handlaggare-1", "REPLAY", False),
    ]
    assert as_json["lookups"][1] == {
        "looked_up_at": (T0).isoformat(),
        "case_reference": "AF-2026/000001",
        "operator": "handlaggare-1",
        "command": "REPLAY",
        "command_text": lookup_command_text("REPLAY", lang),  # type: ignore[arg-type]
        "this_report": False,
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_report_built_without_lookups_says_none_were_made(lang: str) -> None:
    report = build([decision()], lang)
    assert report.lookups == ()
    assert render_json(report)["lookups"] == []
    assert LOOKUPS_TITLE[lang] in render_text(report)
