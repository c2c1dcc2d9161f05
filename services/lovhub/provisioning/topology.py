"""The hub's topics and the ACLs of its own principal: the one source of truth.

``lovhub admin init`` applies this; ``deploy/docker-compose.yml`` and the Strimzi resources in
``deploy/k8s/`` must agree with it (a test checks that they do). Names carry a version suffix
so an incompatible change gets a new topic instead of surprising old consumers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "AGENCY_EVENTS",
    "AGENCY_PRINCIPAL_PREFIX",
    "AGENCY_REPORTS",
    "AUDIT",
    "AUDIT_CHECKPOINTS",
    "CHAINED_AUDIT_TOPICS",
    "DEAD_LETTER",
    "HUB_CONSUMER_GROUP_PREFIX",
    "HUB_PREFIX",
    "HUB_STATE_CHANGELOG",
    "LOOKUP_AUDIT",
    "RECIPIENT_CHANGES",
    "RECIPIENT_HOLDS",
    "RECIPIENT_REGISTRY",
    "RECIPIENT_TOPIC_PREFIXES",
    "REDELIVERY_AUDIT",
    "REPORTS_PREFIX",
    "REPORT_AUDIT",
    "AclOperation",
    "AclSpec",
    "PatternType",
    "ResourceKind",
    "TopicSpec",
    "agency_acls",
    "agency_principal_name",
    "hub_acls",
    "hub_delivery_acl",
    "hub_topics",
    "is_onboarding_rule",
    "onboarding_acls",
    "provider_report_topic",
    "provider_topic",
    "recipient_acls",
    "recipient_group_prefix",
    "report_reader_acl",
    "reports_acls",
    "thirdparty_topic",
]

AGENCY_EVENTS = "lov.agency.jobseeker-events.v1"
AGENCY_REPORTS = "lov.agency.provider-reports.v1"
AUDIT = "lov.hub.audit.v1"
AUDIT_CHECKPOINTS = "lov.hub.audit-checkpoints.v1"
# Every hash chain needs exactly one writer per partition, so each kind of writer has its
# own audit topic: the hub workers (one per agency partition), the report processor, the
# operators' re-delivery runs, the recipient lifecycle commands and the operators' lookups
# of a person (single-partition chains).
REPORT_AUDIT = "lov.hub.audit.reports.v1"
REDELIVERY_AUDIT = "lov.hub.audit.redeliveries.v1"
RECIPIENT_CHANGES = "lov.hub.audit.recipient-changes.v1"
# Written by `lovhub audit report` and `audit replay` naming a person, as the operator
# (the admin principal): no service principal has any rule on it (issue 15, part 4).
LOOKUP_AUDIT = "lov.hub.audit.lookups.v1"
CHAINED_AUDIT_TOPICS = (AUDIT, REPORT_AUDIT, REDELIVERY_AUDIT, RECIPIENT_CHANGES, LOOKUP_AUDIT)
DEAD_LETTER = "lov.hub.dead-letter.v1"
RECIPIENT_REGISTRY = "lov.hub.recipients.v1"
# Under the hub's own prefix: only the hub worker reads and writes it.
HUB_STATE_CHANGELOG = "lovhub-hub.jobseeker-state.changelog.v1"
# Recipients whose topic refused the hub's writes, until an operator releases them (the hub
# writes holds; `lovhub recipient release` ends one). Under the hub's own prefix.
RECIPIENT_HOLDS = "lovhub-hub.recipient-holds.v1"

PROVIDER_TOPIC_PREFIX = "lov.provider."
THIRDPARTY_TOPIC_PREFIX = "lov.thirdparty."
RECIPIENT_TOPIC_PREFIXES = (PROVIDER_TOPIC_PREFIX, THIRDPARTY_TOPIC_PREFIX)
HUB_CONSUMER_GROUP_PREFIX = "lovhub-"
# Each service principal's own groups and internal topics: the hub worker's under
# ``lovhub-hub`` (its state changelog too), the report processor's under ``lovhub-reports``.
HUB_PREFIX = "lovhub-hub"
REPORTS_PREFIX = "lovhub-reports"
AGENCY_PRINCIPAL_PREFIX = "lovhub-agency-"

DAY_MS = 24 * 60 * 60 * 1000
FOREVER = -1


def provider_topic(provider_id: str) -> str:
    return f"lov.provider.{provider_id}.v1"


def provider_report_topic(provider_id: str) -> str:
    return f"lov.provider.{provider_id}.reports.v1"


def thirdparty_topic(recipient_id: str) -> str:
    return f"lov.thirdparty.{recipient_id}.v1"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int
    compacted: bool = False
    purpose: str = ""
    # The broker, not the producer, stamps each record's timestamp: the hub bounds an
    # event's occurred_at against it and judges expiry by it (issue 10, finding 10).
    broker_timestamps: bool = False

    def configs(self, replication_factor: int) -> dict[str, str]:
        """Topic-level configs; ``min.insync.replicas`` follows the replication factor."""
        configs = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "retention.ms": str(self.retention_ms),
            "min.insync.replicas": str(min_insync_replicas(replication_factor)),
        }
        if self.broker_timestamps:
            configs["message.timestamp.type"] = "LogAppendTime"
        return configs


def min_insync_replicas(replication_factor: int) -> int:
    """One replica may be down without refusing writes; never fewer than one."""
    return max(1, replication_factor - 1)


def hub_topics(partitions: int = 6) -> tuple[TopicSpec, ...]:
    """The hub's own topics. Recipient topics are created when a recipient is added."""
    return (
        TopicSpec(
            AGENCY_EVENTS,
            partitions,
            retention_ms=400 * DAY_MS,
            purpose="agency jobseeker events, keyed by the agency's jobseeker id",
            broker_timestamps=True,
        ),
        TopicSpec(
            AUDIT,
            partitions,
            retention_ms=FOREVER,
            purpose="one signed, hash-chained decision per event and candidate recipient",
        ),
        TopicSpec(
            REPORT_AUDIT,
            1,
            retention_ms=FOREVER,
            purpose="hash-chained decisions on provider reports (forwarded or rejected)",
        ),
        TopicSpec(
            REDELIVERY_AUDIT,
            1,
            retention_ms=FOREVER,
            purpose="hash-chained decisions of operators' re-delivery runs",
        ),
        TopicSpec(
            RECIPIENT_CHANGES,
            1,
            retention_ms=FOREVER,
            purpose="hash-chained recipient lifecycle changes (add, suspend, keys, ...)",
        ),
        TopicSpec(
            LOOKUP_AUDIT,
            1,
            retention_ms=FOREVER,
            purpose="hash-chained operators' lookups of a person (access reports, replays): "
            "who, when, for which case, by audit pseudonym",
        ),
        TopicSpec(
            AUDIT_CHECKPOINTS,
            1,
            retention_ms=FOREVER,
            purpose="signed checkpoints of the audit chains",
        ),
        TopicSpec(
            DEAD_LETTER,
            partitions,
            retention_ms=30 * DAY_MS,
            purpose="rejected input, payload encrypted to the operators' key",
        ),
        TopicSpec(
            RECIPIENT_REGISTRY,
            1,
            retention_ms=FOREVER,
            compacted=True,
            purpose="recipient registry: contracts, purposes, keys and status",
        ),
        TopicSpec(
            HUB_STATE_CHANGELOG,
            partitions,
            retention_ms=FOREVER,
            compacted=True,
            purpose="jobseekers' consent, assignment and protection state, co-partitioned "
            "with the agency topic",
        ),
        TopicSpec(
            RECIPIENT_HOLDS,
            1,
            retention_ms=FOREVER,
            compacted=True,
            purpose="recipients whose topic refused the hub's writes: their deliveries are "
            "withheld for re-delivery until an operator releases them",
        ),
        TopicSpec(
            AGENCY_REPORTS,
            partitions,
            retention_ms=400 * DAY_MS,
            purpose="validated provider reports, forwarded to the agency",
        ),
    )


