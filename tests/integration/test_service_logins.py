"""Services log in as their own principals, never silently as the super user (issue 10,
finding 4: with a hub login but no bootstrap variable, ``lovhub run`` took the local
connection file's admin login and ran as ``lovhub-admin``, bypassing its own ACLs)."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import TopicAuthorizationFailedError

from lovhub.codec import codec_for
from lovhub.provisioning.hub import provision_hub
from lovhub.provisioning.topology import AGENCY_EVENTS, AUDIT
from lovhub.settings import HubSettings, KafkaSettings
from lovhub.synthetic import build_world, generate_scenario
from tests.support.acl_probes import remove_principals, write_probe
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import (
    HubTopics,
    audit_outcomes,
    lovhub_env,
    oracle_outcomes,
    produce_all,
    read_all,
)

HUB_PASSWORD = "test-only-hub-password"
REFUSAL = "refusing to run as the admin principal"


@pytest.fixture
def service_principals(
    kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str], tmp_path: Path
) -> Iterator[HubSettings]:
    hub = HubSettings(
        hub_principal=unique_name("test-hub"),
        reports_principal=unique_name("test-reports"),
        agency_principal=unique_name("test-agency"),
        partitions=3,
    )
    provision_hub(kafka_admin, hub, hub_password=HUB_PASSWORD, credentials_dir=tmp_path)
    yield hub
    remove_principals(kafka_admin, hub.hub_principal, hub.reports_principal, hub.agency_principal)


def _without_admin_permission(env: dict[str, str], admin: KafkaSettings) -> dict[str, str]:
    env = {k: v for k, v in env.items() if k != "LOVHUB_ALLOW_ADMIN_PRINCIPAL"}
    env["LOVHUB_ADMIN_PRINCIPAL"] = admin.sasl_username or ""  # whatever the broker's is
    return env


def _local_broker_only(env: dict[str, str], admin: KafkaSettings, state: Path) -> dict[str, str]:
    """As on a developer's machine: no bootstrap variable, the local connection file (which
    holds the super user's login) in the state directory."""
    assert admin.sasl_password is not None
    connection = state / "broker" / "connection.json"
    connection.parent.mkdir(parents=True, exist_ok=True)
    connection.write_text(
        json.dumps(
            {
                "bootstrap_servers": admin.bootstrap_servers,
                "security_protocol": str(admin.security_protocol),
                "sasl_mechanism": admin.sasl_mechanism,
                "username": admin.sasl_username,
                "password": admin.sasl_password.get_secret_value(),
            }
        ),
        encoding="utf-8",
    )
    dropped = (
        "KAFKA_BOOTSTRAP_SERVERS",
        "LOVHUB_KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "LOVHUB_KAFKA_SASL_USERNAME",
        "LOVHUB_KAFKA_SASL_PASSWORD",
    )
    return {**{k: v for k, v in env.items() if k not in dropped}, "LOVHUB_STATE_DIR": str(state)}


@pytest.mark.parametrize("service", ["run", "run-reports"])
def test_services_refuse_the_admin_principal_unless_told(
    kafka_broker: TestBroker, tmp_path: Path, service: str
) -> None:
    admin = kafka_broker.admin_settings
    env = _without_admin_permission(lovhub_env(admin, build_world(), tmp_path), admin)
    refused = run_lovhub(env, service, "--idle-exit", "1", timeout=60)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert REFUSAL in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_wrong_hub_password_never_falls_back_to_the_admin_login(
    kafka_broker: TestBroker, service_principals: HubSettings, tmp_path: Path
) -> None:
    admin = kafka_broker.admin_settings
    env = _local_broker_only(lovhub_env(admin, build_world(), tmp_path), admin, tmp_path / "s")
    env = _without_admin_permission(env, admin)
    env["LOVHUB_KAFKA_SASL_USERNAME"] = service_principals.hub_principal
    env["LOVHUB_KAFKA_SASL_PASSWORD"] = "not-the-hub-password"
    topics = HubTopics.fresh(namespace="lovhub-hub")
    result = run_lovhub(
        env,
        *topics.run_args(group=f"lovhub-hub-{topics.run}", worker_dir=tmp_path / "worker"),
        "--idle-exit",
        "3",
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"as {admin.sasl_username}" not in output
    assert "Traceback" not in output
    assert f"cannot connect to {admin.bootstrap_servers} as {service_principals.hub_principal}" in (
        output
    )


def test_lovhub_run_on_the_local_broker_runs_as_the_hub_principal(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    service_principals: HubSettings,
    tmp_path: Path,
) -> None:
    """No login in the environment: the hub's own stored login (from `lovhub admin init`),
    not the connection file's super user; and its ACLs suffice for a whole run."""
    admin = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh(namespace="lovhub-hub")  # under the hub principal's prefix
    topics.create(kafka_admin, world)
    scenario = generate_scenario(world, codec_for(None), jobseekers=20, seed=11)
    produce_all(admin, topics.source, scenario.records)
    state = tmp_path / "state"
    env = _local_broker_only(lovhub_env(admin, world, tmp_path), admin, state)
    env = _without_admin_permission(env, admin)
    env["LOVHUB_HUB_PRINCIPAL"] = service_principals.hub_principal
    stored = state / "credentials" / f"{service_principals.hub_principal}.credentials.json"
    stored.parent.mkdir(parents=True)
    stored.write_text(
        json.dumps({"username": service_principals.hub_principal, "password": HUB_PASSWORD}),
        encoding="utf-8",
    )
    result = run_lovhub(
        env,
        *topics.run_args(group=f"lovhub-hub-{topics.run}", worker_dir=tmp_path / "worker"),
        "--idle-exit",
        "4",
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"as {service_principals.hub_principal}:" in output
    counted, _ = audit_outcomes(admin, topics)
    assert counted == oracle_outcomes(world, topics, read_all(admin, topics.source))


def test_admin_agency_add_creates_a_write_only_producer_and_never_reuses_a_principal(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> None:
    admin = kafka_broker.admin_settings
    env = lovhub_env(admin, build_world(), tmp_path)
    system = unique_name("ais")
    login_file = tmp_path / "agency.json"
    added = run_lovhub(env, "admin", "agency", "add", system, "--credentials-out", str(login_file))
    assert added.returncode == 0, added.stdout + added.stderr
    login = json.loads(login_file.read_text(encoding="utf-8"))
    assert login["username"] == f"lovhub-agency-{system}"
    assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
    try:
        agency = admin.with_credentials(login["username"], login["password"])
        write_probe(agency, AGENCY_EVENTS)
        with pytest.raises(TopicAuthorizationFailedError):
            write_probe(agency, AUDIT)
        again = run_lovhub(env, "admin", "agency", "add", system)
        assert again.returncode != 0
        assert "already exists" in again.stdout + again.stderr
    finally:
        remove_principals(kafka_admin, login["username"])
