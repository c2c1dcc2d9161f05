"""``lovhub audit reconcile``: the books of the agency topic, the audit stream and the
recipient topics, and with ``--replay`` every decision against a fresh replay. A thin shell
over :mod:`lovhub.operators.ledger` and :mod:`lovhub.operators.replay_check`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import typer
from rich.table import Table

from lovhub.cli.audit_io import (
    AUDIT_TOPICS_HELP,
    DECISION_TOPICS,
    UnreadableCount,
    current_policy,
    current_recipients,
    stream_decisions,
    stream_topic,
)
from lovhub.cli.console import err, out, say, warn
from lovhub.cli.service import load_replay_materials
from lovhub.codec import JOBSEEKER_EVENT, RECIPIENT_RECORD, CodecError, codec_for
from lovhub.errors import ConfigurationError
from lovhub.operators.decisions import Place
from lovhub.operators.ledger import (
    InputRecord,
    Ledger,
    LedgerDecision,
    RecipientRecordRef,
)
from lovhub.operators.ledger import (
    reconcile as balance,
)
from lovhub.operators.replay_check import (
    AgencyRecord,
    Replayed,
    ReplayFindings,
    Written,
    compare,
)
from lovhub.operators.replay_check import replay as replay_decisions
from lovhub.pipeline.hub import default_recipient_topic, event_digest
from lovhub.pipeline.ids import dead_letter_id
from lovhub.pipeline.ingest_time import broker_ingest_time
from lovhub.provisioning.topology import AGENCY_EVENTS, RECIPIENT_REGISTRY
from lovhub.runtime import hub_pipeline
from lovhub.settings import HubSettings, load_kafka_settings

__all__ = ["reconcile"]


def reconcile(
    agency_topic: str = typer.Option(AGENCY_EVENTS, help="The agency's event topic."),
    audit_topic: list[str] = typer.Option(list(DECISION_TOPICS), help=AUDIT_TOPICS_HELP),
    recipient_topic_template: str = typer.Option(
        "", help="e.g. 'staging.{id}'; empty: lov.provider.<id>.v1 / lov.thirdparty.<id>.v1"
    ),
    recipients: str = typer.Option("auto", help="Recipients from: auto, registry, file."),
    show: int = typer.Option(20, help="How many items of each problem to list."),
    with_replay: bool = typer.Option(
        False,
        "--replay",
        help="Also decide the agency topic again with the hub's own pipeline and compare "
        "every decision id and delivery (needs the hub worker's policy, recipients, "
        "operators' public key and pseudonym secret; no private key).",
    ),
    registry_topic: str = typer.Option(
        RECIPIENT_REGISTRY, help="With --replay: the registry the hub reads its recipients from."
    ),
) -> None:
    """Prove the books balance: inputs, decisions and recipient records; exit 1 if not."""
    settings = load_kafka_settings()
    codec = codec_for(HubSettings())
    directory = current_recipients(settings, current_policy(), recipients)

    def topic_of(recipient: Any) -> str:
        if recipient_topic_template:
            return recipient_topic_template.format(id=recipient.id)
        return default_recipient_topic(recipient)

    # Loaded before anything is read: a missing start-up file fails fast.
    replay_materials = load_replay_materials(settings, registry_topic) if with_replay else None
    unreadable = UnreadableCount()
    written = list(stream_decisions(settings, codec, audit_topic, unreadable))
    decisions = [_ledger_decision(item.place, item.decision) for item in written]
    agency = list(stream_topic(settings, agency_topic))
    # Every registered recipient's topic, and any topic a decision says it delivered to.
    recipient_topics = sorted(
        {topic_of(r) for r in directory.recipients}
        | {d.delivery.topic for d in decisions if d.delivery is not None}
    )
    records = _recipient_records(settings, codec, recipient_topics)
    ledger = balance(
        _inputs(codec, agency),
        decisions,
        records,
        dead_letter_id_of=lambda place: dead_letter_id(place.topic, place.partition, place.offset),
    )
    _print_ledger(ledger, show)
    replayed_clean = True
    if replay_materials is not None:
        pipeline = hub_pipeline(replay_materials, recipient_topic=topic_of)
        version = replay_materials.policy.version
        say(f"replaying {len(agency)} agency records under policy {version}")
        replayed = replay_decisions(pipeline, _agency_records(agency))
        findings = compare(
            replayed,
            (Written.of(item.place, item.decision) for item in written),
            policy_version=version,
            deliveries=records,
        )
        _print_replay(findings, replayed, version, _trimmed_partitions(agency), show)
        replayed_clean = findings.clean
    if unreadable.places:
        err.print(f"[red]{len(unreadable.places)} unreadable audit records[/red]")
    if not ledger.balanced or unreadable.places or not replayed_clean:
        raise typer.Exit(1)


def _agency_records(records: list[Any]) -> Iterator[AgencyRecord]:
    """In offset order within each partition, as stream_topic reads them."""
    for r in records:
        yield AgencyRecord(
            r.topic,
            r.partition,
            r.offset,
            r.key,
            r.value,
            broker_ingest_time(r.timestamp, r.timestamp_type),
        )


def _trimmed_partitions(records: list[Any]) -> dict[int, int]:
    """Agency partitions whose first record is not at offset 0, with that offset: their
    older records are gone (retention), so the replay starts those histories in the middle."""
    firsts: dict[int, int] = {}
    for r in records:
        firsts[r.partition] = min(r.offset, firsts.get(r.partition, r.offset))
    return {partition: first for partition, first in sorted(firsts.items()) if first > 0}


def _print_replay(
    findings: ReplayFindings,
    replayed: Replayed,
    policy_version: str,
    trimmed: Mapping[int, int],
    show: int,
) -> None:
    """Decision ids, delivery ids, places, recipient ids and codes only: nothing personal."""
    table = Table(title="replay: every decision id against a fresh replay of the agency topic")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("decisions the replay makes", str(findings.expected))
    table.add_row(f"compared (written under policy {policy_version})", str(findings.compared))
    for name, count in (
        ("written more than once (duplicates)", findings.repeated),
        ("written under another policy version (not compared)", len(findings.other_policy)),
        (
            "withheld for an unwritable recipient topic (owed: re-deliver them)",
            len(findings.awaiting_redelivery),
        ),
    ):
        colour = "green" if count == 0 else "yellow"
        table.add_row(name, f"[{colour}]{count}[/{colour}]")
    for name, count in (
        ("missing (the replay makes it, never written)", len(findings.missing)),
        ("altered (written otherwise than the replay decides)", len(findings.altered)),
        ("unexpected (written, the replay never makes it)", len(findings.unexpected)),
        ("delivered against the replay", len(findings.delivered_against)),
        ("held (the replay cannot decide them yet)", len(findings.held)),
    ):
        colour = "green" if count == 0 else "red"
        table.add_row(name, f"[{colour}]{count}[/{colour}]")
    out.print(table)
    for partition, first in trimmed.items():
        warn(
            f"agency partition {partition} starts at offset {first} (older records deleted): "
            "the replay cannot know the histories before it"
        )
    lines: list[str] = []
    for decision_id in findings.missing[:show]:
        expected = replayed.decisions[decision_id][0]
        lines.append(
            f"missing: decision {decision_id} (recipient {expected.recipient or '-'}; "
            f"the replay says {expected.verdict()})"
        )
    for altered in findings.altered[:show]:
        repeated = (
            f"; written {altered.writes} times, {altered.differing} of them otherwise"
            if altered.writes > 1
            else ""
        )
        lines.append(
            f"altered: decision {altered.decision_id} at {altered.place} (recipient "
            f"{altered.expected.recipient or '-'}): the replay says "
            f"{altered.expected.verdict()}, written {altered.written.verdict()}; differs in "
            f"{', '.join(altered.what_differs)}{repeated}"
        )
    for write in findings.unexpected[:show]:
        lines.append(
            f"unexpected: decision {write.decision_id} at {write.place} (recipient "
            f"{write.decided.recipient or '-'}, {write.decided.verdict()})"
        )
    for against in findings.delivered_against[:show]:
        claimed = f" (decision {against.decision_id})" if against.decision_id else ""
        lines.append(
            f"delivered against the replay: {against.place} delivery {against.delivery_id}{claimed}"
        )
    for held in findings.held[:show]:
        lines.append(f"held: {held.place} ({held.reason}): nothing after it was replayed")
    owed = Counter(write.decided.recipient for write in findings.awaiting_redelivery)
    for recipient, count in sorted(owed.items(), key=lambda item: str(item[0])):
        lines.append(
            f"owed: {count} decisions withheld from {recipient} (RECIPIENT_UNAVAILABLE): "
            f"`lovhub redeliver --recipient {recipient} --unavailable` unless done"
        )
    for line in lines:
        out.print(f"  {line}", soft_wrap=True, markup=False, highlight=False)
    out.print("replay: " + ("matches" if findings.clean else "[red]DIFFERS[/red]"))


def _ledger_decision(place: Place, d: Mapping[str, Any]) -> LedgerDecision:
    delivery = None
    if d.get("delivery_topic") is not None and d.get("delivery_offset") is not None:
        delivery = Place(d["delivery_topic"], int(d["delivery_partition"]), d["delivery_offset"])
    return LedgerDecision(
        place=place,
        decision_id=d["decision_id"],
        event_id=d.get("event_id"),
        dead_letter_id=d.get("dead_letter_id"),
        outcome=str(d["outcome"]),
        recipient_id=d.get("recipient_id"),
        delivery=delivery,
        delivery_id=d.get("delivery_id"),
        redelivery=bool(d.get("redelivery")),
        reason=d.get("reason_code"),
    )


def _inputs(codec: Any, records: list[Any]) -> list[InputRecord]:
    inputs = []
    for record in records:
        digest = None
        try:
            event = codec.decode(record.value, JOBSEEKER_EVENT)
            event_id, digest = event["event_id"], event_digest(event)
        except (CodecError, TypeError):
            event_id = None
        place = Place(record.topic, record.partition, record.offset)
        inputs.append(InputRecord(place, event_id, digest))
    return inputs


def _recipient_records(settings: Any, codec: Any, topics: list[str]) -> list[RecipientRecordRef]:
    refs = []
    for topic in topics:
        try:
            for record in stream_topic(settings, topic):
                place = Place(record.topic, record.partition, record.offset)
                try:
                    delivery_id = codec.decode(record.value, RECIPIENT_RECORD)["delivery_id"]
                except (CodecError, TypeError):
                    delivery_id = None
                refs.append(RecipientRecordRef(place, delivery_id))
        except ConfigurationError:  # raised before the first record: the topic is absent
            say(f"no topic {topic}: nothing was delivered there")
    return refs


def _print_ledger(ledger: Ledger, show: int) -> None:
    table = Table(title="reconciliation")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, count in (
        ("input records", ledger.inputs),
        ("audit decisions", ledger.decisions),
        ("recipient records", ledger.records),
    ):
        table.add_row(name, str(count))
    for name, count in ledger.problems().items():
        benign = "duplicate" in name or "re-sent" in name or "reused" in name
        colour = "green" if count == 0 else ("yellow" if benign else "red")
        table.add_row(name, f"[{colour}]{count}[/{colour}]")
    out.print(table)
    listed: list[tuple[str, str]] = []
    listed += [("input without a decision", str(i.place)) for i in ledger.inputs_without_decision]
    listed += [("unreadable, not rejected", str(i.place)) for i in ledger.unreadable_not_rejected]
    listed += [("decision without input", str(d.place)) for d in ledger.decisions_without_input]
    listed += [
        ("delivery missing", f"{d.delivery} (decision {d.place})")
        for d in ledger.deliveries_missing
    ]
    listed += [
        ("delivery id differs", f"{r.place} (decision {d.place})")
        for d, r in ledger.deliveries_mismatched
    ]
    listed += [("delivery not located", str(d.place)) for d in ledger.deliveries_unlocated]
    listed += [("record without decision", str(r.place)) for r in ledger.records_without_decision]
    listed += [
        (f"contradictory decision {k}", ", ".join(map(str, v)))
        for k, v in ledger.contradictory_decisions.items()
    ]
    listed += [
        (f"duplicate decision {k}", ", ".join(map(str, v)))
        for k, v in ledger.duplicate_decisions.items()
    ]
    listed += [
        (f"duplicate delivery {k}", ", ".join(map(str, v)))
        for k, v in ledger.duplicate_deliveries.items()
    ]
    listed += [
        (f"re-sent event {k}", ", ".join(map(str, v))) for k, v in ledger.resent_events.items()
    ]
    listed += [
        (f"reused event id {k} (different events)", ", ".join(map(str, v)))
        for k, v in ledger.event_id_collisions.items()
    ]
    shown: Counter[str] = Counter()
    for kind, where in listed:
        family = kind.split(" ")[0] + kind.split(" ")[1]
        shown[family] += 1
        if shown[family] <= show:
            out.print(f"  {kind}: {where}")
    verdict = "[green]balanced[/green]" if ledger.balanced else "[red]NOT balanced[/red]"
    out.print(f"books: {verdict}")
