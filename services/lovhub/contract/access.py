"""Who may write and read each topic, from the topology's ACLs (nothing written by hand).

Every principal's rules come from the same functions ``lovhub admin init`` and onboarding
apply; recipients and extra agency systems are represented by placeholders, so one rule set
stands for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lovhub.contract.topics import PROVIDER_ID, THIRDPARTY_ID
from lovhub.provisioning.topology import (
    AclOperation,
    AclSpec,
    PatternType,
    ResourceKind,
    agency_acls,
    agency_principal_name,
    hub_acls,
    onboarding_acls,
    recipient_acls,
    reports_acls,
)
from lovhub.settings import HubSettings

__all__ = ["AGENCY_SYSTEM", "Principals", "TopicGrant", "contract_acls", "grants_on"]

AGENCY_SYSTEM = "{system}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principals:
    """The service principals' names; ``admin`` is the cluster's super user."""

    hub: str
    reports: str
    agency: str
    admin: str

    @classmethod
    def defaults(cls) -> Principals:
        """The names :class:`HubSettings` ships with, whatever the environment says: the
        contract describes the product, not one deployment's overrides."""
        fields = HubSettings.model_fields
        return cls(
            hub=fields["hub_principal"].default,
            reports=fields["reports_principal"].default,
            agency=fields["agency_principal"].default,
            admin=fields["admin_principal"].default,
        )


@dataclass(frozen=True, slots=True)
class TopicGrant:
    """One principal's right to write or read one topic, and the consumer groups it may use."""

    principal: str
    rule: AclSpec
    groups: tuple[AclSpec, ...] = ()


def contract_acls(principals: Principals) -> tuple[AclSpec, ...]:
    """Every ALLOW rule of the hub's principals, one provider, one third party and one more
    agency system (the last three by placeholder)."""
    rules = [
        *hub_acls(principals.hub),
        *reports_acls(principals.reports),
        *agency_acls(principals.agency),
        *agency_acls(agency_principal_name(AGENCY_SYSTEM)),
        *recipient_acls(PROVIDER_ID, provider=True),
        *recipient_acls(THIRDPARTY_ID, provider=False),
    ]
    for recipient_id, provider in ((PROVIDER_ID, True), (THIRDPARTY_ID, False)):
        rules += onboarding_acls(
            recipient_id,
            provider=provider,
            hub_principal=principals.hub,
            reports_principal=principals.reports,
        )
    return tuple(sorted(set(rules)))


def _covers(rule: AclSpec, kind: ResourceKind, name: str) -> bool:
    if rule.resource is not kind:
        return False
    if rule.pattern is PatternType.LITERAL:
        return rule.name == name
    return name.startswith(rule.name)


def grants_on(
    topic: str, operation: AclOperation, rules: tuple[AclSpec, ...]
) -> tuple[TopicGrant, ...]:
    """The principals whose rules allow ``operation`` on ``topic``, sorted by principal; for
    READ, each with the group rules it consumes under."""
    grants = []
    for rule in rules:
        if rule.operation is not operation or not _covers(rule, ResourceKind.TOPIC, topic):
            continue
        groups: tuple[AclSpec, ...] = ()
        if operation is AclOperation.READ:
            groups = tuple(
                other
                for other in rules
                if other.principal == rule.principal
                and other.resource is ResourceKind.GROUP
                and other.operation is AclOperation.READ
            )
        grants.append(TopicGrant(rule.principal, rule, groups))
    return tuple(sorted(grants, key=lambda grant: grant.principal))
