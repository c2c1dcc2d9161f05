"""Shared pieces of ``lovhub recipient``: the admin session, options and argument parsing."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from lovhub.audit.roles import WriterRole
from lovhub.cli.command_evidence import checkpoint_topic, optional_signing_key
from lovhub.cli.console import say
from lovhub.codec import codec_for, default_store
from lovhub.crypto import parse_public_key
from lovhub.crypto.keys import PUBLIC_KEY_TEXT_PREFIX
from lovhub.errors import ConfigurationError
from lovhub.kafka.aio import aio_client_config
from lovhub.policy import Policy, describe_validation_error, load_policy
from lovhub.policy.location import default_policy_dir
from lovhub.provisioning.topology import RECIPIENT_CHANGES, RECIPIENT_REGISTRY
from lovhub.registry import PublicKeyEntry, Recipient, RecipientDirectory, Residency, Undertaking
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
    "COUNTRY",
    "HOSTING",
    "REASON",
    "REGISTRY",
    "SUB_PROCESSOR",
    "UNDERTAKING_REFERENCE",
    "UNDERTAKING_SIGNED_ON",
    "Session",
    "iso_date",
    "key_entry",
    "policy",
    "residency",
    "undertaking",
    "vetting_updates",
    "where_and_undertaking",
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
# Vetting facts (issue 15): `add` requires them as the model's rules say; `resume` updates them.
UNDERTAKING_SIGNED_ON = typer.Option(
    None, help="ISO date the confidentiality undertaking was signed (providers)."
)
UNDERTAKING_REFERENCE = typer.Option(
    None, help="The signed undertaking's document reference (providers)."
)
COUNTRY = typer.Option(
    None, help="ISO 3166-1 alpha-2 country where delivered data is stored and processed."
)
HOSTING = typer.Option(None, help="Hosting provider of that storage (with --country).")
SUB_PROCESSOR = typer.Option(
    [], help="A sub-processor handling delivered data, as NAME:COUNTRY (repeat)."
)


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


def undertaking(signed_on: str | None, reference: str | None) -> dict[str, Any] | None:
    """``--undertaking-signed-on`` and ``--undertaking-reference`` as the record's field."""
    if signed_on is None and reference is None:
        return None
    if signed_on is None or reference is None:
        raise ConfigurationError(
            "give both --undertaking-signed-on and --undertaking-reference, or neither"
        )
    return {"signed_on": iso_date(signed_on), "reference": reference}


def residency(
    country: str | None, hosting: str | None, sub_processors: list[str]
) -> dict[str, Any] | None:
    """``--country``, ``--hosting`` and ``--sub-processor NAME:COUNTRY`` as the record's field."""
    if country is None and hosting is None and not sub_processors:
        return None
    if country is None or hosting is None:
        raise ConfigurationError("give --country and --hosting (and any --sub-processor)")
    listed = []
    for item in sub_processors:
        name, colon, where = item.rpartition(":")
        if not (colon and name.strip() and where.strip()):
            raise ConfigurationError("--sub-processor takes NAME:COUNTRY, e.g. 'Exempel AB:SE'")
        listed.append({"name": name.strip(), "country": where.strip()})
    return {"country": country, "hosting": hosting, "sub_processors": tuple(listed)}


def vetting_updates(
    signed_on: str | None,
    reference: str | None,
    country: str | None,
    hosting: str | None,
    sub_processors: list[str],
) -> dict[str, Any]:
    """``resume``'s new undertaking and residency, validated (only those given)."""
    updates: dict[str, Any] = {}
    signed = undertaking(signed_on, reference)
    where = residency(country, hosting, sub_processors)
    try:
        if signed is not None:
            updates["undertaking"] = Undertaking.model_validate(signed)
        if where is not None:
            updates["residency"] = Residency.model_validate(where)
    except ValidationError as error:
        raise ConfigurationError(describe_validation_error("recipient resume", error)) from None
    return updates


def where_and_undertaking(recipient: Recipient) -> list[tuple[str, str]]:
    """``recipient show``'s rows for the undertaking and where the data is."""
    signed = recipient.undertaking
    rows = [
        (
            "undertaking",
            f"{signed.reference}, signed {signed.signed_on}" if signed else "- (not on record)",
        )
    ]
    where = recipient.residency
    if where is None:
        return [*rows, ("data stored in", "- (not on record)")]
    rows.append(("data stored in", f"{where.country}, hosting: {where.hosting}"))
    rows += [(f"sub-processor {s.name}", s.country) for s in where.sub_processors]
    return rows
