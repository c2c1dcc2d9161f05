"""``lovhub redeliver``: re-send one recipient what it lost, bounded by today's facts.

The logic is :class:`lovhub.operators.redelivery.RedeliveryPlanner`; this shell reads the
agency and audit topics, publishes the re-deliveries and chains their audit decisions onto
the re-delivery audit topic. It must run as the admin principal: the hub's own principal
may not write the re-delivery audit topic.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import typer
from aiokafka import AIOKafkaProducer
from kafka import TopicPartition
from rich.table import Table

from lovhub.audit.roles import WriterRole
from lovhub.audit.signing import SigningKey
from lovhub.audit.writer import ChainedRecordWriter
from lovhub.cli.audit_io import UnreadableCount, current_recipients, stream_decisions, stream_topic
from lovhub.cli.console import err, out, say, warn
from lovhub.codec import default_store
from lovhub.core.outputs import SourcePosition
from lovhub.core.reasons import Outcome, Reason
from lovhub.errors import ConfigurationError
from lovhub.kafka import consumer
from lovhub.kafka.aio import aio_client_config
from lovhub.kafka.unreadable import UnreadableTopicError
from lovhub.operators.redelivery import RedeliveryError, RedeliveryPlanner, RedeliveryStep
from lovhub.pipeline import HubPipeline
from lovhub.pipeline.delivery import STATUS_ANSWER_TYPE
from lovhub.pipeline.hub import default_recipient_topic
from lovhub.pipeline.ingest_time import broker_ingest_time
from lovhub.provisioning.topology import AGENCY_EVENTS, AUDIT, AUDIT_CHECKPOINTS, REDELIVERY_AUDIT
from lovhub.registry import Recipient
from lovhub.runtime import hub_pipeline, load_materials
from lovhub.settings import KafkaSettings, load_kafka_settings

__all__ = ["Owed", "owed_from", "redeliver"]

_BATCH = 500


def _parse_offsets(values: list[str]) -> dict[int, int]:
    starts: dict[int, int] = {}
    for value in values:
        partition, _, offset = value.partition(":")
        if not (partition.isdigit() and offset.isdigit()):
            raise typer.BadParameter(f"--from-offset wants PARTITION:OFFSET, not {value!r}")
        starts[int(partition)] = int(offset)
    return starts


def _offsets_at(settings: KafkaSettings, topic: str, moment: dt.datetime) -> dict[int, int]:
    """Per partition, the first offset whose record was written at or after ``moment``."""
    reader = consumer(settings)
    try:
        numbers = reader.partitions_for_topic(topic)
        if not numbers:
            raise ConfigurationError(f"topic {topic} does not exist or cannot be read")
        millis = int(moment.timestamp() * 1000)
        found = reader.offsets_for_times({TopicPartition(topic, p): millis for p in numbers})
        return {tp.partition: at.offset for tp, at in found.items() if at is not None}
    finally:
        reader.close()


def redeliver(
    recipient: str = typer.Option(..., help="The recipient that lost data."),
    from_time: str | None = typer.Option(
        None, help="Re-deliver agency records written at or after this time (ISO 8601)."
    ),
    from_offset: list[str] = typer.Option(
        [],
        help="PARTITION:OFFSET of the agency topic to start at (repeat; other partitions "
        "are not re-delivered).",
    ),
    unavailable: bool = typer.Option(
        False,
        "--unavailable",
        help="Re-deliver exactly what was withheld while the recipient's topic refused the "
        "hub's writes (RECIPIENT_UNAVAILABLE), and nothing it received. Instead of "
        "--from-time/--from-offset.",
    ),
    run_id: str | None = typer.Option(None, help="Names this run (new ids per run)."),
    dry_run: bool = typer.Option(False, help="Plan and summarise; publish nothing."),
    agency_topic: str = typer.Option(AGENCY_EVENTS),
    audit_topic: list[str] = typer.Option([AUDIT], help="Where the original decisions are."),
    redelivery_audit_topic: str = typer.Option(REDELIVERY_AUDIT),
    checkpoint_topic: str = typer.Option(
        AUDIT_CHECKPOINTS, help="Where the re-delivery chain's signed checkpoints go."
    ),
    recipient_topic_template: str = typer.Option(
        "", help="e.g. 'staging.{id}'; empty: lov.provider.<id>.v1 / lov.thirdparty.<id>.v1"
    ),
    recipients: str = typer.Option("auto", help="Today's recipients from: auto, registry, file."),
) -> None:
    """Re-send a recipient what it lost, only what today's consents and status allow.

    Everything the hub delivered to the recipient from the start point on is planned again;
    a record is re-sent (new delivery id, marked redelivery) only when today's consents,
    assignments and recipient status would allow it too, and every step is audited on the
    re-delivery chain.
    """
    if sum((from_time is not None, bool(from_offset), unavailable)) != 1:
        raise typer.BadParameter("give exactly one of --from-time, --from-offset, --unavailable")
    settings = load_kafka_settings()
    materials = load_materials(role=WriterRole.REDELIVERY)
    directory = current_recipients(settings, materials.policy, recipients)

    def topic_of(target: Recipient) -> str:
        if recipient_topic_template:
            return recipient_topic_template.format(id=target.id)
        return default_recipient_topic(target)

    store = default_store()
    pipeline = hub_pipeline(materials, recipients=directory, store=store, recipient_topic=topic_of)
    owed = _delivered_before(
        settings, pipeline, audit_topic, recipient, unavailable_only=unavailable
    )
    if owed.status_answers_withheld:
        warn(
            f"{owed.status_answers_withheld} registration-status answers were withheld from "
            f"{recipient} while it was held; they are not re-delivered: the third party must "
            "ask again (a new consent event), or the agency answers it by hand"
        )
    if unavailable:
        # From the start of each partition with a withheld decision: a withheld handover
        # names facts recorded before it, and only the owed event ids are re-delivered.
        starts = dict.fromkeys(owed.partitions_withheld, 0)
        if not starts:
            say(f"nothing was withheld from {recipient} for an unwritable topic")
            return
    elif from_time is not None:
        moment = dt.datetime.fromisoformat(from_time)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        starts = _offsets_at(settings, agency_topic, moment)
    else:
        starts = _parse_offsets(from_offset)
    run = run_id or str(uuid.uuid4())
    planner = RedeliveryPlanner(
        pipeline,
        store,
        recipient_id=recipient,
        run_id=run,
        now=dt.datetime.now(dt.UTC),
        delivered_before=owed.purposes,
    )
    stops: dict[int, int] = dict.fromkeys(starts, 0)  # never past what pass 1 learned
    for record in stream_topic(settings, agency_topic, label="rebuilding state"):
        planner.learn(record.value, record.key, _source(record))
        stops[record.partition] = record.offset + 1
    counts: Counter[str] = Counter()
    steps = (
        step
        for record in stream_topic(
            settings,
            agency_topic,
            starts=starts,
            stops=stops,
            only_partitions=starts.keys(),
            label=f"re-delivering to {recipient}",
        )
        if (step := planner.plan(record.value, record.key, _source(record))) is not None
    )
    if dry_run:
        for step in steps:
            counts[_outcome(step.audit)] += 1
    else:
        try:
            asyncio.run(
                _publish(
                    settings,
                    pipeline,
                    redelivery_audit_topic,
                    steps,
                    counts,
                    signing_key=materials.signing_key,
                    checkpoint_topic=checkpoint_topic,
                )
            )
        except (ConfigurationError, RedeliveryError, UnreadableTopicError):
            raise  # an unreadable agency batch is named as such: no traceback
        except Exception as error:
            # Stop at once: records already published without their audit decision are
            # listed by `lovhub audit reconcile`; run it before retrying.
            raise RedeliveryError(
                f"re-delivery stopped after {sum(counts.values())} audited records "
                f"({type(error).__name__}); run `lovhub audit reconcile` before retrying"
            ) from error
    _summary(recipient, run, counts, dry_run)


def _source(record: Any) -> SourcePosition:
    """The record's place and ingest time: a replay judges dates as the first run did."""
    ingested_at = broker_ingest_time(record.timestamp, record.timestamp_type)
    return SourcePosition(record.topic, record.partition, record.offset, ingested_at)