class ResourceKind(StrEnum):
    TOPIC = "TOPIC"
    GROUP = "GROUP"
    TRANSACTIONAL_ID = "TRANSACTIONAL_ID"
    CLUSTER = "CLUSTER"


class PatternType(StrEnum):
    LITERAL = "LITERAL"
    PREFIXED = "PREFIXED"


class AclOperation(StrEnum):
    READ = "READ"
    WRITE = "WRITE"
    DESCRIBE = "DESCRIBE"
    CREATE = "CREATE"
    DESCRIBE_CONFIGS = "DESCRIBE_CONFIGS"
    IDEMPOTENT_WRITE = "IDEMPOTENT_WRITE"


@dataclass(frozen=True, slots=True, order=True)
class AclSpec:
    """One ALLOW rule for a principal (``User:name``) on a resource."""

    principal: str
    resource: ResourceKind
    name: str
    pattern: PatternType
    operation: AclOperation
    host: str = field(default="*")


def hub_acls(hub_principal: str) -> tuple[AclSpec, ...]:
    """What the hub worker may do: read agency input, write the audit, dead letters and its
    state. Its WRITE on each recipient's delivery topic is a literal rule added when the
    recipient is onboarded (:func:`hub_delivery_acl`): a prefix rule would cover every
    provider's report topic too, and let the hub forge reports (issue 10, finding 11).

    The hub creates its own internal topics (the state changelog, Faust's tables) under its
    prefix ``lovhub-hub``, so it gets CREATE there and nowhere else; recipient topics are
    created by the admin principal."""
    user = f"User:{hub_principal}"
    topic, group = ResourceKind.TOPIC, ResourceKind.GROUP
    lit, pre = PatternType.LITERAL, PatternType.PREFIXED
    op = AclOperation
    rules = [
        AclSpec(user, topic, AGENCY_EVENTS, lit, op.READ),
        AclSpec(user, topic, RECIPIENT_REGISTRY, lit, op.READ),
        # To use only the registry records the signed change chain names (issue 10, 16a).
        AclSpec(user, topic, RECIPIENT_CHANGES, lit, op.READ),
        AclSpec(user, topic, AUDIT, lit, op.WRITE),
        AclSpec(user, topic, AUDIT, lit, op.READ),  # to resume the hash chain from its tail
        AclSpec(user, topic, DEAD_LETTER, lit, op.WRITE),
        AclSpec(user, group, HUB_PREFIX, pre, op.READ),
        AclSpec(user, topic, HUB_PREFIX, pre, op.CREATE),
        AclSpec(user, topic, HUB_PREFIX, pre, op.READ),
        AclSpec(user, topic, HUB_PREFIX, pre, op.WRITE),
        AclSpec(user, topic, HUB_PREFIX, pre, op.DESCRIBE_CONFIGS),
        # One transactional id per source partition (lovhub.worker.transactions): the
        # fencing that lets one worker at a time write a partition's evidence.
        AclSpec(user, ResourceKind.TRANSACTIONAL_ID, HUB_PREFIX, pre, op.WRITE),
        AclSpec(user, ResourceKind.TRANSACTIONAL_ID, HUB_PREFIX, pre, op.DESCRIBE),
    ]
    return tuple(sorted(rules + list(_checkpoint_acls(user))))


