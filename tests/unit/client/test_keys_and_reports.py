"""Key files by key id, and reports that are checked before they leave the provider."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lovhub.client import (
    OutcomeKind,
    absence_body,
    activity_body,
    encode_report,
    load_private_keys,
    outcome_body,
    provider_report,
)
from lovhub.codec import PROVIDER_REPORT, InvalidFieldError
from lovhub.crypto import KeyFormatError, write_private_key_file
from tests.unit.client.records import CODEC, new_key

DAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
PSEUDONYM = "ps_" + "cd" * 16


def test_key_files_load_by_key_id_with_or_without_passphrase(tmp_path: Path) -> None:
    old, new = new_key("key-old"), new_key("key-new")
    write_private_key_file(tmp_path / "old.key", old)
    write_private_key_file(tmp_path / "new.key", new, "correct horse", scrypt_log2_n=14)
    keys = load_private_keys([tmp_path / "old.key", tmp_path / "new.key"], "correct horse")
    assert sorted(keys) == ["key-new", "key-old"]
    assert keys["key-new"].private_bytes == new.private_bytes
    with pytest.raises(KeyFormatError) as missing:
        load_private_keys([tmp_path / "new.key"])
    assert missing.value.reason == "PASSPHRASE_REQUIRED"


def test_two_files_with_one_key_id_or_none_at_all_are_refused(tmp_path: Path) -> None:
    key = new_key("key-a")
    write_private_key_file(tmp_path / "a.key", key)
    write_private_key_file(tmp_path / "b.key", key)
    with pytest.raises(KeyFormatError):
        load_private_keys([tmp_path / "a.key", tmp_path / "b.key"])
    with pytest.raises(KeyFormatError):
        load_private_keys([])


@pytest.mark.parametrize(
    ("report_type", "body"),
    [
        ("ACTIVITY", activity_body(activity_code="KROM-01", occurred_on=DAY, duration_minutes=60)),
        ("ABSENCE", absence_body(absent_from=DAY, absent_to=DAY, notified=True)),
        (
            "OUTCOME",
            outcome_body(
                outcome=OutcomeKind.STARTED_WORK,
                outcome_date=DAY,
                employer_org_number="5785797548",
                extent_percent=75,
            ),
        ),
    ],
)
def test_each_report_type_round_trips(report_type: str, body: dict[str, object]) -> None:
    report = provider_report(
        provider_id="jobbcoach-syd",
        report_type=report_type,
        jobseeker_pseudonym=PSEUDONYM,
        report_date=DAY,
        body=body,
        submitted_at=NOW,
    )
    key, value = encode_report(CODEC, report)
    assert key == PSEUDONYM.encode()
    decoded = CODEC.decode(value, PROVIDER_REPORT)
    assert decoded["report_type"] == report_type
    assert decoded["body"][1] == body
    assert decoded["report_id"] == report["report_id"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (activity_body(activity_code="KROM-01", occurred_on=DAY, duration_minutes=0), "minutes"),
        (activity_body(activity_code="not a code!", occurred_on=DAY, duration_minutes=5), "code"),
        (absence_body(absent_from=DAY, absent_to=DAY - dt.timedelta(days=1), notified=False), ""),
    ],
)
def test_invalid_reports_never_leave_the_provider(body: dict[str, object], path: str) -> None:
    report_type = "ABSENCE" if "absent_from" in body else "ACTIVITY"
    with pytest.raises(InvalidFieldError):
        provider_report(
            provider_id="jobbcoach-syd",
            report_type=report_type,
            jobseeker_pseudonym=PSEUDONYM,
            report_date=DAY,
            body=body,
            submitted_at=NOW,
        )


def test_an_unknown_report_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report type"):
        provider_report(
            provider_id="jobbcoach-syd",
            report_type="GOSSIP",
            jobseeker_pseudonym=PSEUDONYM,
            report_date=DAY,
            body=absence_body(absent_from=DAY, absent_to=DAY, notified=True),
            submitted_at=NOW,
        )
