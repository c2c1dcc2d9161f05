"""Publishing lifecycle changes: the registry record first, then its audited change record.

For every change, one after another: the new registry record is written to the compacted
registry topic and acknowledged; then the change record (schema ``RecipientChange``), naming that
record's offset and SHA-256, is appended to the single-partition, hash-chained change topic
and acknowledged. Only then does a command report success. The chain is opened
(:func:`lovhub.audit.command_chain.open_chain`, shared with the lookup chain) before
anything is written, so a missing change topic or ACL fails before the registry moves; if
the change record still cannot be written, :class:`AuditWriteError` says so loudly (the
registry already holds the change: re-running the command is refused as illegal, and the
operator must record the missing evidence).

Exactly one writer may append to the change chain at a time (run lifecycle commands one
after another; the daily insurance job too).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from kafka.admin import KafkaAdminClient, ScramMechanism, UserScramCredentialDeletion

from lovhub.audit.command_chain import ChainUnavailable, CommandChain, open_chain
from lovhub.audit.signing import SigningKey
from lovhub.audit.writer import ChainedRecordWriter
from lovhub.codec import RECIPIENT_CHANGE, Codec
from lovhub.codec.store import SchemaStore
from lovhub.provisioning.apply import ensure_acls, revoke_acls
from lovhub.provisioning.errors import ProvisioningError
from lovhub.provisioning.topology import (
    AUDIT_CHECKPOINTS,
    RECIPIENT_CHANGES,
    RECIPIENT_REGISTRY,
    onboarding_acls,
)
from lovhub.registry.errors import AuditWriteError, RegistryError
from lovhub.registry.lifecycle import LifecycleChange
from lovhub.registry.records import encode_registry_record, record_sha256

__all__ = ["PublishedChange", "RegistryTopics", "deprovision_recipient", "publish_changes"]


@dataclass(frozen=True, slots=True)
class RegistryTopics:
    registry: str = RECIPIENT_REGISTRY
    changes: str = RECIPIENT_CHANGES
    checkpoints: str = AUDIT_CHECKPOINTS


@dataclass(frozen=True, slots=True)
class PublishedChange:
    change: LifecycleChange
    registry_offset: int
    audit_record: dict[str, Any]
    audit_offset: int


async def publish_changes(
    client_config: dict[str, Any],
    changes: Sequence[LifecycleChange],
    *,
    codec: Codec,
    store: SchemaStore,
    topics: RegistryTopics = RegistryTopics(),
    signing_key: SigningKey | None = None,
) -> list[PublishedChange]:
    """Write each change's registry record, then its change record; see the module.

    With ``signing_key`` the change chain gets a signed checkpoint after the changes.
    """
    if not changes:
        return []
    chain = CommandChain(
        topics.changes,
        RECIPIENT_CHANGE,
        checkpoint_topic=topics.checkpoints,
        signing_key=signing_key,
        key_of=lambda record: str(record["recipient_id"]),
    )
    try:
        async with open_chain(
            client_config, chain, codec=codec, store=store, checkpoint_every=len(changes)
        ) as writer:
            return await _publish(client_config, changes, writer, topics)
    except ChainUnavailable as error:
        # Raised only while opening the chain: before the first registry write.
        raise RegistryError(f"{error}: nothing was changed") from error


async def _publish(
    client_config: dict[str, Any],
    changes: Sequence[LifecycleChange],
    writer: ChainedRecordWriter,
    topics: RegistryTopics,
) -> list[PublishedChange]:
    producer = AIOKafkaProducer(**client_config, acks="all", enable_idempotence=True)
    published: list[PublishedChange] = []
    try:
        await producer.start()
        for change in changes:
            key, value = encode_registry_record(change.recipient)
            try:
                metadata = await producer.send_and_wait(
                    topics.registry, value, key=key, partition=0
                )
            except Exception as error:
                raise RegistryError(
                    f"writing the registry record of {change.recipient.id} to {topics.registry} "
                    f"failed ({type(error).__name__}); {len(published)} earlier change(s) done"
                ) from error
            record = {
                "change_id": str(uuid.uuid4()),
                **change.audit_fields(),
                "registry_offset": metadata.offset,
                "registry_record_sha256": record_sha256(value),
            }
            try:
                [(chained, offset)] = await writer.append([record])
            except Exception as error:
                raise AuditWriteError(
                    f"registry updated for {change.recipient.id} but its change record could not "
                    f"be written to {topics.changes} ({type(error).__name__}): the audit trail "
                    "is missing it"
                ) from error
            published.append(PublishedChange(change, metadata.offset, chained, offset))
    finally:
        await producer.stop()
    return published


def deprovision_recipient(
    admin: KafkaAdminClient,
    recipient_id: str,
    *,
    hub_principal: str = "lovhub-hub",
    reports_principal: str = "lovhub-reports",
) -> None:
    """Remove every ACL of ``User:<id>``, the service principals' rules on its topics, and
    its SCRAM credential (idempotent).

    Its topics stay: records already delivered are the recipient's until retention ends,
    and the registry record (terminated) keeps the audit trail complete.
    """
    ensure_acls(admin, f"User:{recipient_id}", ())
    revoke_acls(
        admin,
        {
            rule
            for provider in (True, False)
            for rule in onboarding_acls(
                recipient_id,
                provider=provider,
                hub_principal=hub_principal,
                reports_principal=reports_principal,
            )
        },
    )
    result = admin.alter_user_scram_credentials(
        [UserScramCredentialDeletion(recipient_id, ScramMechanism.SCRAM_SHA_512)]
    )
    problem = result.get(recipient_id)
    if problem and not _means_absent(str(problem)):
        raise ProvisioningError(
            f"removing the SCRAM credential of {recipient_id} failed: {problem}"
        )


def _means_absent(message: str) -> bool:
    """The broker's way of saying the credential is already gone (fine: idempotent)."""
    text = message.upper().replace(" ", "_")
    return "RESOURCE_NOT_FOUND" in text or "NOT_FOUND" in text or "DOES_NOT_EXIST" in text
