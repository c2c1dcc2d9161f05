"""``lovhub report`` (a provider sends one report) and ``lovhub run-reports`` (the hub's
report processor: validate, forward to the agency or dead-letter, audit)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from lovhub.audit.roles import WriterRole
from lovhub.cli.console import out, say
from lovhub.cli.consume import recipient_settings
from lovhub.cli.service import (
    HTTP_HOST_OPTION,
    HTTP_PORT_OPTION,
    load_service_materials,
    run_until_stopped,
    service_kafka_settings,
    serving_endpoints,
)
from lovhub.client import (
    OutcomeKind,
    absence_body,
    activity_body,
    encode_report,
    outcome_body,
    provider_report,
)
from lovhub.client.kafka import send_report
from lovhub.codec import codec_for, default_store
from lovhub.kafka.aio import aio_client_config
from lovhub.provisioning.topology import (
    AGENCY_REPORTS,
    AUDIT_CHECKPOINTS,
    DEAD_LETTER,
    HUB_CONSUMER_GROUP_PREFIX,
    HUB_STATE_CHANGELOG,
    RECIPIENT_REGISTRY,
    REPORT_AUDIT,
    provider_report_topic,
)
from lovhub.pseudonyms import Pseudonymiser
from lovhub.reports import REPORT_TOPIC_PATTERN, ReportCore
from lovhub.reports.metrics import report_metrics
from lovhub.reports.processor import ReportProcessor, ReportTopics
from lovhub.settings import ALLOW_ADMIN_VARIABLE, REGISTRY_TOPIC_VARIABLE, HubSettings

__all__ = ["report", "run_reports"]


class ReportKind(StrEnum):
    ACTIVITY = "activity"
    ABSENCE = "absence"
    OUTCOME = "outcome"


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("expected YYYY-MM-DD", param_hint=name) from None


def _required(value: Any, name: str, kind: ReportKind) -> Any:
    if value is None:
        raise typer.BadParameter(f"required for --type {kind}", param_hint=name)
    return value


def report(
    recipient: str = typer.Option(..., "--recipient", help="Your provider id."),
    kind: ReportKind = typer.Option(..., "--type", help="activity, absence or outcome."),
    jobseeker: str = typer.Option(
        ..., "--jobseeker", help="Your pseudonym for the jobseeker (ps_...), as delivered."
    ),
    date: str = typer.Option(..., "--date", help="The day the report is about (YYYY-MM-DD)."),
    activity_code: str | None = typer.Option(None, help="activity: the catalogue code."),
    minutes: int | None = typer.Option(None, help="activity: duration in minutes (1-1440)."),
    note: str | None = typer.Option(None, help="activity: a note for the agency only."),
    absent_from: str | None = typer.Option(None, help="absence: first day (default --date)."),
    absent_to: str | None = typer.Option(None, help="absence: last day (default first day)."),
    notified: bool = typer.Option(
        False, "--notified/--not-notified", help="absence: notified in advance?"
    ),
    outcome: OutcomeKind | None = typer.Option(None, help="outcome: what the jobseeker started."),
    outcome_date: str | None = typer.Option(None, help="outcome: first day (default --date)."),
    employer_org_number: str | None = typer.Option(None, help="outcome: employer or school."),
    extent: int | None = typer.Option(None, help="outcome: percent of full time (1-100)."),
    report_id: str | None = typer.Option(None, help="A UUID; resending one id is idempotent."),
    assignment_id: str | None = typer.Option(None, help="The assignment, when you know it."),
    password_file: Path | None = typer.Option(
        None, help="Your credentials file (JSON username and password, as issued)."
    ),
    topic: str = typer.Option("", help="Send to this topic instead of your report topic."),
) -> None:
    """Send one report about a jobseeker assigned to you to your own report topic."""
    day = _day(date, "--date")
    assert day is not None
    if kind is ReportKind.ACTIVITY:
        body = activity_body(
            activity_code=_required(activity_code, "--activity-code", kind),
            occurred_on=day,
            duration_minutes=_required(minutes, "--minutes", kind),
            note=note,
        )
    elif kind is ReportKind.ABSENCE:
        first = _day(absent_from, "--absent-from") or day
        body = absence_body(
            absent_from=first,
            absent_to=_day(absent_to, "--absent-to") or first,
            notified=notified,
        )
    else:
        body = outcome_body(
            outcome=_required(outcome, "--outcome", kind),
            outcome_date=_day(outcome_date, "--outcome-date") or day,
            employer_org_number=employer_org_number,
            extent_percent=extent,
        )
    record = provider_report(
        provider_id=recipient,
        report_type=kind.name,
        jobseeker_pseudonym=jobseeker,
        report_date=day,
        body=body,
        submitted_at=dt.datetime.now(dt.UTC),
        report_id=report_id,
        assignment_id=assignment_id,
    )
    key, value = encode_report(codec_for(HubSettings()), record)
    destination = topic or provider_report_topic(recipient)
    settings = recipient_settings(recipient, password_file)
    partition, offset = send_report(settings, destination, key, value)
    out.print(f"report {record['report_id']} sent to {destination} [{partition}:{offset}]")


def run_reports(
    group: str = typer.Option("lovhub-reports", help="Consumer group (must start with lovhub-)."),
    reports_pattern: str = typer.Option(REPORT_TOPIC_PATTERN, help="Report topics to read."),
    changelog_topic: str = typer.Option(HUB_STATE_CHANGELOG, help="The hub's state changelog."),
    agency_topic: str = typer.Option(AGENCY_REPORTS, help="Where valid reports go."),
    dead_letter_topic: str = typer.Option(DEAD_LETTER),
    audit_topic: str = typer.Option(REPORT_AUDIT, help="The report audit chain (1 partition)."),
    checkpoint_topic: str = typer.Option(
        AUDIT_CHECKPOINTS, help="Where the signed checkpoints of the report chain go."
    ),
    registry_topic: str = typer.Option(
        RECIPIENT_REGISTRY,
        envvar=REGISTRY_TOPIC_VARIABLE.name,
        help="The recipient registry topic.",
    ),
    idle_exit: float = typer.Option(0.0, help="Exit after this many idle seconds (0: never)."),
    max_batch: int = typer.Option(500, min=1, help="Reports per batch."),
    allow_admin: bool = typer.Option(
        False,
        "--allow-admin",
        envvar=ALLOW_ADMIN_VARIABLE.name,
        help="Run even as the admin principal (it bypasses every ACL; refused otherwise).",
    ),
    http_port: int = HTTP_PORT_OPTION,
    http_host: str = HTTP_HOST_OPTION,
) -> None:
    """Run the report processor (ONE instance: it is the report audit chain's only writer)."""
    if not group.startswith(HUB_CONSUMER_GROUP_PREFIX):
        raise typer.BadParameter(
            f"must start with {HUB_CONSUMER_GROUP_PREFIX}", param_hint="--group"
        )
    settings = service_kafka_settings(HubSettings().reports_principal, allow_admin=allow_admin)
    materials, follower = load_service_materials(
        settings, registry_topic, role=WriterRole.REPORT_PROCESSOR
    )
    codec = codec_for(HubSettings())
    topics = ReportTopics(
        reports_pattern=reports_pattern,
        changelog=changelog_topic,
        agency=agency_topic,
        dead_letter=dead_letter_topic,
        audit=audit_topic,
        checkpoints=checkpoint_topic,
    )
    core = ReportCore(
        policy=materials.policy,
        recipients=materials.recipients.as_mapping(),
        pseudonymiser=Pseudonymiser(materials.hub_secret),
        operator_key=materials.operator_key,
        codec=codec,
        agency_topic=agency_topic,
        dead_letter_topic=dead_letter_topic,
    )
    processor = ReportProcessor(
        core,
        client_config=aio_client_config(settings),
        codec=codec,
        store=default_store(),
        topics=topics,
        group_id=group,
        max_batch=max_batch,
        registry=follower,
        signing_key=materials.signing_key,
    )
    say(
        f"report processor on {settings.bootstrap_servers} as {settings.sasl_username}: policy "
        f"{materials.policy.version}, {len(materials.recipients)} recipients, group {group}"
    )

    registry = report_metrics(
        processor.counts,
        holding=lambda: processor.unreadable is not None,
        ready=lambda: processor.readiness().ok,
    )
    with serving_endpoints(
        registry,
        live=processor.liveness,
        ready=processor.readiness,
        port=http_port,
        host=http_host,
    ):
        run_until_stopped(processor, follower, idle_exit, settings)
    counts = processor.counts
    say(
        f"stopped: {counts.reports} reports, {counts.forwarded} forwarded to the agency, "
        f"{counts.rejected} rejected (dead-lettered); {len(core.index)} assigned pseudonyms known"
    )
