"""The hub over TLS (issue 14, part 4): the local broker's SASL_SSL listener, with a CA and
broker certificate generated on first start (lovhub.devbroker.tls), carries a whole hub
worker run that decides what the reference pipeline decides; lovhub's clients verify the
broker's certificate, so one that trusts another CA cannot connect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from lovhub.devbroker.tls import new_ca
from lovhub.kafka import admin_client
from lovhub.settings import KafkaSettings, SecurityProtocol
from tests.support.broker import TestBroker
from tests.support.hubrun import (
    audit_outcomes,
    oracle_outcomes,
    read_all,
    run_worker_until_idle,
    start_run,
)


@pytest.fixture
def tls(kafka_broker: TestBroker) -> KafkaSettings:
    if kafka_broker.tls_settings is None:
        pytest.fail(
            "no TLS listener: the local test broker has one; for an external broker set "
            "KAFKA_TLS_BOOTSTRAP_SERVERS and KAFKA_TLS_CAFILE",
            pytrace=False,
        )
    settings = kafka_broker.tls_settings
    assert settings.security_protocol is SecurityProtocol.SASL_SSL
    assert settings.ssl_cafile is not None
    return settings


def test_a_hub_worker_runs_over_tls_and_decides_as_the_reference(
    tls: KafkaSettings,
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    tmp_path: Path,
) -> None:
    admin = kafka_broker.admin_settings
    world, topics, _ = start_run(kafka_admin, admin, jobseekers=20, seed=21)
    over_tls = admin_client(tls)
    try:
        assert topics.source in over_tls.list_topics()
    finally:
        over_tls.close()
    run_worker_until_idle(tls, world, topics, tmp_path / "state", f"test-{topics.run}")
    counted, _ = audit_outcomes(tls, topics)
    assert counted == oracle_outcomes(world, topics, read_all(tls, topics.source))
    assert sum(counted.values()) > 0


def test_a_client_that_trusts_another_ca_cannot_connect(tls: KafkaSettings, tmp_path: Path) -> None:
    _, stranger = new_ca(dt.datetime.now(dt.UTC))
    other_ca = tmp_path / "other-ca.crt"
    other_ca.write_bytes(stranger.public_bytes(serialization.Encoding.PEM))
    distrusting = tls.model_copy(update={"ssl_cafile": other_ca})
    with pytest.raises(KafkaError):
        admin_client(distrusting, request_timeout_ms=5000)
