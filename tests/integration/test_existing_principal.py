"""Onboarding never modifies an existing principal (issue 10, finding 3): before, `recipient
add lovhub-admin` reset the super user's password and printed it."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from kafka import KafkaAdminClient

from lovhub.kafka import admin_client
from lovhub.provisioning.apply import ensure_scram_user
from lovhub.provisioning.errors import ProvisioningError
from lovhub.provisioning.recipients import provision_recipient
from tests.support.broker import TestBroker


def test_an_existing_principal_keeps_its_password(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("test-existing")
    original = secrets.token_urlsafe(16)
    ensure_scram_user(kafka_admin, name, original)
    with pytest.raises(ProvisioningError, match="already exists"):
        provision_recipient(
            kafka_admin,
            name,
            provider=True,
            password=secrets.token_urlsafe(16),
            partitions=1,
            replication_factor=1,
        )
    still = admin_client(kafka_broker.settings_for(name, original))  # authenticates, or raises
    still.close()
