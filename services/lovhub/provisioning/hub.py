"""``lovhub admin init``: the hub's topics, its service principals (the hub worker, the report
processor) and exactly their ACLs."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kafka.admin import KafkaAdminClient

from lovhub.private_files import write_private
from lovhub.provisioning.apply import (
    AclChanges,
    TopicChanges,
    ensure_acls,
    ensure_scram_user,
    ensure_topics,
    scram_user_exists,
)
from lovhub.provisioning.errors import ProvisioningError
from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AclSpec,
    agency_acls,
    hub_acls,
    hub_topics,
    is_onboarding_rule,
    reports_acls,
)
from lovhub.settings import HubSettings

__all__ = ["HubProvisioning", "PrincipalProvisioning", "provision_agency_system", "provision_hub"]


@dataclass(frozen=True)
class PrincipalProvisioning:
    principal: str
    acls: AclChanges
    created: bool
    credentials_file: Path | None


@dataclass(frozen=True)
class HubProvisioning:
    topics: TopicChanges
    principals: tuple[PrincipalProvisioning, ...]

    @property
    def hub(self) -> PrincipalProvisioning:
        return self.principals[0]


def provision_hub(
    admin: KafkaAdminClient,
    hub: HubSettings,
    *,
    hub_password: str | None,
    credentials_dir: Path,
    reports_password: str | None = None,
    agency_password: str | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> HubProvisioning:
    """Create what is missing; leave what is right alone.

    The principals: the hub worker, the report processor and the agency's producing system.
    Each one's password comes from the deployment (``hub_password``, ``reports_password``,
    ``agency_password``) when given. Otherwise a new principal gets a generated password,
    written to a 0600 file in ``credentials_dir`` so local tools can use it; an existing
    principal is left untouched. Their ACLs are made exact, except the literal rules that
    onboarding grants on each recipient's topics (kept: ``recipient add`` owns them).
    """
    topics = ensure_topics(
        admin,
        hub_topics(hub.partitions),
        replication_factor=hub.replication_factor,
        progress=progress,
    )
    principals = (
        _provision_principal(
            admin,
            hub.hub_principal,
            hub_acls(hub.hub_principal),
            hub_password,
            credentials_dir,
            progress,
        ),
        _provision_principal(
            admin,
            hub.reports_principal,
            reports_acls(hub.reports_principal),
            reports_password,
            credentials_dir,
            progress,
        ),
        _provision_principal(
            admin,
            hub.agency_principal,
            agency_acls(hub.agency_principal),
            agency_password,
            credentials_dir,
            progress,
        ),
    )
    return HubProvisioning(topics=topics, principals=principals)


def provision_agency_system(
    admin: KafkaAdminClient, principal: str, *, password: str, topic: str = AGENCY_EVENTS
) -> PrincipalProvisioning:
    """One more agency producing system: a new principal with WRITE on the agency topic
    (``topic``) only. Never modifies an existing principal (as for recipients)."""
    if scram_user_exists(admin, principal):
        raise ProvisioningError(
            f"a principal {principal} already exists: agency add never changes an existing "
            "principal"
        )
    ensure_scram_user(admin, principal, password)
    acls = ensure_acls(admin, f"User:{principal}", agency_acls(principal, topic))
    return PrincipalProvisioning(principal, acls, True, None)


def _provision_principal(
    admin: KafkaAdminClient,
    principal: str,
    rules: tuple[AclSpec, ...],
    password: str | None,
    credentials_dir: Path,
    progress: Callable[[str], None],
) -> PrincipalProvisioning:
    exists = scram_user_exists(admin, principal)
    credentials_file: Path | None = None
    if password is not None:
        ensure_scram_user(admin, principal, password)
    elif not exists:
        generated = secrets.token_urlsafe(24)
        ensure_scram_user(admin, principal, generated)
        credentials_file = _store_credentials(credentials_dir, principal, generated)
        progress(f"created principal {principal}; its password is in {credentials_file}")
    acls = ensure_acls(admin, f"User:{principal}", rules, managed_elsewhere=is_onboarding_rule)
    return PrincipalProvisioning(principal, acls, not exists, credentials_file)


def _store_credentials(directory: Path, principal: str, password: str) -> Path:
    path = directory / f"{principal}.credentials.json"
    write_private(path, json.dumps({"username": principal, "password": password}, indent=2))
    return path