def reports_acls(reports_principal: str) -> tuple[AclSpec, ...]:
    """What the report processor may do: follow the registry and the hub's state (which
    pseudonyms are assigned to whom), write the agency's report topic, dead letters and the
    report audit chain. It never reads agency events or writes a recipient's topic; its READ
    on each provider's report topic is a literal rule added at onboarding
    (:func:`report_reader_acl`)."""
    user = f"User:{reports_principal}"
    topic, group = ResourceKind.TOPIC, ResourceKind.GROUP
    lit, pre = PatternType.LITERAL, PatternType.PREFIXED
    op = AclOperation
    rules = [
        AclSpec(user, topic, RECIPIENT_REGISTRY, lit, op.READ),
        AclSpec(user, topic, RECIPIENT_CHANGES, lit, op.READ),  # as the hub (issue 10, 16a)
        AclSpec(user, topic, HUB_STATE_CHANGELOG, lit, op.READ),
        AclSpec(user, topic, AGENCY_REPORTS, lit, op.WRITE),
        AclSpec(user, topic, DEAD_LETTER, lit, op.WRITE),
        AclSpec(user, topic, REPORT_AUDIT, lit, op.WRITE),
        AclSpec(user, topic, REPORT_AUDIT, lit, op.READ),  # to resume its chain
        AclSpec(user, group, REPORTS_PREFIX, pre, op.READ),
    ]
    return tuple(sorted(rules + list(_checkpoint_acls(user))))


