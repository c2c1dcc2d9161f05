"""The I/O half of operators' lookups (issue 15, part 4): record a lookup on the lookup
chain before anything is shown, and read the lookups made about one person.

The record goes through :func:`lovhub.audit.command_chain.append_evidence`, the helper the
recipient-change chain uses too, signed with the operator-lookup role's key when this
machine holds it (``LOVHUB_LOOKUP_SIGNING_KEY_FILE``), as the recipient commands do with
theirs. The rules (case reference, operator, the record) are in :mod:`lovhub.operators.lookups`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import typer

from lovhub.audit.command_chain import CommandChain, append_evidence
from lovhub.audit.roles import WriterRole
from lovhub.cli.audit_io import UnreadableCount, stream_topic
from lovhub.cli.command_evidence import checkpoint_topic, optional_signing_key
from lovhub.codec import OPERATOR_LOOKUP, Codec, CodecError, codec_for, default_store
from lovhub.errors import LovhubError
from lovhub.kafka import consumer
from lovhub.kafka.aio import aio_client_config
from lovhub.operators.decisions import Place
from lovhub.operators.lookups import (
    LookupCommand,
    case_reference,
    lookup_record,
    lookups_about,
    operator_of,
)
from lovhub.provisioning.topology import LOOKUP_AUDIT
from lovhub.settings import LOOKUP_TOPIC_VARIABLE, HubSettings, KafkaSettings

__all__ = [
    "CASE_OPTION",
    "LOOKUP_TOPIC_OPTION",
    "LookupNotRecorded",
    "LookupRequest",
    "lookup_request",
    "read_lookups",
    "record_lookup",
]

CASE_OPTION = typer.Option(
    None,
    "--case",
    help="The case (ärende) this lookup of a person is for, e.g. AF-2026/001234; required "
    "with --jobseeker/--jobseeker-id. Recorded with who and when on the lookup chain before "
    "anything is shown; never a personal id.",
)
LOOKUP_TOPIC_OPTION = typer.Option(
    LOOKUP_AUDIT,
    envvar=LOOKUP_TOPIC_VARIABLE.name,
    help="The hash-chained topic lookups of a person are recorded on.",
)


class LookupNotRecorded(LovhubError):
    """The lookup could not be recorded: the command shows nothing (fail closed)."""

    code = "LOOKUP_NOT_RECORDED"


@dataclass(frozen=True, slots=True)
class LookupRequest:
    """A lookup about to be made, checked before anything is read."""

    command: LookupCommand
    case: str
    operator: str
    topic: str


def lookup_request(
    command: LookupCommand, case: str | None, settings: KafkaSettings, topic: str
) -> LookupRequest:
    """Refuses (exit 2) without a valid ``--case``, and without a login naming the operator."""
    return LookupRequest(command, case_reference(case), operator_of(settings.sasl_username), topic)


def record_lookup(
    settings: KafkaSettings, request: LookupRequest, pseudonyms: Iterable[str]
) -> dict[str, Any]:
    """Append the lookup to its chain and wait for the broker; the chained record. Raises
    :class:`LookupNotRecorded` when it may not be there: the caller must show nothing."""
    record = lookup_record(
        lookup_id=str(uuid.uuid4()),
        at=dt.datetime.now(dt.UTC),
        operator=request.operator,
        case=request.case,
        command=request.command,
        pseudonyms=pseudonyms,
    )
    if not _exists(settings, request.topic):  # fails in a second, not a metadata timeout
        raise LookupNotRecorded(
            f"the lookup cannot be recorded: topic {request.topic} does not exist or cannot be "
            "read; nothing is shown (`lovhub admin init` creates lov.hub.audit.lookups.v1)"
        )
    chain = CommandChain(
        request.topic,
        OPERATOR_LOOKUP,
        checkpoint_topic=checkpoint_topic(),
        signing_key=optional_signing_key(WriterRole.OPERATOR_LOOKUP, "the lookup"),
    )
    try:
        [(chained, _)] = asyncio.run(
            append_evidence(
                aio_client_config(settings),
                chain,
                [record],
                codec=codec_for(HubSettings()),
                store=default_store(),
            )
        )
    except LovhubError as error:
        raise LookupNotRecorded(
            f"the lookup could not be recorded on {request.topic} ({error.code}: {error}); "
            "nothing is shown (if the topic is missing, run `lovhub admin init`)"
        ) from error
    return chained


def _exists(settings: KafkaSettings, topic: str) -> bool:
    reader = consumer(settings)
    try:
        return bool(reader.partitions_for_topic(topic))
    finally:
        reader.close()


def read_lookups(
    settings: KafkaSettings,
    codec: Codec,
    topic: str,
    pseudonyms: frozenset[str],
    unreadable: UnreadableCount,
) -> list[Mapping[str, Any]]:
    """The lookups on ``topic`` that named the person (unreadable records counted)."""
    found: list[Mapping[str, Any]] = []
    for record in stream_topic(settings, topic, label=f"reading {topic}"):
        try:
            found.append(codec.decode(record.value, OPERATOR_LOOKUP))
        except CodecError:
            unreadable.places.append(Place(record.topic, record.partition, record.offset))
    return lookups_about(found, pseudonyms)
