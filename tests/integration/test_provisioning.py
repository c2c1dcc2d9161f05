"""`lovhub admin init` creates exactly the topology, is idempotent, and its ACLs hold."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import TopicAuthorizationFailedError

from lovhub.kafka import producer
from lovhub.provisioning.apply import acl_specs_of
from lovhub.provisioning.hub import provision_hub
from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AUDIT,
    agency_acls,
    hub_acls,
    hub_topics,
    reports_acls,
)
from lovhub.settings import HubSettings
from tests.support.acl_probes import remove_principals
from tests.support.broker import TestBroker

PASSWORD = "test-only-hub-password"


@pytest.fixture
def hub_settings(
    kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> Iterator[HubSettings]:
    """Service principals private to this test; the hub topics are shared by design."""
    hub = HubSettings(
        hub_principal=unique_name("test-hub"),
        reports_principal=unique_name("test-reports"),
        agency_principal=unique_name("test-agency"),
        partitions=3,
    )
    yield hub
    remove_principals(kafka_admin, hub.hub_principal, hub.reports_principal, hub.agency_principal)


def test_provisioning_creates_topology_and_is_idempotent(
    kafka_admin: KafkaAdminClient, hub_settings: HubSettings, tmp_path: Path
) -> None:
    first = provision_hub(
        kafka_admin, hub_settings, hub_password=PASSWORD, credentials_dir=tmp_path
    )
    names = {spec.name for spec in hub_topics(hub_settings.partitions)}
    assert names <= set(kafka_admin.list_topics())
    assert (
        set(first.topics.created) | set(first.topics.unchanged) | set(first.topics.reconfigured)
        == names
    )
    for principal, rules in (
        (hub_settings.hub_principal, hub_acls(hub_settings.hub_principal)),
        (hub_settings.reports_principal, reports_acls(hub_settings.reports_principal)),
        (hub_settings.agency_principal, agency_acls(hub_settings.agency_principal)),
    ):
        expected = {
            (a.principal, a.resource.value, a.name, a.pattern.value, a.operation.value, a.host)
            for a in rules
        }
        assert acl_specs_of(kafka_admin, f"User:{principal}") == expected
    reports = first.principals[1]
    assert reports.principal == hub_settings.reports_principal
    assert reports.created
    assert reports.credentials_file is not None  # no password was given: generated

    second = provision_hub(kafka_admin, hub_settings, hub_password=None, credentials_dir=tmp_path)
    assert second.topics.created == []
    assert second.topics.reconfigured == []
    for principal in second.principals:
        assert (principal.acls.created, principal.acls.removed) == (0, 0)
        assert principal.created is False
        assert principal.credentials_file is None


def test_provisioning_removes_acls_outside_the_topology(
    kafka_admin: KafkaAdminClient, hub_settings: HubSettings, tmp_path: Path
) -> None:
    from lovhub.provisioning.apply import ensure_acls
    from lovhub.provisioning.topology import AclOperation, AclSpec, PatternType, ResourceKind

    principal = f"User:{hub_settings.hub_principal}"
    stray = AclSpec(principal, ResourceKind.TOPIC, "lov.", PatternType.PREFIXED, AclOperation.READ)
    ensure_acls(kafka_admin, principal, [*hub_acls(hub_settings.hub_principal), stray])
    result = provision_hub(
        kafka_admin, hub_settings, hub_password=PASSWORD, credentials_dir=tmp_path
    )
    assert result.hub.acls.removed == 1
    held = acl_specs_of(kafka_admin, principal)
    assert (principal, "TOPIC", "lov.", "PREFIXED", "READ", "*") not in held


def test_hub_principal_may_write_audit_but_not_agency_events(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    hub_settings: HubSettings,
    tmp_path: Path,
) -> None:
    provision_hub(kafka_admin, hub_settings, hub_password=PASSWORD, credentials_dir=tmp_path)
    hub = producer(
        kafka_broker.settings_for(hub_settings.hub_principal, PASSWORD), max_block_ms=15_000
    )
    try:
        metadata = hub.send(AUDIT, key=b"probe", value=b"allowed").get(timeout=30)
        assert metadata.topic == AUDIT
        with pytest.raises(TopicAuthorizationFailedError):
            hub.send(AGENCY_EVENTS, key=b"probe", value=b"forbidden").get(timeout=30)
    finally:
        hub.close(timeout=5)
