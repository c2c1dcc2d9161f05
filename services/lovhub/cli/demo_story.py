"""The demo's second act: a provider reports back, a jobseeker's access report is produced
under a case (each lookup recorded on the lookup chain), and operators verify the evidence.
Each step runs the real ``lovhub`` command a user would type, so the demo shows the commands
as well as their results."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typer

from lovhub.cli.console import out, say
from lovhub.client import encode_report, outcome_body, provider_report
from lovhub.client.kafka import send_report
from lovhub.client.reports import OutcomeKind
from lovhub.codec import Codec
from lovhub.provisioning.topology import provider_report_topic
from lovhub.settings import KafkaSettings, state_dir
from lovhub.synthetic import Scenario, World

__all__ = ["DemoJobseeker", "pick_jobseeker", "second_act", "send_reports", "show_command"]

# The case an access request is answered under (every lookup of a person names one).
DEMO_CASE = "DEMO-2026/000001"

LOVHUB = str(Path(sys.executable).parent / "lovhub")


class DemoJobseeker:
    """A jobseeker of this run with an assignment that never ended, and someone else."""

    def __init__(self, event: Mapping[str, Any], personal_id: str, stranger: str) -> None:
        body = event["body"][1]
        self.jobseeker_id: str = event["jobseeker_id"]
        self.provider_id: str = body["provider_id"]
        self.assigned_from: dt.date = body["valid_from"]
        self.personal_id = personal_id
        self.stranger = stranger  # a jobseeker never assigned to that provider


def pick_jobseeker(scenario: Scenario, world: World) -> DemoJobseeker | None:
    """The first jobseeker whose assignment to an active provider is still running."""
    events = [e for e in scenario.events if e is not None]
    ended = {e["body"][1]["assignment_id"] for e in events if e["event_type"] == "ASSIGNMENT_ENDED"}
    personal_ids = {
        e["jobseeker_id"]: e["body"][1]["personal_id"]
        for e in events
        if e["event_type"] == "REGISTRATION"
    }
    for event in events:
        if event["event_type"] != "ASSIGNMENT_STARTED":
            continue
        body = event["body"][1]
        provider = world.recipients.get(body["provider_id"])
        if body["assignment_id"] in ended or provider is None or not provider.is_active:
            continue
        if event["jobseeker_id"] not in personal_ids:
            continue
        assigned = {
            e["jobseeker_id"]
            for e in events
            if e["event_type"] == "ASSIGNMENT_STARTED"
            and e["body"][1]["provider_id"] == body["provider_id"]
        }
        strangers = sorted(set(personal_ids) - assigned)
        if strangers:
            return DemoJobseeker(event, personal_ids[event["jobseeker_id"]], strangers[0])
    return None


def send_reports(
    chosen: DemoJobseeker, world: World, login: KafkaSettings, codec: Codec
) -> list[str]:
    """As the provider: one outcome report on its own jobseeker, one on a stranger."""
    pseudonyms = world.pseudonymiser()
    sent = []
    for about, label in ((chosen.jobseeker_id, "assigned"), (chosen.stranger, "not assigned")):
        day = chosen.assigned_from + dt.timedelta(days=1)
        record = provider_report(
            provider_id=chosen.provider_id,
            report_type="OUTCOME",
            jobseeker_pseudonym=pseudonyms.for_recipient(chosen.provider_id, about),
            report_date=day,
            body=outcome_body(
                outcome=OutcomeKind.STARTED_WORK, outcome_date=day, extent_percent=75
            ),
            submitted_at=dt.datetime.now(dt.UTC),
        )
        key, value = encode_report(codec, record)
        send_report(login, provider_report_topic(chosen.provider_id), key, value)
        sent.append(label)
    say(
        f"{chosen.provider_id} sent 2 outcome reports as itself: on a jobseeker assigned to it, "
        "and on one who is not"
    )
    return sent


def show_command(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    shown: str,
    must_succeed: bool = True,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``lovhub ARGS`` as a user would, print what it printed; exit 1 if it failed."""
    out.print(f"\n[bold]$ lovhub {shown}[/bold]", highlight=False)
    result = subprocess.run(
        [LOVHUB, *args],
        env={**env, "COLUMNS": "120"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # Already laid out for 120 columns: printed as is, not wrapped again.
    out.print(result.stdout.rstrip(), highlight=False, markup=False, soft_wrap=True)
    notes = [line for line in result.stderr.splitlines() if line.startswith("·")]
    for line in notes[-4:]:  # the command's own summary lines, not its progress bars
        out.print(line, style="dim", highlight=False, markup=False, soft_wrap=True)
    if result.returncode != 0:
        out.print(result.stderr.rstrip()[-3000:], highlight=False, markup=False)
        if must_succeed:
            out.print(f"[red]✗ lovhub {shown} exited {result.returncode}[/red]")
            raise typer.Exit(1)
    return result


def _login_env(settings: KafkaSettings) -> dict[str, str]:
    assert settings.sasl_password is not None
    return {
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "LOVHUB_KAFKA_SECURITY_PROTOCOL": str(settings.security_protocol),
        "LOVHUB_KAFKA_SASL_MECHANISM": str(settings.sasl_mechanism),
        "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
        "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
    }


def second_act(
    world: World,
    scenario: Scenario,
    world_env: dict[str, str],
    admin_settings: KafkaSettings,
    reports_settings: KafkaSettings,
    logins: dict[str, KafkaSettings],
    codec: Codec,
) -> None:
    """Reports back to the agency, the evidence verified, and one person's access report."""
    # Not a setting read: the environment the demo's `lovhub` subprocesses inherit (PATH,
    # HOME, the user's own variables), with the demo's files and logins on top.
    files = {**os.environ, **world_env}
    reports_env, admin_env = (
        {**files, **_login_env(reports_settings)},
        {**files, **_login_env(admin_settings)},
    )
    chosen = pick_jobseeker(scenario, world)
    if chosen is not None:
        send_reports(chosen, world, logins[chosen.provider_id], codec)
        show_command(
            ["run-reports", "--idle-exit", "3"],
            reports_env,
            shown="run-reports --idle-exit 3        # the report processor, as lovhub-reports",
        )
    if chosen is not None:
        _access_reports(chosen, admin_env)
    # After the access reports: their lookups are on the lookup chain, verified with the rest.
    show_command(["audit", "verify"], admin_env, shown="audit verify")


def _access_reports(chosen: DemoJobseeker, admin_env: dict[str, str]) -> None:
    """One person's access report, as text and as a page; each lookup is recorded first."""
    person = f"<personal id of {chosen.jobseeker_id}>"
    show_command(
        ["audit", "report", "--jobseeker", "-", "--case", DEMO_CASE, "--lang", "en"],
        admin_env,
        stdin=chosen.personal_id,
        shown=f"audit report --jobseeker - --case {DEMO_CASE} --lang en   # stdin: {person}",
    )
    page = state_dir() / "demo" / "access-report.html"
    show_command(
        [
            "audit",
            "report",
            "--jobseeker",
            "-",
            "--case",
            DEMO_CASE,
            "--format",
            "html",
            "--out",
            str(page),
        ],
        admin_env,
        stdin=chosen.personal_id,
        shown=f"audit report --jobseeker - --case {DEMO_CASE} --format html --out {page}"
        f"   # stdin: {person}",
    )
