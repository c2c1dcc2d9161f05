"""``lovhub admin init``: the hub's topics, its worker principal and that principal's ACLs."""

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
from lovhub.provisioning.topology import hub_acls, hub_topics
from lovhub.settings import HubSettings

__all__ = ["HubProvisioning", "provision_hub"]


@dataclass(frozen=True)
class HubProvisioning:
    topics: TopicChanges
    acls: AclChanges
    hub_principal: str
    principal_created: bool
    credentials_file: Path | None


def provision_hub(
    admin: KafkaAdminClient,
    hub: HubSettings,
    *,
    hub_password: str | None,
    credentials_dir: Path,
    progress: Callable[[str], None] = lambda _msg: None,
) -> HubProvisioning:
    """Create what is missing; leave what is right alone.

    The worker principal's password comes from ``hub_password`` (a deployment secret) when
    given. Otherwise a new principal gets a generated password, written to a 0600 file in
    ``credentials_dir`` so local tools can use it; an existing principal is left untouched.
    """
    topics = ensure_topics(
        admin,
        hub_topics(hub.partitions),
        replication_factor=hub.replication_factor,
        progress=progress,
    )
    principal = hub.hub_principal
    exists = scram_user_exists(admin, principal)
    credentials_file: Path | None = None
    if hub_password is not None:
        ensure_scram_user(admin, principal, hub_password)
    elif not exists:
        generated = secrets.token_urlsafe(24)
        ensure_scram_user(admin, principal, generated)
        credentials_file = _store_credentials(credentials_dir, principal, generated)
        progress(f"created principal {principal}; its password is in {credentials_file}")
    acls = ensure_acls(admin, f"User:{principal}", hub_acls(principal))
    return HubProvisioning(
        topics=topics,
        acls=acls,
        hub_principal=principal,
        principal_created=not exists,
        credentials_file=credentials_file,
    )


def _store_credentials(directory: Path, principal: str, password: str) -> Path:
    path = directory / f"{principal}.credentials.json"
    write_private(path, json.dumps({"username": principal, "password": password}, indent=2))
    return path
