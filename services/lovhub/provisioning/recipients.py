"""A recipient's topics, SCRAM principal and ACLs (the broker-side half of onboarding)."""

from __future__ import annotations

from kafka.admin import KafkaAdminClient

from lovhub.provisioning.apply import ensure_acls, ensure_scram_user, ensure_topics
from lovhub.provisioning.topology import (
    DAY_MS,
    TopicSpec,
    provider_report_topic,
    provider_topic,
    recipient_acls,
    thirdparty_topic,
)

__all__ = ["provision_recipient", "recipient_topics"]

RECIPIENT_RETENTION_MS = 30 * DAY_MS


def recipient_topics(recipient_id: str, *, provider: bool, partitions: int) -> list[TopicSpec]:
    if not provider:
        return [TopicSpec(thirdparty_topic(recipient_id), partitions, RECIPIENT_RETENTION_MS)]
    return [
        TopicSpec(provider_topic(recipient_id), partitions, RECIPIENT_RETENTION_MS),
        TopicSpec(provider_report_topic(recipient_id), partitions, RECIPIENT_RETENTION_MS),
    ]


def provision_recipient(
    admin: KafkaAdminClient,
    recipient_id: str,
    *,
    provider: bool,
    password: str,
    partitions: int,
    replication_factor: int,
) -> None:
    """Topics, principal (``User:<recipient id>``) and exactly its ACLs. Idempotent."""
    ensure_topics(
        admin,
        recipient_topics(recipient_id, provider=provider, partitions=partitions),
        replication_factor=replication_factor,
    )
    ensure_scram_user(admin, recipient_id, password)
    ensure_acls(admin, f"User:{recipient_id}", recipient_acls(recipient_id, provider=provider))
