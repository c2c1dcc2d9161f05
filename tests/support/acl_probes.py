"""Probing what the broker lets a principal do, and removing a test's principals again."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import ScramMechanism, UserScramCredentialDeletion

from lovhub.kafka import producer
from lovhub.provisioning.apply import ensure_acls
from lovhub.settings import KafkaSettings

__all__ = ["remove_principals", "write_probe"]


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
