"""Topics, principals and ACLs as code (``lovhub admin init``)."""

from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AGENCY_REPORTS,
    AUDIT,
    AUDIT_CHECKPOINTS,
    DEAD_LETTER,
    RECIPIENT_REGISTRY,
    AclOperation,
    AclSpec,
    PatternType,
    ResourceKind,
    TopicSpec,
    hub_acls,
    hub_topics,
    provider_report_topic,
    provider_topic,
    thirdparty_topic,
)

__all__ = [
    "AGENCY_EVENTS",
    "AGENCY_REPORTS",
    "AUDIT",
    "AUDIT_CHECKPOINTS",
    "DEAD_LETTER",
    "RECIPIENT_REGISTRY",
    "AclOperation",
    "AclSpec",
    "PatternType",
    "ResourceKind",
    "TopicSpec",
    "hub_acls",
    "hub_topics",
    "provider_report_topic",
    "provider_topic",
    "thirdparty_topic",
]
