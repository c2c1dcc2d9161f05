"""Vetting as rules of the registry model (issue 15, parts 3, 6 and 7): a new record must
carry them (``recipient add``, ``recipient import``); a record written before they existed
stays readable, and the decision core withholds from it."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from lovhub.cli.main import app
from lovhub.cli.recipient_support import vetting_updates
from lovhub.errors import ConfigurationError
from lovhub.pipeline.policy_cache import CachedPolicy, recipient_facts
from lovhub.policy import (
    EU_EEA_COUNTRIES,
    PolicyError,
    describe_validation_error,
    load_policy,
    parse_policy,
)
from lovhub.registry import (
    VETTING,
    Recipient,
    RecipientDirectory,
    RegistryError,
    load_recipients,
)
from lovhub.registry import lifecycle as life
from lovhub.registry.records import decode_registry_record, encode_registry_record
from tests.unit.policy.helpers import DEFAULT_POLICY, DEFAULT_RECIPIENTS

POLICY = load_policy(DEFAULT_POLICY)
SEED: dict[str, Any] = yaml.safe_load(DEFAULT_RECIPIENTS.read_text(encoding="utf-8"))
PROVIDER: dict[str, Any] = SEED["recipients"][0]
THIRD_PARTY: dict[str, Any] = next(r for r in SEED["recipients"] if r["kind"] == "third_party")


def _without(entry: dict[str, Any], field: str) -> dict[str, Any]:
    data = copy.deepcopy(entry)
    data.pop(field, None)
    return data


def test_the_seed_passes_the_vetting() -> None:
    directory = load_recipients(DEFAULT_RECIPIENTS, policy=POLICY, vetted=True)
    assert all(r.residency is not None for r in directory.recipients)
    assert all(r.undertaking is not None for r in directory.providers())
    assert all(r.contract_id for r in directory.third_parties())
    assert all(r.storage_countries <= POLICY.allowed_countries for r in directory.recipients)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (PROVIDER, "contact"),
        (PROVIDER, "representatives"),
        (PROVIDER, "undertaking"),
        (PROVIDER, "residency"),
        (THIRD_PARTY, "contract_id"),
        (THIRD_PARTY, "residency"),
    ],
)
def test_a_new_record_needs_what_the_vetting_needs_an_old_one_stays_readable(
    entry: dict[str, Any], field: str
) -> None:
    data = _without(entry, field)
    old = Recipient.model_validate(data)  # as read from the registry topic
    assert field.split(" ")[0] in " ".join(old.vetting_gaps())
    with pytest.raises(ValidationError) as caught:
        Recipient.model_validate(data, context=VETTING)
    told = describe_validation_error("recipient add", caught.value)  # what operators see
    assert f"vetting needs {field}" in told
    assert "Exempel" not in told  # names the field, never a value


def test_import_refuses_a_file_with_an_unvetted_recipient(tmp_path: Path) -> None:
    data = copy.deepcopy(SEED)
    del data["recipients"][1]["undertaking"]
    path = tmp_path / "recipients.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert len(load_recipients(path, policy=POLICY)) == len(SEED["recipients"])
    with pytest.raises(RegistryError, match=r"recipients\[1\].*vetting needs undertaking"):
        load_recipients(path, policy=POLICY, vetted=True)


@pytest.mark.parametrize(
    ("residency", "fragment"),
    [
        ({"country": "se", "hosting": "X"}, "residency.country"),
        ({"country": "SWE", "hosting": "X"}, "residency.country"),
        ({"country": False, "hosting": "X"}, "residency.country"),  # YAML's unquoted NO
        ({"country": "SE"}, "residency.hosting"),
        (
            {
                "country": "SE",
                "hosting": "X",
                "sub_processors": [{"name": "Y", "country": "FI"}, {"name": "Y", "country": "DE"}],
            },
            "listed twice",
        ),
        ({"country": "SE", "hosting": "X", "sub_processors": [{"name": "Y"}]}, "country"),
    ],
)
def test_a_residency_is_checked_for_its_form(residency: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        Recipient.model_validate({**PROVIDER, "residency": residency})


def test_an_undertaking_needs_its_date_and_a_reference_code() -> None:
    for undertaking in ({"signed_on": "2025-01-01"}, {"reference": "TP-1"}):
        with pytest.raises(ValidationError, match="undertaking"):
            Recipient.model_validate({**PROVIDER, "undertaking": undertaking})
    with pytest.raises(ValidationError, match=r"undertaking\.reference"):
        Recipient.model_validate(
            {**PROVIDER, "undertaking": {"signed_on": "2025-01-01", "reference": "free text"}}
        )


def test_a_record_without_the_new_fields_encodes_as_before_and_reads_back() -> None:
    old = Recipient.model_validate(_without(_without(PROVIDER, "undertaking"), "residency"))
    key, value = encode_registry_record(old)
    stored = json.loads(value)["recipient"]
    assert "undertaking" not in stored
    assert "residency" not in stored
    assert decode_registry_record(key, value) == old
    vetted = Recipient.model_validate(PROVIDER, context=VETTING)
    key, value = encode_registry_record(vetted)
    assert json.loads(value)["recipient"]["residency"]["country"] == "SE"
    assert decode_registry_record(key, value) == vetted


def test_the_facts_name_every_country_of_the_data_and_the_undertaking_date() -> None:
    recipient = Recipient.model_validate(PROVIDER)
    facts = recipient_facts([recipient])[recipient.id]
    assert facts.storage_countries == frozenset({"SE", "FI"})  # the sub-processor's too
    assert facts.undertaking_signed_on == dt.date(2024, 11, 4)
    assert facts.contract_id == PROVIDER["contract_id"]
    bare = Recipient.model_validate(_without(_without(PROVIDER, "undertaking"), "residency"))
    facts = recipient_facts([bare])[bare.id]
    assert facts.storage_countries == frozenset()
    assert facts.undertaking_signed_on is None


def test_the_policy_allows_the_eu_and_eea_by_default() -> None:
    assert len(EU_EEA_COUNTRIES) == 30
    assert POLICY.allowed_countries == EU_EEA_COUNTRIES  # the shipped policy says it outright
    data = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    implicit = parse_policy({k: v for k, v in data.items() if k != "allowed_countries"})
    assert implicit.allowed_countries == EU_EEA_COUNTRIES
    assert implicit.version == POLICY.version  # the default is the same content
    nordic = parse_policy({**data, "allowed_countries": ["SE", "NO", "FI", "DK"]})
    assert nordic.version != POLICY.version  # every decision records which list applied
    assert CachedPolicy(nordic).country_allowed("SE")
    assert not CachedPolicy(nordic).country_allowed("DE")
    assert POLICY.country_allowed("DE")
    assert not POLICY.country_allowed("US")
    for wrong in ([], ["se"], ["SWE"]):
        with pytest.raises(PolicyError, match="allowed_countries"):
            parse_policy({**data, "allowed_countries": wrong})


ADD = [
    "recipient", "add", "--id", "ny-leverantor", "--kind", "provider",
    "--organisation-number", "5785797548", "--name", "Ny Leverantör AB",
    "--contract-id", "LOV-2026-0001", "--service", "KROM", "--purpose", "lov.matching",
    "--insurance-valid-until", "2099-12-31",
]  # fmt: skip
VETTED = [
    "--contact", "kontakt@ny.example", "--representative", "Test Person",
    "--undertaking-signed-on", "2026-01-01", "--undertaking-reference", "TP-2026-1",
    "--country", "SE", "--hosting", "Exempeldrift AB", "--sub-processor", "Exempel Oy:FI",
]  # fmt: skip


@pytest.mark.parametrize(
    ("left_out", "fragment"),
    [
        ("--contact", "vetting needs contact"),
        ("--undertaking-signed-on", "--undertaking-reference"),
        ("--country", "--country and --hosting"),
    ],
)
def test_recipient_add_refuses_before_touching_the_registry(
    left_out: str, fragment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No broker is configured: a refusal must come before any connection is tried.
    monkeypatch.setenv("LOVHUB_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")
    at = VETTED.index(left_out)
    options = VETTED[:at] + VETTED[at + 2 :]
    result = CliRunner().invoke(app, [*ADD, *options])
    assert result.exit_code != 0
    told = f"{result.output}{result.exception}"  # lovhub's errors reach `run`, which prints
    assert fragment in told, told


def test_recipient_add_refuses_a_malformed_sub_processor() -> None:
    options = [*VETTED[:-1], "Exempel Oy"]
    result = CliRunner().invoke(app, [*ADD, *options])
    assert result.exit_code != 0
    assert "NAME:COUNTRY" in f"{result.output}{result.exception}"


def test_resume_records_the_undertaking_and_residency_an_old_record_lacks() -> None:
    old = Recipient.model_validate(_without(_without(PROVIDER, "undertaking"), "residency"))
    directory = RecipientDirectory(recipients=(old,))
    at = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    suspended = life.suspend(directory, old.id, actor="op", at=at).recipient
    directory = directory.with_recipient(suspended)
    updates = vetting_updates("2026-04-01", "TP-2026-7", "SE", "Exempelmoln AB", ["Post AB:DE"])
    resumed = life.resume(directory, old.id, actor="op", at=at, **updates).recipient
    assert resumed.is_active
    assert resumed.undertaking_signed_on == dt.date(2026, 4, 1)
    assert resumed.storage_countries == frozenset({"SE", "DE"})
    assert resumed.vetting_gaps() == ()
    with pytest.raises(ConfigurationError, match="country"):
        vetting_updates(None, None, "Sverige", "X", [])
