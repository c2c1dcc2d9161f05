"""The recipient registry: the seed file, validation with clear errors, keys over time."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from lovhub.codec.examples import PROVIDERS, THIRD_PARTIES
from lovhub.identity import is_valid_organisation_number
from lovhub.policy import load_policy
from lovhub.registry import (
    PublicKeyEntry,
    Recipient,
    RecipientDirectory,
    RecipientKind,
    RecipientStatus,
    RegistryError,
    load_recipients,
    parse_recipients,
)
from tests.unit.policy.helpers import DEFAULT_POLICY, DEFAULT_RECIPIENTS

POLICY = load_policy(DEFAULT_POLICY)
SEED: dict[str, Any] = yaml.safe_load(DEFAULT_RECIPIENTS.read_text(encoding="utf-8"))
UTC = dt.UTC


def _key(key_id: str, start: dt.datetime, end: dt.datetime | None = None) -> PublicKeyEntry:
    return PublicKeyEntry(
        key_id=key_id, suite="hpke-x25519", public_key="pk", valid_from=start, valid_to=end
    )


@pytest.fixture
def seed() -> dict[str, Any]:
    return copy.deepcopy(SEED)


def _refused(tmp_path: Path, data: dict[str, Any], *fragments: str) -> None:
    path = tmp_path / "recipients.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_recipients(path, policy=POLICY)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    assert caught.value.code == "REGISTRY_INVALID"


def test_seed_loads_and_matches_the_examples() -> None:
    directory = load_recipients(DEFAULT_RECIPIENTS, policy=POLICY)
    providers = [r.id for r in directory.providers()]
    third = [r.id for r in directory.third_parties()]
    assert len(providers) >= 4
    assert len(third) >= 2
    assert set(PROVIDERS) <= set(providers)
    assert set(THIRD_PARTIES) <= set(third)
    assert all(is_valid_organisation_number(r.organisation_number) for r in directory.recipients)
    assert all(r.keys == () for r in directory.recipients)
    assert directory.version.startswith("sha256:")
    assert len(directory) == len(directory.recipients)
    assert "jobbcoach-syd" in directory
    assert "nobody" not in directory
    assert directory.get("nobody") is None
    suspended = directory.get("vagval-norr")
    assert suspended is not None
    assert suspended.status == "suspended"
    assert not suspended.is_active
    insurer = directory.get("forsakring-alfa")
    assert insurer is not None
    assert not insurer.is_provider
    assert insurer.contracted_purposes == {"consent.registration-status"}
    assert directory.as_mapping()["karriarbron"].is_provider


def test_version_tracks_content(seed: dict[str, Any]) -> None:
    base = parse_recipients(seed).version
    assert parse_recipients(copy.deepcopy(seed)).version == base
    seed["recipients"][0]["status"] = "suspended"
    assert parse_recipients(seed).version != base


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("organisation_number", "5785797549", "recipients[0].organisation_number"),
        ("organisation_number", "19550830261", "not a valid organisation number"),
        ("id", "Jobbcoach_Syd", "recipients[0].id"),
        ("id", "jobbcoach.reports", "not a recipient id"),
        ("kind", "insurer", "recipients[0].kind"),
        ("status", "paused", "recipients[0].status"),
        ("insurance_valid_until", None, "a provider needs insurance_valid_until"),
        ("services", [], "a provider needs services"),
        ("purposes", [], "recipients[0].purposes"),
        ("purposes", ["lov.matching", "lov.matching"], "duplicate purpose"),
        ("purposes", ["lov.coaching"], "unknown purpose 'lov.coaching'"),
        ("purposes", ["consent.registration-status"], "not open to a provider"),
        ("contract", "x", "recipients[0].contract"),
    ],
)
def test_invalid_entries(
    tmp_path: Path, seed: dict[str, Any], field: str, value: Any, fragment: str
) -> None:
    seed["recipients"][0][field] = value
    _refused(tmp_path, seed, fragment)


def test_duplicate_recipient_id(tmp_path: Path, seed: dict[str, Any]) -> None:
    seed["recipients"].append(copy.deepcopy(seed["recipients"][1]))
    _refused(tmp_path, seed, "duplicate recipient id 'framtidsvagen'")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = DEFAULT_RECIPIENTS.read_text(encoding="utf-8").replace(
        "    status: suspended\n", "    status: suspended\n    status: active\n"
    )
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match="duplicate key 'status'"):
        load_recipients(path)


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ({"valid_from": "2025-01-01T00:00:00"}, "timezone"),
        ({"valid_to": "2024-01-01T00:00:00Z"}, "valid_to must be after valid_from"),
        ({"suite": "hpke x25519"}, "keys[0].suite"),
        ({"algorithm": "rsa"}, "keys[0].algorithm"),
    ],
)
def test_invalid_keys(
    tmp_path: Path, seed: dict[str, Any], key: dict[str, str], fragment: str
) -> None:
    base = {"key_id": "k1", "suite": "hpke-x25519", "public_key": "pk"}
    seed["recipients"][2]["keys"] = [{**base, "valid_from": "2025-01-01T00:00:00Z", **key}]
    _refused(tmp_path, seed, "recipients[2].keys[0]", fragment)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        load_recipients(tmp_path / "none.yaml")


def test_current_key_prefers_the_latest_valid() -> None:
    jan, feb, mar = (dt.datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3))
    recipient = Recipient(
        id="karriarbron",
        kind=RecipientKind.PROVIDER,
        organisation_number="5251948757",
        name="Karriärbron AB",
        contract_id="LOV-1",
        services=("KROM",),
        purposes=("lov.matching",),
        status=RecipientStatus.ACTIVE,
        insurance_valid_until=dt.date(2025, 12, 31),
        keys=(_key("old", jan, mar), _key("new", feb)),
    )
    assert recipient.current_key(jan - dt.timedelta(seconds=1)) is None
    assert recipient.current_key(jan).key_id == "old"  # type: ignore[union-attr]
    assert recipient.current_key(feb).key_id == "new"  # type: ignore[union-attr]
    assert recipient.current_key(mar).key_id == "new"  # type: ignore[union-attr]
    assert recipient.insured_on(dt.date(2025, 12, 31))
    assert not recipient.insured_on(dt.date(2026, 1, 1))


instants = st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2027, 1, 1), timezones=st.just(UTC))


@given(
    periods=st.lists(st.tuples(instants, st.one_of(st.none(), instants)), max_size=6),
    at=instants,
)
def test_current_key_is_valid_and_latest(
    periods: list[tuple[dt.datetime, dt.datetime | None]], at: dt.datetime
) -> None:
    keys = [
        _key(f"k{i}", start, end)
        for i, (start, end) in enumerate(periods)
        if end is None or end > start
    ]
    recipient = Recipient.model_validate({**SEED["recipients"][0], "keys": keys})
    valid = [k for k in keys if k.valid_from <= at and (k.valid_to is None or at < k.valid_to)]
    current = recipient.current_key(at)
    if not valid:
        assert current is None
    else:
        assert current in valid
        assert current is not None
        assert current.valid_from == max(k.valid_from for k in valid)


def test_registering_a_key(seed: dict[str, Any]) -> None:
    directory = parse_recipients(seed)
    provider = directory.get("jobbcoach-syd")
    assert provider is not None
    start = dt.datetime(2025, 1, 1, tzinfo=UTC)
    updated = provider.with_key(_key("jobbcoach-syd-2025-01", start))
    assert provider.keys == ()
    assert len(updated.keys) == 1
    with pytest.raises(RegistryError, match="duplicate key_id"):
        updated.with_key(_key("jobbcoach-syd-2025-01", start))
    new_directory = directory.with_recipient(updated)
    assert new_directory.get("jobbcoach-syd") == updated
    assert [r.id for r in new_directory.recipients] == [r.id for r in directory.recipients]
    assert new_directory.version != directory.version
    assert directory.get("jobbcoach-syd") == provider  # the old directory is unchanged


def test_directory_from_recipients_and_frozen(seed: dict[str, Any]) -> None:
    directory = parse_recipients(seed)
    again = parse_recipients(directory.recipients[:2])
    assert [r.id for r in again.recipients] == ["jobbcoach-syd", "framtidsvagen"]
    with pytest.raises(RegistryError, match="duplicate recipient id"):
        parse_recipients([directory.recipients[0], directory.recipients[0]])
    recipient = directory.recipients[0]
    with pytest.raises(ValueError, match="frozen"):
        recipient.status = RecipientStatus.SUSPENDED
    assert isinstance(directory, RecipientDirectory)
