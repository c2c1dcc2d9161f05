"""Shared pieces of ``lovhub recipient``: the admin session, options and argument parsing."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import typer

from lovhub.audit.roles import WriterRole
from lovhub.cli.command_evidence import checkpoint_topic, optional_signing_key
from lovhub.cli.console import say
from lovhub.codec import codec_for, default_store
from lovhub.crypto import parse_public_key
from lovhub.crypto.keys import PUBLIC_KEY_TEXT_PREFIX
from lovhub.errors import ConfigurationError
from lovhub.kafka.aio import aio_client_config
from lovhub.policy import Policy, load_policy
from lovhub.policy.location import default_policy_dir
from lovhub.provisioning.topology import RECIPIENT_CHANGES, RECIPIENT_REGISTRY
from lovhub.registry import PublicKeyEntry, RecipientDirectory
from lovhub.registry import lifecycle as life
from lovhub.registry.follower import read_registry
from lovhub.registry.operations import PublishedChange, RegistryTopics, publish_changes
from lovhub.settings import (
    ACTOR_VARIABLE,
    REGISTRY_TOPIC_VARIABLE,
    HubSettings,
    KafkaSettings,
    ServiceSettings,
    StartupFiles,
    load_kafka_settings,
)

__all__ = [
    "ACTOR",
    "CHANGES",
    "REASON",
    "REGISTRY",
    "Session",
    "iso_date",
    "key_entry",
    "policy",
]

REGISTRY = typer.Option(
    RECIPIENT_REGISTRY, envvar=REGISTRY_TOPIC_VARIABLE.name, help="Registry topic."
)
CHANGES = typer.Option(
    RECIPIENT_CHANGES, envvar=ServiceSettings.variable("recipient_changes_topic")
)
ACTOR = typer.Option(
    "", envvar=ACTOR_VARIABLE.name, help="Who acts (default: the admin principal)."
)
REASON = typer.Option(None, "--reason", help="Reason code, e.g. FAILED_VETTING (no free text).")


class Session:
    """One command's admin connection, registry topics, actor and clock."""

    def __init__(self, registry_topic: str, changes_topic: str, actor: str) -> None:
        self.settings: KafkaSettings = load_kafka_settings()
        self.config = aio_client_config(self.settings)
        self.topics = RegistryTopics(registry_topic, changes_topic, checkpoint_topic())
        self.signing_key = optional_signing_key(WriterRole.RECIPIENT_LIFECYCLE, "the change")
        self.actor = actor or self.settings.sasl_username or "operator"
        self.now = dt.datetime.now(dt.UTC)

    def directory(self) -> RecipientDirectory:
        """The registry as it is now: records failing validation are left out, and so is
        every record the change chain does not attest (a lifecycle command must start from
        the audited state, never from a record written around it)."""
        return asyncio.run(
            read_registry(
                self.config,
                self.topics.registry,
                changes_topic=self.topics.changes,
                codec=codec_for(HubSettings()),
            )
        )

    def publish(self, changes: list[life.LifecycleChange]) -> list[PublishedChange]:
        """Registry records, then their change records; see :mod:`lovhub.registry.operations`."""
        published = asyncio.run(
            publish_changes(
                self.config,
                changes,
                codec=codec_for(HubSettings()),
                store=default_store(),
                topics=self.topics,
                signing_key=self.signing_key,
            )
        )
        for item in published:
            change = item.change
            say(
                f"{change.action} {change.recipient.id}: registry offset {item.registry_offset}, "
                f"change #{item.audit_record['sequence']} on {self.topics.changes}"
            )
        return published


def policy() -> Policy:
    """The policy purposes are checked against (``LOVHUB_POLICY_FILE`` or the repo's)."""
    path = StartupFiles.from_environment().policy_file or default_policy_dir() / "policy.yaml"
    return load_policy(path)


def key_entry(value: str) -> PublicKeyEntry:
    """A public key from its text line (``lovhub keys generate`` output) or a file holding it."""
    text = value.strip()
    if not text.startswith(PUBLIC_KEY_TEXT_PREFIX):
        try:
            text = Path(value).expanduser().read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigurationError(
                f"not a public key text nor a readable file: {error}"
            ) from None
    key = parse_public_key(text)
    return PublicKeyEntry(
        key_id=key.key_id,
        suite=key.suite.suite_id,
        public_key=key.to_text(),
        valid_from=key.valid_from,
        valid_to=key.valid_to,
    )


def iso_date(text: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` or None; anything else is a one-line configuration error."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"not an ISO date: {text!r}") from None