def agency_acls(agency_principal: str, topic: str = AGENCY_EVENTS) -> tuple[AclSpec, ...]:
    """What an agency producing system may do: write the agency event topic (``topic``, for
    a deployment that renames it), nothing else (WRITE on a topic also allows the idempotent
    producer, KIP-679). It cannot read back what it wrote, nor anything the hub writes."""
    return (
        AclSpec(
            f"User:{agency_principal}",
            ResourceKind.TOPIC,
            topic,
            PatternType.LITERAL,
            AclOperation.WRITE,
        ),
    )


def agency_principal_name(system: str) -> str:
    """The principal of one producing agency system (``lovhub admin agency add SYSTEM``):
    under the hub's reserved ``lovhub`` names, so no recipient id can take it."""
    return f"{AGENCY_PRINCIPAL_PREFIX}{system}"


def _checkpoint_acls(user: str) -> tuple[AclSpec, ...]:
    """Every chain writer signs checkpoints, and reads them back to resume its chain only
    where its last signed checkpoint says (lovhub.audit.resume)."""
    return tuple(
        AclSpec(user, ResourceKind.TOPIC, AUDIT_CHECKPOINTS, PatternType.LITERAL, operation)
        for operation in (AclOperation.READ, AclOperation.WRITE)
    )


def hub_delivery_acl(hub_principal: str, recipient_id: str, *, provider: bool) -> AclSpec:
    """The hub's WRITE on one recipient's delivery topic, granted at onboarding."""
    own_topic = provider_topic(recipient_id) if provider else thirdparty_topic(recipient_id)
    return AclSpec(
        f"User:{hub_principal}",
        ResourceKind.TOPIC,
        own_topic,
        PatternType.LITERAL,
        AclOperation.WRITE,
    )


def report_reader_acl(reports_principal: str, provider_id: str) -> AclSpec:
    """The report processor's READ on one provider's report topic, granted at onboarding."""
    return AclSpec(
        f"User:{reports_principal}",
        ResourceKind.TOPIC,
        provider_report_topic(provider_id),
        PatternType.LITERAL,
        AclOperation.READ,
    )


def onboarding_acls(
    recipient_id: str, *, provider: bool, hub_principal: str, reports_principal: str
) -> tuple[AclSpec, ...]:
    """The service principals' rules that onboarding adds for one recipient (and that
    termination removes)."""
    rules = [hub_delivery_acl(hub_principal, recipient_id, provider=provider)]
    if provider:
        rules.append(report_reader_acl(reports_principal, recipient_id))
    return tuple(rules)


def is_onboarding_rule(spec: AclSpec) -> bool:
    """A literal rule on a recipient's topic: owned by onboarding, not by ``admin init``."""
    return spec.pattern is PatternType.LITERAL and spec.name.startswith(RECIPIENT_TOPIC_PREFIXES)


def recipient_group_prefix(recipient_id: str) -> str:
    """A recipient's consumer groups must start with its id and a dot (``<id>.<suffix>``).

    No id contains a dot, so no recipient's prefix covers another's groups (with ``-``,
    ``jobbcoach-`` covered ``jobbcoach-syd-...``: issue 10, finding 3)."""
    return f"{recipient_id}."


def recipient_acls(recipient_id: str, *, provider: bool) -> tuple[AclSpec, ...]:
    """Everything a recipient's principal may do: read its own topic, commit offsets in its
    own groups, and (providers) write its own report topic. Nothing else."""
    user = f"User:{recipient_id}"
    topic, group = ResourceKind.TOPIC, ResourceKind.GROUP
    lit, pre = PatternType.LITERAL, PatternType.PREFIXED
    own_topic = provider_topic(recipient_id) if provider else thirdparty_topic(recipient_id)
    rules = [
        AclSpec(user, topic, own_topic, lit, AclOperation.READ),
        AclSpec(user, group, recipient_group_prefix(recipient_id), pre, AclOperation.READ),
    ]
    if provider:
        rules.append(
            AclSpec(user, topic, provider_report_topic(recipient_id), lit, AclOperation.WRITE)
        )
    return tuple(sorted(rules))
