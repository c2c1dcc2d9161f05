"""``lovhub audit replay | report | reconcile``: thin shells over :mod:`lovhub.operators`."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from lovhub.cli.audit_io import (
    DECISION_TOPICS,
    UnreadableCount,
    agency_ids_of,
    current_policy,
    current_recipients,
    stream_decisions,
    stream_topic,
)
from lovhub.cli.audit_lookups import (
    CASE_OPTION,
    LOOKUP_TOPIC_OPTION,
    LookupRequest,
    lookup_request,
    read_lookups,
    record_lookup,
)
from lovhub.cli.console import err, out, say, warn
from lovhub.cli.service import load_replay_materials
from lovhub.codec import JOBSEEKER_EVENT, RECIPIENT_RECORD, CodecError, codec_for
from lovhub.errors import ConfigurationError, LovhubError, UsageError
from lovhub.identity import is_personal_id_shape
from lovhub.operators.access_report import build_access_report
from lovhub.operators.decisions import DecisionFilter, Place, json_safe, outcome_counts
from lovhub.operators.ledger import (
    InputRecord,
    Ledger,
    LedgerDecision,
    RecipientRecordRef,
)
from lovhub.operators.ledger import (
    reconcile as balance,
)
from lovhub.operators.lookups import LookupCommand, case_reference, lookup_lines
from lovhub.operators.replay_check import (
    AgencyRecord,
    Replayed,
    ReplayFindings,
    Written,
    compare,
)
from lovhub.operators.replay_check import replay as replay_decisions
from lovhub.operators.report_render import render_html, render_json, render_text
from lovhub.pipeline.hub import default_recipient_topic, event_digest
from lovhub.pipeline.ids import dead_letter_id
from lovhub.pipeline.ingest_time import broker_ingest_time
from lovhub.private_files import write_private
from lovhub.provisioning.topology import AGENCY_EVENTS, RECIPIENT_REGISTRY
from lovhub.pseudonyms import Pseudonymiser
from lovhub.runtime import MIN_SECRET_BYTES, hub_pipeline
from lovhub.settings import HubSettings, load_kafka_settings

__all__ = ["PersonNotFoundError", "reconcile", "replay", "report"]


class PersonNotFoundError(LovhubError):
    """No agency record names the person (the message never repeats the number)."""

    code = "PERSON_NOT_FOUND"


AUDIT_TOPICS_HELP = "An audit topic to read (repeat); default: every AuditDecision topic."


def _time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"not an ISO 8601 time: {value!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def jobseeker_argument(value: str, agency_id: str | None) -> str:
    """A ``--jobseeker`` value other than '-': the agency id it names, never a personal id."""
    if is_personal_id_shape(value) or ("-" in value and value.strip()[:1].isdigit()):
        raise typer.BadParameter(
            "looks like a personal identity number: never give one on the command line "
            "(shell history, process list); use '--jobseeker -' and write it on stdin",
            param_hint="--jobseeker",
        )
    if agency_id is not None and agency_id != value:
        raise typer.BadParameter("--jobseeker and --jobseeker-id name different agency ids")
    return value


def _person(
    settings: Any, codec: Any, agency_topic: str, personal_id: str | None, agency_id: str | None
) -> frozenset[str] | None:
    """The person's audit pseudonyms (none named: None; a personal id on no registration:
    empty); the personal id is kept in memory only."""
    if personal_id is None and agency_id is None:
        return None
    if personal_id is not None and personal_id != "-":
        # --jobseeker takes '-' (the personal id from stdin) or an agency id, never a
        # personal id on the command line (shell history, the process list).
        agency_id, personal_id = jobseeker_argument(personal_id, agency_id), None
    if personal_id == "-":
        # From stdin: a personal id on the command line stays in shell history and ps.
        personal_id = sys.stdin.readline().strip()
        if not personal_id:
            raise typer.BadParameter(
                "no personal identity number on stdin", param_hint="--jobseeker"
            )
    ids = {agency_id} if agency_id else set()
    if personal_id is not None:
        ids |= agency_ids_of(settings, codec, agency_topic, personal_id)
        if not ids:
            return frozenset()
    pseudonymiser = Pseudonymiser(_hub_secret())
    return frozenset(pseudonymiser.for_audit(i) for i in ids)


def _looked_up(settings: Any, request: LookupRequest, pseudonyms: frozenset[str]) -> dict[str, Any]:
    """Record the lookup on its chain before anything is shown (fail closed), then stop
    with PERSON_NOT_FOUND if the person was not found: the attempt is recorded too."""
    recorded = record_lookup(settings, request, pseudonyms)
    say(f"lookup #{recorded['sequence']} recorded on {request.topic}")
    if not pseudonyms:
        # Silence would read as "nothing was shared"; the agency topic has a retention
        # limit, so an old registration may be gone while its decisions are not.
        raise PersonNotFoundError(
            "no registration on the agency topic carries that personal identity number; "
            "if it may have aged out, ask the agency for the jobseeker id and use "
            "--jobseeker-id"
        )
    return recorded


def _hub_secret() -> bytes:
    """Only the pseudonym secret: read-only tools never load the hub's signing key (only
    writers do), nor its other start-up files."""
    variable = "LOVHUB_HUB_SECRET_FILE"
    path = os.environ.get(variable)
    if not path:
        raise ConfigurationError(f"{variable} is not set")
    try:
        secret = bytes.fromhex(Path(path).expanduser().read_text(encoding="utf-8").strip())
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"cannot load the pseudonym secret: {error}") from error
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"{path} must hold at least {MIN_SECRET_BYTES} bytes (hex)")
    return secret


def replay(
    since: str | None = typer.Option(None, help="Decided at or after (ISO 8601; UTC if naive)."),
    until: str | None = typer.Option(None, help="Decided before (ISO 8601)."),
    recipient: str | None = typer.Option(None, help="Recipient id."),
    event_type: str | None = typer.Option(None, help="Event type, e.g. REGISTRATION."),
    outcome: str | None = typer.Option(None, help="delivered, withheld or rejected."),
    reason: str | None = typer.Option(None, help="Reason code, e.g. CONSENT_WITHDRAWN."),
    jobseeker: str | None = typer.Option(
        None,
        help="'-': read the person's personal identity number from stdin; otherwise an "
        "agency jobseeker id (like --jobseeker-id). A personal id here is refused.",
    ),
    jobseeker_id: str | None = typer.Option(None, help="The agency's internal jobseeker id."),
    output: str = typer.Option("jsonl", "--format", help="jsonl or table."),
    audit_topic: list[str] = typer.Option(list(DECISION_TOPICS), help=AUDIT_TOPICS_HELP),
    agency_topic: str = typer.Option(AGENCY_EVENTS, help="Where to look the person up."),
    case: str | None = CASE_OPTION,
    lookup_topic: str = LOOKUP_TOPIC_OPTION,
) -> None:
    """Stream the audit decisions that match every filter given, then a summary. Naming a
    person (--jobseeker, --jobseeker-id) is a lookup: it needs --case and is recorded on the
    lookup chain before anything is shown."""
    if jobseeker not in (None, "-"):
        jobseeker_argument(jobseeker, jobseeker_id)  # refused before anything is read
    names_person = jobseeker is not None or jobseeker_id is not None
    if names_person:
        case_reference(case)  # refused before anything is read
    elif case is not None:
        raise UsageError(
            "--case goes with a lookup of a person (--jobseeker or --jobseeker-id); "
            "a replay without one records no lookup"
        )
    if output not in ("jsonl", "table"):
        raise typer.BadParameter("--format must be jsonl or table")
    if outcome is not None and outcome.upper() not in ("DELIVERED", "WITHHELD", "REJECTED"):
        raise typer.BadParameter("--outcome must be delivered, withheld or rejected")
    settings = load_kafka_settings()
    request = (
        lookup_request(LookupCommand.REPLAY, case, settings, lookup_topic) if names_person else None
    )
    codec = codec_for(HubSettings())
    pseudonyms = _person(settings, codec, agency_topic, jobseeker, jobseeker_id)
    if request is not None and pseudonyms is not None:
        _looked_up(settings, request, pseudonyms)
    wanted = DecisionFilter(
        since=_time(since),
        until=_time(until),
        recipient_id=recipient,
        event_type=event_type,
        outcome=outcome.upper() if outcome else None,
        reason=reason,
        audit_pseudonyms=pseudonyms,
    )
    unreadable = UnreadableCount()
    table = Table(title="audit decisions")
    for column in ("decided at", "place", "event", "recipient", "outcome", "reason", "purposes"):
        table.add_column(column)
    matched: list[dict[str, Any]] = []
    for item in stream_decisions(settings, codec, audit_topic, unreadable):
        if not wanted.matches(item.decision):
            continue
        matched.append({"outcome": item.decision["outcome"]})
        if output == "jsonl":
            line = {"place": str(item.place), **json_safe(item.decision)}
            out.file.write(json.dumps(line, ensure_ascii=False) + "\n")
            continue
        d = item.decision
        table.add_row(
            json_safe(d["decided_at"]),
            str(item.place),
            str(d.get("event_type") or "-"),
            str(d.get("recipient_id") or "-"),
            str(d["outcome"]) + (" (redelivery)" if d.get("redelivery") else ""),
            str(d.get("reason_code") or ""),
            ", ".join(d.get("purposes") or ()),
        )
    if output == "table":
        out.print(table)
    counts = outcome_counts(matched)
    summary = ", ".join(f"{name.lower()} {count}" for name, count in counts.items())
    err.print(f"[bold]{sum(counts.values())} decisions[/bold]: {summary}")
    if unreadable.places:
        err.print(f"[red]{len(unreadable.places)} unreadable audit records[/red]")
        raise typer.Exit(1)


def report(
    jobseeker: str | None = typer.Option(
        None,
        help="'-': read the person's personal identity number from stdin; otherwise an "
        "agency jobseeker id (like --jobseeker-id). A personal id here is refused.",
    ),
    jobseeker_id: str | None = typer.Option(None, help="The agency's internal jobseeker id."),
    output: str = typer.Option("text", "--format", help="text, json or html."),
    lang: str = typer.Option("sv", help="sv (default) or en."),
    out_file: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
    audit_topic: list[str] = typer.Option(list(DECISION_TOPICS), help=AUDIT_TOPICS_HELP),
    agency_topic: str = typer.Option(AGENCY_EVENTS, help="Where to look the person up."),
    recipients: str = typer.Option("auto", help="Recipient names from: auto, registry, file."),
    case: str | None = CASE_OPTION,
    lookup_topic: str = LOOKUP_TOPIC_OPTION,
) -> None:
    """The access report (GDPR art. 15) for one person: who received what, when and why,
    and who looked them up. Needs --case: the lookup is recorded on the lookup chain before
    anything is shown."""
    if jobseeker not in (None, "-"):
        jobseeker_argument(jobseeker, jobseeker_id)  # refused before anything is read
    if output not in ("text", "json", "html"):
        raise typer.BadParameter("--format must be text, json or html")
    if lang not in ("sv", "en"):
        raise typer.BadParameter("--lang must be sv or en")
    if jobseeker is None and jobseeker_id is None:
        raise typer.BadParameter("give --jobseeker (personal identity number) or --jobseeker-id")
    case_reference(case)  # refused before anything is read (stdin, topics)
    settings = load_kafka_settings()
    request = lookup_request(LookupCommand.ACCESS_REPORT, case, settings, lookup_topic)
    codec = codec_for(HubSettings())
    policy = current_policy()
    names = {r.id: r.name for r in current_recipients(settings, policy, recipients).recipients}
    pseudonyms = _person(settings, codec, agency_topic, jobseeker, jobseeker_id)
    assert pseudonyms is not None  # a person is named (checked above)
    recorded = _looked_up(settings, request, pseudonyms)
    wanted = DecisionFilter(audit_pseudonyms=pseudonyms)
    unreadable = UnreadableCount()
    own = [
        item.decision
        for item in stream_decisions(settings, codec, audit_topic, unreadable)
        if wanted.matches(item.decision)
    ]
    # Read after the lookup was recorded: this report's own lookup is among them.
    lookups = read_lookups(settings, codec, lookup_topic, pseudonyms, unreadable)
    built = build_access_report(
        own,
        recipient_names=names,
        purpose_descriptions={p.id: p.description for p in policy.purposes},
        lang=lang,  # type: ignore[arg-type]  # checked above
        generated_at=dt.datetime.now(dt.UTC),
        lookups=lookup_lines(lookups, lang, recorded["lookup_id"]),  # type: ignore[arg-type]
    )
    if unreadable.places:
        # An access report that may be missing decisions must not be handed out.
        raise ConfigurationError(f"{len(unreadable.places)} audit records cannot be read")
    if output == "json":
        text = json.dumps(render_json(built), ensure_ascii=False, indent=2) + "\n"
    elif output == "html":
        text = render_html(built)
    else:
        text = render_text(built)
    if out_file is not None:
        write_private(out_file, text)  # an access report is personal data: 0600
    else:
        out.file.write(text)
    if built.no_record:
        err.print("[bold]report[/bold]: no record of this person (no audit decision mentions them)")
        return
    err.print(
        f"[bold]report[/bold]: {len(built.deliveries)} deliveries to "
        f"{len(built.recipients)} recipients, {len(built.withheld)} withheld"
    )


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
