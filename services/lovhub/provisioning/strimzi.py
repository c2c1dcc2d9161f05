"""A recipient as Strimzi resources: its ``KafkaTopic``s and its ``KafkaUser`` with exactly
:func:`recipient_acls`.

On Strimzi the User Operator owns principals and ACLs: it removes whatever a ``KafkaUser``
does not list, so a recipient onboarded through the Admin API would lose its access at the
next reconciliation. Operators apply these resources instead (``lovhub recipient
k8s-manifest``); the User Operator then creates the SCRAM credential and a Secret named after
the recipient, to hand over to the provider.
"""

from __future__ import annotations

from typing import Any

from lovhub.provisioning.recipients import recipient_topics
from lovhub.provisioning.topology import (
    AclSpec,
    PatternType,
    ResourceKind,
    hub_acls,
    onboarding_acls,
    recipient_acls,
    reports_acls,
)

__all__ = ["recipient_resources", "service_user_resources"]

_RESOURCE = {ResourceKind.TOPIC: "topic", ResourceKind.GROUP: "group"}
_PATTERN = {PatternType.LITERAL: "literal", PatternType.PREFIXED: "prefix"}
_API = "kafka.strimzi.io/v1"


def _acl(spec: AclSpec) -> dict[str, Any]:
    return {
        "resource": {
            "type": _RESOURCE[spec.resource],
            "name": spec.name,
            "patternType": _PATTERN[spec.pattern],
        },
        "operations": [spec.operation.value.title().replace("_", "")],
        "host": spec.host,
    }


def recipient_resources(
    recipient_id: str,
    *,
    provider: bool,
    partitions: int,
    replicas: int = 3,
    cluster: str = "lovhub",
) -> list[dict[str, Any]]:
    """The recipient's topics and user, as Strimzi custom resources (plain data, for YAML)."""
    labels = {"strimzi.io/cluster": cluster, "lovhub/recipient": recipient_id}
    topics = [
        {
            "apiVersion": _API,
            "kind": "KafkaTopic",
            "metadata": {"name": spec.name, "labels": labels},
            "spec": {
                "partitions": spec.partitions,
                "replicas": replicas,
                "config": spec.configs(replicas),
            },
        }
        for spec in recipient_topics(recipient_id, provider=provider, partitions=partitions)
    ]
    user = {
        "apiVersion": _API,
        "kind": "KafkaUser",
        "metadata": {"name": recipient_id, "labels": labels},
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {
                "type": "simple",
                "acls": [_acl(spec) for spec in recipient_acls(recipient_id, provider=provider)],
            },
        },
    }
    return [*topics, user]


def _kafka_user(name: str, rules: list[AclSpec], cluster: str) -> dict[str, Any]:
    return {
        "apiVersion": _API,
        "kind": "KafkaUser",
        "metadata": {"name": name, "labels": {"strimzi.io/cluster": cluster}},
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": [_acl(spec) for spec in rules]},
        },
    }


def service_user_resources(
    *,
    hub_principal: str,
    reports_principal: str,
    providers: list[str],
    third_parties: list[str],
    cluster: str = "lovhub",
) -> list[dict[str, Any]]:
    """The hub's and the report processor's ``KafkaUser``s with their base rules plus the
    literal rules every listed recipient needs (:func:`onboarding_acls`). On Strimzi the User
    Operator owns these users' ACLs, so onboarding a recipient means re-applying these."""
    hub = list(hub_acls(hub_principal))
    reports = list(reports_acls(reports_principal))
    recipients = [(rid, True) for rid in providers] + [(rid, False) for rid in third_parties]
    for recipient_id, provider in sorted(recipients):
        for rule in onboarding_acls(
            recipient_id,
            provider=provider,
            hub_principal=hub_principal,
            reports_principal=reports_principal,
        ):
            (hub if rule.principal == f"User:{hub_principal}" else reports).append(rule)
    return [
        _kafka_user(hub_principal, hub, cluster),
        _kafka_user(reports_principal, reports, cluster),
    ]