def _outcome(audit: Mapping[str, Any]) -> str:
    reason = audit.get("reason_code")
    return "re-delivered" if reason is None else f"withheld now: {reason}"


def _withheld_unavailable(decision: Mapping[str, Any]) -> bool:
    return (
        decision.get("outcome") == Outcome.WITHHELD
        and decision.get("reason_code") == Reason.RECIPIENT_UNAVAILABLE
    )


@dataclass
class Owed:
    """What the audit stream says ``recipient`` is owed: event id -> purposes, and the
    agency partitions with decisions withheld for an unwritable topic."""

    purposes: dict[str, list[str]] = field(default_factory=dict)
    partitions_withheld: set[int] = field(default_factory=set)
    # Withheld registration-status answers: not re-delivered (an answer is "as of" its
    # consent), so they are counted and named, never dropped in silence.
    status_answers_withheld: int = 0


def _delivered_before(
    settings: KafkaSettings,
    pipeline: HubPipeline,
    topics: list[str],
    recipient: str,
    *,
    unavailable_only: bool = False,
) -> Owed:
    """What the audit topics say ``recipient`` is owed (:func:`owed_from`)."""
    unreadable = UnreadableCount()
    owed = owed_from(
        (
            (item.place.partition, item.decision)
            for item in stream_decisions(settings, pipeline.codec, topics, unreadable)
        ),
        recipient,
        unavailable_only=unavailable_only,
    )
    if unreadable.places:
        raise ConfigurationError(f"{len(unreadable.places)} audit records cannot be read")
    return owed


