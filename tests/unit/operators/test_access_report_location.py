"""The access report names where each recipient keeps the data (issue 15, part 6)."""

from __future__ import annotations

import json

import pytest

from lovhub.operators.access_report import (
    RecipientLocation,
    build_access_report,
    recipient_locations,
)
from lovhub.operators.report_render import render_html, render_json, render_text
from lovhub.registry import load_recipients
from tests.unit.operators.test_access_report import NAMES, PURPOSES, T0, decision
from tests.unit.policy.helpers import DEFAULT_RECIPIENTS

WHERE = {
    "jobbcoach-syd": RecipientLocation(
        "SE", "Exempeldrift Syd AB", (("Exempelbackup Norden Oy", "FI"),)
    )
}


def _report(lang: str) -> object:
    return build_access_report(
        [decision(), decision(recipient_id="forsakring-alfa", legal_basis="CONSENT")],
        recipient_names=NAMES,
        purpose_descriptions=PURPOSES,
        lang=lang,  # type: ignore[arg-type]
        generated_at=T0,
        recipient_locations=WHERE,
    )


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_each_recipient_is_listed_with_its_country_hosting_and_sub_processors(lang: str) -> None:
    report = _report(lang)
    text = render_text(report)  # type: ignore[arg-type]
    assert "SE, " in text
    assert "Exempeldrift Syd AB" in text
    assert "Exempelbackup Norden Oy (FI)" in text
    unknown = {"sv": "inte angivet i registret", "en": "not in the register"}[lang]
    assert unknown in text  # forsakring-alfa: no location in the mapping
    listed = {r["recipient_id"]: r for r in render_json(report)["recipients"]}  # type: ignore[arg-type]
    assert listed["jobbcoach-syd"]["location"] == {
        "country": "SE",
        "hosting": "Exempeldrift Syd AB",
        "sub_processors": [{"name": "Exempelbackup Norden Oy", "country": "FI"}],
    }
    assert listed["forsakring-alfa"]["location"] is None
    json.dumps(listed)
    page = render_html(report)  # type: ignore[arg-type]
    assert "Exempelbackup Norden Oy (FI)" in page


def test_locations_come_from_the_registry_records() -> None:
    found = recipient_locations(load_recipients(DEFAULT_RECIPIENTS).recipients)
    assert found["jobbcoach-syd"] == WHERE["jobbcoach-syd"]
    assert found["praktik-nord"].country == "NO"
