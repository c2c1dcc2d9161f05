"""``lovhub generate``: a synthetic agency history as JSON lines, the form ``lovhub emit``
reads (:mod:`lovhub.agency.json_form`).

Seeded and reproducible: the same options (``--start`` included) give the same bytes. Life
events in their natural order (registration, assessment, assignment, consents, plan,
contact details, sometimes the end of the assignment and a deregistration), jobseekers
interleaved as the agency's systems emit them. Personal ids are Skatteverket's published test
numbers (:func:`lovhub.identity.synthetic_personal_id`): no line can name a real person.
Providers and third parties are those of the hub's recipient file (``--recipients``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from lovhub.agency import NamedTypes, event_to_json
from lovhub.cli.console import err, say
from lovhub.codec import JOBSEEKER_EVENT, default_store
from lovhub.errors import ConfigurationError
from lovhub.policy import load_policy
from lovhub.registry import load_recipients
from lovhub.runtime import startup_file
from lovhub.synthetic import agency_inputs

__all__ = ["generate", "json_lines"]

#: What a line of ``garbage`` looks like: not JSON, as a broken producer might send.
GARBAGE_LINE = "{not json"


def json_lines(inputs: Iterator[Any], types: NamedTypes) -> Iterator[str]:
    """One JSON line per generated input; a ``wrong_key`` input has no JSON form (``emit``
    always keys by the jobseeker id) and gives its event unchanged."""
    for item in inputs:
        if item.event is None:
            yield GARBAGE_LINE
        else:
            yield json.dumps(event_to_json(item.event, types), ensure_ascii=False)


def _default_start() -> dt.date:
    # Histories span about four weeks from the start: 28 days back keeps every event within
    # the hub's ingest bounds (at most 30 days backdated) when sent today.
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=28)).date()


def generate(
    jobseekers: int = typer.Option(100, min=1, help="How many jobseekers' histories."),
    seed: int = typer.Option(7, help="Seed of every random choice."),
    start: str = typer.Option(
        None, help="First day of the histories, YYYY-MM-DD (default: 28 days ago)."
    ),
    first_number: int = typer.Option(
        1, min=1, help="Number of the first jobseeker id (AS-<9 digits>), to keep runs apart."
    ),
    invalid_rate: float = typer.Option(
        0.0, min=0.0, max=1.0, help="Share of invalid lines mixed in (for testing emit)."
    ),
    out: Path = typer.Option(None, help="Write here instead of stdout."),
    recipients: Path = typer.Option(
        None,
        help="Recipient registry file naming the providers and third parties "
        "(default: LOVHUB_RECIPIENTS_FILE, else recipients.yaml beside the policy).",
    ),
) -> None:
    """Write a synthetic agency history as JSON lines (one event per line)."""
    try:
        first_day = dt.date.fromisoformat(start) if start else _default_start()
    except ValueError:
        raise ConfigurationError("--start must be a date YYYY-MM-DD") from None
    policy = load_policy(startup_file("LOVHUB_POLICY_FILE", "policy.yaml"))
    registry_file = recipients or startup_file("LOVHUB_RECIPIENTS_FILE", "recipients.yaml")
    inputs = agency_inputs(
        load_recipients(registry_file, policy=policy),
        jobseekers=jobseekers,
        seed=seed,
        invalid_rate=invalid_rate,
        first_number=first_number,
        start=dt.datetime.combine(first_day, dt.time(8), tzinfo=dt.UTC),
    )
    types = NamedTypes(default_store().get(JOBSEEKER_EVENT).raw)
    target: IO[str] = out.open("w", encoding="utf-8") if out else sys.stdout
    written = 0
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    try:
        quiet = not err.is_terminal  # a bar only where someone watches
        with Progress(*columns, console=err, transient=True, disable=quiet) as progress:
            task = progress.add_task("generating", total=None)
            for line in json_lines(inputs, types):
                target.write(line + "\n")
                written += 1
                if written % 1000 == 0:
                    progress.update(task, description=f"generated {written:,} lines")
    finally:
        if out:
            target.close()
        else:
            target.flush()
    where = f" to {out}" if out else ""
    say(f"generated {written:,} lines for {jobseekers:,} jobseekers{where} (seed {seed})")
