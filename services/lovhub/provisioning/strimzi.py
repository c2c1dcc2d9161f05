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
from lovhub.provisioning.topology import AclSpec, PatternType, ResourceKind, recipient_acls

__all__ = ["recipient_resources"]

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
