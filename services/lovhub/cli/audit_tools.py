"""``lovhub audit replay | report``: thin shells over :mod:`lovhub.operators`.

Both name a person by ``--jobseeker -`` (the personal id on stdin) or ``--jobseeker-id``;
doing so is a lookup, which needs ``--case`` and is recorded on the lookup chain before
anything is shown (:mod:`lovhub.cli.audit_lookups`). ``reconcile`` is in
:mod:`lovhub.cli.audit_reconcile`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from lovhub.cli.audit_io import (
    AUDIT_TOPICS_HELP,
    DECISION_TOPICS,
    UnreadableCount,
    agency_ids_of,
    current_policy,
    current_recipients,
    stream_decisions,
)
from lovhub.cli.audit_lookups import (
    CASE_OPTION,
    LOOKUP_TOPIC_OPTION,
    LookupRequest,
    lookup_request,
    read_lookups,
    record_lookup,
)
from lovhub.cli.console import err, out, say
from lovhub.codec import codec_for
from lovhub.core.reasons import Outcome
from lovhub.errors import ConfigurationError, LovhubError, UsageError
from lovhub.identity import is_personal_id_shape
from lovhub.operators.access_report import build_access_report, recipient_locations
from lovhub.operators.decisions import DecisionFilter, json_safe, outcome_counts
from lovhub.operators.lookups import LookupCommand, case_reference, lookup_lines
from lovhub.operators.report_render import render_html, render_json, render_text
from lovhub.private_files import write_private
from lovhub.provisioning.topology import AGENCY_EVENTS
from lovhub.pseudonyms import Pseudonymiser
from lovhub.runtime import MIN_SECRET_BYTES
from lovhub.settings import HubSettings, StartupFiles, load_kafka_settings

__all__ = ["PersonNotFoundError", "replay", "report"]


class PersonNotFoundError(LovhubError):
    """No agency record names the person (the message never repeats the number)."""

    code = "PERSON_NOT_FOUND"


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
    path = StartupFiles.from_environment().hub_secret_file
    if path is None:
        raise ConfigurationError(f"{StartupFiles.variable('hub_secret_file')} is not set")
    try:
        secret = bytes.fromhex(path.read_text(encoding="utf-8").strip())
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
    if outcome is not None and outcome.upper() not in Outcome.__members__:
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
    registered = current_recipients(settings, policy, recipients).recipients
    names = {r.id: r.name for r in registered}
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
        recipient_locations=recipient_locations(registered),
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
