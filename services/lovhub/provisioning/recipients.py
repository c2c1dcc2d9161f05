"""A recipient's topics, SCRAM principal and ACLs (the broker-side half of onboarding)."""

from __future__ import annotations

from kafka.admin import KafkaAdminClient

from lovhub.provisioning.apply import (
    ensure_acls,
    ensure_scram_user,
    ensure_topics,
    grant_acls,
    scram_user_exists,
)
from lovhub.provisioning.errors import ProvisioningError
from lovhub.provisioning.topology import (
    DAY_MS,
    TopicSpec,
    onboarding_acls,
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
    hub_principal: str = "lovhub-hub",
    reports_principal: str = "lovhub-reports",
    replace_existing_credential: bool = False,
) -> None:
    """Topics, principal (``User:<recipient id>``) and exactly its ACLs; and the service
    principals' literal rules on its topics (the hub writes its delivery topic, the report
    processor reads a provider's report topic: :func:`onboarding_acls`).

    An existing principal of that name is never modified (its password and ACLs stay as
    they are, :class:`ProvisioningError`) unless ``replace_existing_credential``: the demo
    and the tests re-provision their own synthetic recipients (issue 10, finding 3)."""
    if not replace_existing_credential and scram_user_exists(admin, recipient_id):
        raise ProvisioningError(
            f"a principal {recipient_id} already exists: recipient add never changes an "
            "existing principal (terminate the recipient first, or choose another id)"
        )
    ensure_topics(
        admin,
        recipient_topics(recipient_id, provider=provider, partitions=partitions),
        replication_factor=replication_factor,
    )
    ensure_scram_user(admin, recipient_id, password)
    ensure_acls(admin, f"User:{recipient_id}", recipient_acls(recipient_id, provider=provider))
    grant_acls(
        admin,
        onboarding_acls(
            recipient_id,
            provider=provider,
            hub_principal=hub_principal,
            reports_principal=reports_principal,
        ),
    )
