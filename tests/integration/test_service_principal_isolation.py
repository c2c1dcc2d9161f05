"""The hub worker and the report processor each hold only what their job needs; the broker
enforces it (issue 10, finding 11: the report processor ran as the hub, and the hub's prefix
WRITE on ``lov.provider.`` covered every provider's report topic, so it could forge reports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import TopicAuthorizationFailedError

from lovhub.kafka import producer
from lovhub.provisioning.hub import provision_hub
from lovhub.provisioning.recipients import provision_recipient
from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AGENCY_REPORTS,
    AUDIT,
    DEAD_LETTER,
    RECIPIENT_REGISTRY,
    REPORT_AUDIT,
    provider_report_topic,
    provider_topic,
    thirdparty_topic,
)
from lovhub.registry.operations import deprovision_recipient
from lovhub.settings import HubSettings, KafkaSettings
from tests.support.acl_probes import read_refused, remove_principals, write_probe
from tests.support.broker import TestBroker

HUB_PASSWORD = "test-only-hub-password"
REPORTS_PASSWORD = "test-only-reports-password"
AGENCY_PASSWORD = "test-only-agency-password"


@dataclass(frozen=True)
class Cluster:
    hub: KafkaSettings
    reports: KafkaSettings
    agency: KafkaSettings
    provider: str
    third_party: str
    settings: HubSettings


@pytest.fixture
def cluster(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> Iterator[Cluster]:
    settings = HubSettings(
        hub_principal=unique_name("test-hub"),
        reports_principal=unique_name("test-reports"),
        agency_principal=unique_name("test-agency"),
        partitions=1,
    )
    provision_hub(
        kafka_admin,
        settings,
        hub_password=HUB_PASSWORD,
        reports_password=REPORTS_PASSWORD,
        agency_password=AGENCY_PASSWORD,
        credentials_dir=tmp_path,
    )
    provider, third_party = unique_name("test-prov"), unique_name("test-third")
    for recipient, is_provider in ((provider, True), (third_party, False)):
        provision_recipient(
            kafka_admin,
            recipient,
            provider=is_provider,
            password="test-only-recipient-password",
            partitions=1,
            replication_factor=1,
            hub_principal=settings.hub_principal,
            reports_principal=settings.reports_principal,
        )
    yield Cluster(
        hub=kafka_broker.settings_for(settings.hub_principal, HUB_PASSWORD),
        reports=kafka_broker.settings_for(settings.reports_principal, REPORTS_PASSWORD),
        agency=kafka_broker.settings_for(settings.agency_principal, AGENCY_PASSWORD),
        provider=provider,
        third_party=third_party,
        settings=settings,
    )
    principals = (settings.hub_principal, settings.reports_principal, settings.agency_principal)
    remove_principals(kafka_admin, *principals, provider, third_party)


def test_the_hub_writes_each_onboarded_recipients_delivery_topic(cluster: Cluster) -> None:
    write_probe(cluster.hub, provider_topic(cluster.provider))
    write_probe(cluster.hub, thirdparty_topic(cluster.third_party))


@pytest.mark.parametrize(
    "target", ["provider's reports", "agency reports", "report audit", "registry"]
)
def test_the_hub_cannot_forge_reports_or_their_evidence(cluster: Cluster, target: str) -> None:
    topic = {
        "provider's reports": provider_report_topic(cluster.provider),
        "agency reports": AGENCY_REPORTS,
        "report audit": REPORT_AUDIT,
        "registry": RECIPIENT_REGISTRY,
    }[target]
    with pytest.raises(TopicAuthorizationFailedError):
        write_probe(cluster.hub, topic)


def test_the_hub_cannot_read_provider_reports(
    kafka_broker: TestBroker, cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    topic = provider_report_topic(cluster.provider)
    write_probe(kafka_broker.admin_settings, topic)
    assert read_refused(cluster.hub, topic, caplog)


def test_the_report_processor_reads_reports_and_writes_their_chain(
    kafka_broker: TestBroker, cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    topic = provider_report_topic(cluster.provider)
    write_probe(kafka_broker.admin_settings, topic)
    assert not read_refused(cluster.reports, topic, caplog)
    write_probe(cluster.reports, AGENCY_REPORTS)


@pytest.mark.parametrize(
    "target", ["provider's deliveries", "third party's deliveries", "audit", "agency"]
)
def test_the_report_processor_cannot_write_deliveries_or_hub_evidence(
    cluster: Cluster, target: str
) -> None:
    topic = {
        "provider's deliveries": provider_topic(cluster.provider),
        "third party's deliveries": thirdparty_topic(cluster.third_party),
        "audit": AUDIT,
        "agency": AGENCY_EVENTS,
    }[target]
    with pytest.raises(TopicAuthorizationFailedError):
        write_probe(cluster.reports, topic)


@pytest.mark.parametrize("target", ["agency events", "provider's deliveries", "dead letters"])
def test_the_report_processor_cannot_read_agency_events_or_deliveries(
    kafka_broker: TestBroker, cluster: Cluster, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    topic = {
        "agency events": AGENCY_EVENTS,
        "provider's deliveries": provider_topic(cluster.provider),
        "dead letters": DEAD_LETTER,
    }[target]
    assert read_refused(cluster.reports, topic, caplog)


def test_admin_init_keeps_onboarding_rules_and_termination_removes_them(
    kafka_admin: KafkaAdminClient, cluster: Cluster, tmp_path: Path
) -> None:
    provision_hub(
        kafka_admin,
        cluster.settings,
        hub_password=HUB_PASSWORD,
        reports_password=REPORTS_PASSWORD,
        credentials_dir=tmp_path,
    )
    write_probe(cluster.hub, provider_topic(cluster.provider))
    deprovision_recipient(
        kafka_admin,
        cluster.provider,
        hub_principal=cluster.settings.hub_principal,
        reports_principal=cluster.settings.reports_principal,
    )
    with pytest.raises(TopicAuthorizationFailedError):
        write_probe(cluster.hub, provider_topic(cluster.provider))


def test_the_agency_writes_its_topic_idempotently(cluster: Cluster) -> None:
    writer = producer(cluster.agency, max_block_ms=15_000)  # idempotent, as `emit` will be
    try:
        writer.send(AGENCY_EVENTS, key=b"probe", value=b"probe").get(timeout=30)
    finally:
        writer.close(timeout=5)


@pytest.mark.parametrize(
    "target", ["audit", "provider's deliveries", "registry", "agency reports", "dead letters"]
)
def test_the_agency_cannot_write_anything_else(cluster: Cluster, target: str) -> None:
    topic = {
        "audit": AUDIT,
        "provider's deliveries": provider_topic(cluster.provider),
        "registry": RECIPIENT_REGISTRY,
        "agency reports": AGENCY_REPORTS,
        "dead letters": DEAD_LETTER,
    }[target]
    with pytest.raises(TopicAuthorizationFailedError):
        write_probe(cluster.agency, topic)


@pytest.mark.parametrize("target", ["agency events", "audit", "provider's deliveries"])
def test_the_agency_cannot_read_back_anything(
    kafka_broker: TestBroker, cluster: Cluster, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    topic = {
        "agency events": AGENCY_EVENTS,
        "audit": AUDIT,
        "provider's deliveries": provider_topic(cluster.provider),
    }[target]
    assert read_refused(cluster.agency, topic, caplog)