def owed_from(
    decisions: Iterable[tuple[int, Mapping[str, Any]]],
    recipient: str,
    *,
    unavailable_only: bool = False,
) -> Owed:
    """Event ids the audit decisions (with their audit partition, the hub's agency
    partition) say were delivered to ``recipient``, or withheld from it only because its
    topic refused the hub's writes (RECIPIENT_UNAVAILABLE: owed, audited with the purposes),
    with the purposes; with ``unavailable_only``, only the latter."""
    owed = Owed()
    delivered = owed.purposes
    for partition, d in decisions:
        mine = d.get("recipient_id") == recipient
        withheld = mine and _withheld_unavailable(d) and not d.get("redelivery")
        if withheld and d.get("event_type") == STATUS_ANSWER_TYPE:
            owed.status_answers_withheld += 1
        elif withheld:
            owed.partitions_withheld.add(partition)
        if (
            mine
            and (withheld or (d.get("outcome") == Outcome.DELIVERED and not unavailable_only))
            and d.get("event_id")
            # A status answer was "as of" its consent: it is not re-sent (its event id is
            # the consent's, which delivers nothing itself). Handover items name the fact's
            # event, so a lost handover is re-sent as that event, under today's facts.
            and d.get("event_type") != STATUS_ANSWER_TYPE
        ):
            delivered.setdefault(str(d["event_id"]), []).extend(d.get("purposes") or ())
    return owed


async def _publish(
    settings: KafkaSettings,
    pipeline: HubPipeline,
    audit_topic: str,
    steps: Any,
    counts: Counter[str],
    *,
    signing_key: SigningKey,
    checkpoint_topic: str,
) -> None:
    """Deliveries first (acknowledged), then their audit decisions with the offsets."""
    config = aio_client_config(settings)
    producer = AIOKafkaProducer(**config, acks="all", enable_idempotence=True, linger_ms=5)
    writer = ChainedRecordWriter(
        client_config=config,
        topic=audit_topic,
        codec=pipeline.codec,
        store=default_store(),
        key_of=lambda d: d.get("jobseeker_audit_pseudonym"),
        signing_key=signing_key,
        checkpoint_topic=checkpoint_topic,
    )
    await producer.start()
    try:
        async with writer:
            batch: list[RedeliveryStep] = []
            for step in steps:
                batch.append(step)
                if len(batch) >= _BATCH:
                    await _flush(producer, writer, batch, counts)
                    batch = []
            await _flush(producer, writer, batch, counts)
    finally:
        await producer.stop()


async def _flush(
    producer: AIOKafkaProducer,
    writer: ChainedRecordWriter,
    batch: list[RedeliveryStep],
    counts: Counter[str],
) -> None:
    if not batch:
        return
    futures = [
        await producer.send(
            step.delivery.topic,
            step.delivery.value,
            key=step.delivery.key,
            headers=[*step.delivery.headers, ("redelivery", b"true")],
        )
        if step.delivery is not None
        else None
        for step in batch
    ]
    audits = []
    for step, future in zip(batch, futures, strict=True):
        audit = dict(step.audit)
        if future is not None:
            placed = await future
            audit.update(
                delivery_topic=placed.topic,
                delivery_partition=placed.partition,
                delivery_offset=placed.offset,
            )
        audits.append(audit)
        counts[_outcome(audit)] += 1
    await writer.append(audits)


def _summary(recipient: str, run: str, counts: Counter[str], dry_run: bool) -> None:
    table = Table(title=f"re-delivery to {recipient} (run {run}){' - dry run' if dry_run else ''}")
    table.add_column("outcome")
    table.add_column("records", justify="right")
    for outcome, count in sorted(counts.items()):
        table.add_row(outcome, str(count))
    if not counts:
        table.add_row("nothing was delivered to this recipient from that point", "0")
    out.print(table)
    err.print(f"[bold]{counts['re-delivered']} re-delivered[/bold]")
    if dry_run:
        say("dry run: nothing was published")
