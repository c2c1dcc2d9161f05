"""Probing what the broker lets a principal do, and removing a test's principals again."""

from __future__ import annotations

import logging

import pytest
from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import ScramMechanism, UserScramCredentialDeletion
from kafka.errors import TopicAuthorizationFailedError

from lovhub.kafka import consumer, producer
from lovhub.provisioning.apply import ensure_acls
from lovhub.settings import KafkaSettings

__all__ = ["read_refused", "remove_principals", "write_probe"]


def write_probe(settings: KafkaSettings, topic: str) -> None:
    """Write one probe record as ``settings``' principal; the broker's refusal raises
    ``TopicAuthorizationFailedError``. Without idempotence, so the refusal names the topic
    rather than the producer id."""
    writer = producer(settings, max_block_ms=15_000, enable_idempotence=False)
    try:
        writer.send(topic, key=b"probe", value=b"probe").get(timeout=30)
    finally:
        writer.close(timeout=5)


def remove_principals(admin: KafkaAdminClient, *principals: str) -> None:
    """A test's principals gone again: their ACLs first, then their SCRAM credentials."""
    for principal in principals:
        ensure_acls(admin, f"User:{principal}", [])
        admin.alter_user_scram_credentials(
            [UserScramCredentialDeletion(principal, ScramMechanism.SCRAM_SHA_512)]
        )


def read_refused(settings: KafkaSettings, topic: str, caplog: pytest.LogCaptureFixture) -> bool:
    """Whether the broker refuses ``settings``' principal a fetch of ``topic``."""
    reader = consumer(settings, group_id=None)
    got: list[bytes] = []
    try:
        partition = TopicPartition(topic, 0)
        reader.assign([partition])
        reader.seek(partition, 0)
        with caplog.at_level(logging.WARNING, logger="kafka"):
            for _ in range(10):
                for records in reader.poll(timeout_ms=500).values():
                    got.extend(record.value for record in records)
    except TopicAuthorizationFailedError:
        return True
    finally:
        reader.close()
    return not got and f"Topic {topic} is not authorized for this client" in caplog.text
