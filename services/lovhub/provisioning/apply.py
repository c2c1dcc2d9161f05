"""Applying the topology to a cluster, idempotently.

Running it twice changes nothing the second time. Topic configs that drifted are set back;
partition counts are never raised automatically, because that would move jobseekers' keys to
other partitions and break the per-jobseeker ordering the consent logic relies on, so a
partition mismatch is reported as drift for an operator to decide.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ConfigResource,
    ConfigResourceType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from kafka.errors import KafkaError

from lovhub.provisioning.errors import ProvisioningError
from lovhub.provisioning.topology import (
    AclOperation,
    AclSpec,
    PatternType,
    ResourceKind,
    TopicSpec,
)

__all__ = [
    "AclChanges",
    "TopicChanges",
    "acl_specs_of",
    "ensure_acls",
    "ensure_scram_user",
    "ensure_topics",
    "grant_acls",
    "revoke_acls",
    "scram_user_exists",
]

Progress = Callable[[str], None]


@dataclass
class TopicChanges:
    created: list[str] = field(default_factory=list)
    reconfigured: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)


@dataclass
class AclChanges:
    created: int = 0
    removed: int = 0
    unchanged: int = 0


def ensure_topics(
    admin: KafkaAdminClient,
    specs: Iterable[TopicSpec],
    *,
    replication_factor: int,
    progress: Progress = lambda _msg: None,
) -> TopicChanges:
    changes = TopicChanges()
    wanted = list(specs)
    try:
        existing = set(admin.list_topics())
        missing = [spec for spec in wanted if spec.name not in existing]
        if missing:
            admin.create_topics(
                {
                    spec.name: {
                        "num_partitions": spec.partitions,
                        "replication_factor": replication_factor,
                        "configs": spec.configs(replication_factor),
                    }
                    for spec in missing
                },
                wait_for_metadata=True,
            )
            for spec in missing:
                progress(f"created topic {spec.name} ({spec.partitions} partitions)")
                changes.created.append(spec.name)
        present = [spec for spec in wanted if spec.name in existing]
        if present:
            _reconcile_existing(admin, present, replication_factor, changes, progress)
    except KafkaError as e:
        raise ProvisioningError(f"creating or checking topics failed: {e}") from e
    return changes


def _reconcile_existing(
    admin: KafkaAdminClient,
    specs: list[TopicSpec],
    replication_factor: int,
    changes: TopicChanges,
    progress: Progress,
) -> None:
    described = {t["name"]: t for t in admin.describe_topics([s.name for s in specs])}
    resources = [
        ConfigResource(ConfigResourceType.TOPIC, spec.name, list(spec.configs(1))) for spec in specs
    ]
    current = admin.describe_configs(resources, config_filter="all")["topic"]
    for spec in specs:
        partitions = len(described.get(spec.name, {}).get("partitions", []))
        if partitions != spec.partitions:
            changes.drift.append(
                f"{spec.name}: {partitions} partitions, topology says {spec.partitions}"
            )
        wanted = spec.configs(replication_factor)
        actual = {key: str(entry.get("value")) for key, entry in current[spec.name].items()}
        differing = {key: value for key, value in wanted.items() if actual.get(key) != value}
        if differing:
            admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, spec.name, differing)])
            progress(f"reconfigured topic {spec.name}: {', '.join(sorted(differing))}")
            changes.reconfigured.append(spec.name)
        else:
            changes.unchanged.append(spec.name)


def scram_user_exists(admin: KafkaAdminClient, user: str) -> bool:
    described = admin.describe_user_scram_credentials([user])
    entry: dict[str, Any] = described.get(user, {})
    return entry.get("error") is None and bool(entry.get("credential_infos"))


def ensure_scram_user(admin: KafkaAdminClient, user: str, password: str) -> None:
    """Create or update a SCRAM-SHA-512 credential (upsert: the password is replaced)."""
    result = admin.alter_user_scram_credentials(
        [UserScramCredentialUpsertion(user, ScramMechanism.SCRAM_SHA_512, password)]
    )
    if result.get(user):
        raise ProvisioningError(f"setting the SCRAM credential of {user} failed: {result[user]}")


def _to_kafka_acl(spec: AclSpec) -> ACL:
    return ACL(
        principal=spec.principal,
        host=spec.host,
        operation=ACLOperation[spec.operation.value],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(
            ResourceType[spec.resource.value],
            spec.name,
            ACLResourcePatternType[spec.pattern.value],
        ),
    )


def acl_specs_of(admin: KafkaAdminClient, principal: str) -> set[tuple[str, ...]]:
    """Every ALLOW rule the cluster holds for ``principal``, as comparable tuples."""
    acls, _ = admin.describe_acls(_principal_filter(principal))
    return {_acl_key(acl) for acl in acls}


def _acl_key(acl: ACL) -> tuple[str, ...]:
    pattern = acl.resource_pattern
    return (
        acl.principal,
        pattern.resource_type.name,
        pattern.resource_name,
        pattern.pattern_type.name,
        acl.operation.name,
        acl.host,
    )


def _spec_key(spec: AclSpec) -> tuple[str, ...]:
    return (
        spec.principal,
        spec.resource.value,
        spec.name,
        spec.pattern.value,
        spec.operation.value,
        spec.host,
    )


def _principal_filter(principal: str) -> ACLFilter:
    return ACLFilter(
        principal=principal,
        host=None,
        operation=ACLOperation.ANY,
        permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )


def ensure_acls(
    admin: KafkaAdminClient,
    principal: str,
    specs: Iterable[AclSpec],
    *,
    managed_elsewhere: Callable[[AclSpec], bool] = lambda _spec: False,
) -> AclChanges:
    """Make ``principal``'s ACLs exactly ``specs``: add what is missing, remove the rest,
    except rules ``managed_elsewhere`` claims (e.g. the literal rules onboarding grants the
    hub on each recipient's topic: they are kept, neither required nor removed)."""
    wanted = {_spec_key(spec): spec for spec in specs}
    if any(spec.principal != principal for spec in wanted.values()):
        raise ProvisioningError(f"ACL list for {principal} contains another principal's rules")
    try:
        acls, _ = admin.describe_acls(_principal_filter(principal))
        present = {_acl_key(acl): acl for acl in acls}
        kept = {
            key
            for key, acl in present.items()
            if (spec := _spec_of(acl)) is not None and managed_elsewhere(spec)
        }
        to_create = [_to_kafka_acl(spec) for key, spec in wanted.items() if key not in present]
        to_remove = [acl for key, acl in present.items() if key not in wanted and key not in kept]
        if to_create:
            result = admin.create_acls(to_create)
            if result["failed"]:
                raise ProvisioningError(f"creating ACLs for {principal} failed: {result['failed']}")
        if to_remove:
            admin.delete_acls([_exact_filter(acl) for acl in to_remove])
        if to_create or to_remove:
            _wait_until_acls_are(admin, principal, set(wanted) | kept)
    except KafkaError as e:
        raise ProvisioningError(f"setting the ACLs of {principal} failed: {e}") from e
    return AclChanges(
        created=len(to_create),
        removed=len(to_remove),
        unchanged=len(wanted) - len(to_create),
    )


def grant_acls(admin: KafkaAdminClient, specs: Iterable[AclSpec]) -> None:
    """Add rules (any principals) and leave every other rule alone; idempotent."""
    wanted = list(specs)
    try:
        result = admin.create_acls([_to_kafka_acl(spec) for spec in wanted])
        if result["failed"]:
            raise ProvisioningError(f"creating ACLs failed: {result['failed']}")
        _wait_until(admin, wanted, present=True)
    except KafkaError as e:
        raise ProvisioningError(f"granting ACLs failed: {e}") from e


def revoke_acls(admin: KafkaAdminClient, specs: Iterable[AclSpec]) -> None:
    """Remove exactly these rules where they exist; idempotent."""
    gone = list(specs)
    try:
        admin.delete_acls([_exact_filter(_to_kafka_acl(spec)) for spec in gone])
        _wait_until(admin, gone, present=False)
    except KafkaError as e:
        raise ProvisioningError(f"revoking ACLs failed: {e}") from e


def _wait_until(
    admin: KafkaAdminClient, specs: list[AclSpec], *, present: bool, timeout: float = 15.0
) -> None:
    deadline = time.monotonic() + timeout
    for spec in specs:
        while (_spec_key(spec) in acl_specs_of(admin, spec.principal)) != present:
            if time.monotonic() > deadline:
                raise ProvisioningError(f"ACLs of {spec.principal} did not settle in {timeout}s")
            time.sleep(0.1)


def _spec_of(acl: ACL) -> AclSpec | None:
    """The rule as lovhub models it; None for kinds lovhub never grants (never kept)."""
    pattern = acl.resource_pattern
    try:
        return AclSpec(
            acl.principal,
            ResourceKind(pattern.resource_type.name),
            pattern.resource_name,
            PatternType(pattern.pattern_type.name),
            AclOperation(acl.operation.name),
            acl.host,
        )
    except ValueError:
        return None


def _wait_until_acls_are(
    admin: KafkaAdminClient, principal: str, wanted: set[tuple[str, ...]], timeout: float = 15.0
) -> None:
    """ACL changes reach the authorizer through the metadata log, a moment after the call."""
    deadline = time.monotonic() + timeout
    while acl_specs_of(admin, principal) != wanted:
        if time.monotonic() > deadline:
            raise ProvisioningError(f"ACLs of {principal} did not settle within {timeout:.0f}s")
        time.sleep(0.1)


def _exact_filter(acl: ACL) -> ACLFilter:
    pattern = acl.resource_pattern
    return ACLFilter(
        principal=acl.principal,
        host=acl.host,
        operation=acl.operation,
        permission_type=acl.permission_type,
        resource_pattern=ResourcePatternFilter(
            pattern.resource_type, pattern.resource_name, pattern.pattern_type
        ),
    )
