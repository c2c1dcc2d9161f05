"""Recipients with real broker identities for tests: a world whose recipient ids no other
test uses, hub output on the recipients' production topic names, and their principals."""

from __future__ import annotations

import secrets
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from kafka import KafkaAdminClient
from kafka.admin import ScramMechanism, UserScramCredentialDeletion

from lovhub.pipeline.hub import default_recipient_topic
from lovhub.policy.location import default_policy_dir
from lovhub.provisioning.apply import ensure_acls
from lovhub.provisioning.recipients import provision_recipient
from lovhub.registry import Recipient
from lovhub.settings import KafkaSettings
from lovhub.synthetic import World, build_world
from tests.support.broker import TestBroker
from tests.support.hubrun import HubTopics


@dataclass(frozen=True)
class RecipientNamedTopics(HubTopics):
    """Private hub topics, but deliveries on ``lov.provider.<id>.v1`` / ``lov.thirdparty.<id>.v1``
    (so the recipients' own ACLs apply; the ids are unique to the test)."""

    def recipient(self, recipient: Recipient) -> str:
        return default_recipient_topic(recipient)


def unique_world(directory: Path) -> tuple[World, dict[str, str]]:
    """The seed policy and recipients, every recipient id suffixed for this test only.

    Returns the world and the map from seed id (e.g. ``jobbcoach-syd``) to the test's id.
    """
    suffix = uuid.uuid4().hex[:8]
    source = default_policy_dir()
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "policy.yaml", directory / "policy.yaml")
    data = yaml.safe_load((source / "recipients.yaml").read_text(encoding="utf-8"))
    renamed: dict[str, str] = {}
    for recipient in data["recipients"]:
        renamed[recipient["id"]] = recipient["id"] = f"{recipient['id']}-{suffix}"
    (directory / "recipients.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return build_world(directory), renamed


@contextmanager
def provisioned(
    broker: TestBroker, admin: KafkaAdminClient, recipient_id: str, *, provider: bool = True
) -> Iterator[KafkaSettings]:
    """The recipient's topics, principal and ACLs (as onboarding makes them); removed after."""
    password = secrets.token_urlsafe(16)
    provision_recipient(
        admin,
        recipient_id,
        provider=provider,
        password=password,
        partitions=1,
        replication_factor=1,
        replace_existing_credential=True,  # tests re-provision the world's recipients
    )
    try:
        yield broker.settings_for(recipient_id, password)
    finally:
        ensure_acls(admin, f"User:{recipient_id}", [])
        admin.alter_user_scram_credentials(
            [UserScramCredentialDeletion(recipient_id, ScramMechanism.SCRAM_SHA_512)]
        )
