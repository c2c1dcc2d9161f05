"""``lovhub emit``: send agency events, given as JSON lines, to the agency topic.

Every line is checked as the hub will check it (:class:`lovhub.agency.EventLineChecker`)
before anything is sent; a refused line is reported on stderr with its number and reason
and is not sent, the others are. Records are keyed by the jobseeker id and produced with the
idempotent producer (``acks=all``), so one jobseeker's events reach one partition in input
order and a retry cannot duplicate or reorder them. The exit code is 0 only when every line
was sent. Run it as an agency principal (``lovhub admin agency add``): ``--password-file``
takes the credentials file that command writes.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import typer
from kafka.errors import KafkaError
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from lovhub.agency import Accepted, EventLineChecker
from lovhub.cli.console import err, say, warn
from lovhub.codec import codec_for, default_store
from lovhub.credentials_file import read_credentials
from lovhub.errors import BrokerUnreachableError, ConfigurationError, LovhubError
from lovhub.kafka import producer
from lovhub.policy import Policy, load_policy
from lovhub.provisioning.topology import AGENCY_EVENTS, AGENCY_PRINCIPAL_PREFIX
from lovhub.runtime import startup_file
from lovhub.settings import HubSettings, KafkaSettings, cluster_settings, load_kafka_settings

__all__ = ["EmitFailedError", "emit", "emit_lines"]

REFUSED_EXIT_CODE = 1
_SHARED_AGENCY_PRINCIPAL = AGENCY_PRINCIPAL_PREFIX.rstrip("-")


class EmitFailedError(LovhubError):
    """The broker refused or lost a record; what was read after it was not sent."""

    code = "EMIT_FAILED"


@dataclass
class EmitTally:
    sent: int = 0
    refused: int = 0
    failed: int = 0
    first_failure: str | None = None
    lines: int = 0

    def fail(self, error: BaseException) -> None:
        self.failed += 1
        self.first_failure = self.first_failure or type(error).__name__


@dataclass
class _Sender:
    """Produces accepted lines; a failed send stops further sends (order would break)."""

    client: Any
    topic: str
    tally: EmitTally = field(default_factory=EmitTally)

    def send(self, accepted: Accepted) -> None:
        future = self.client.send(self.topic, key=accepted.key, value=accepted.value)
        future.add_callback(self._sent)
        future.add_errback(self.tally.fail)

    def _sent(self, _metadata: Any) -> None:
        self.tally.sent += 1


def emit_lines(
    lines: Iterator[tuple[int, str]],
    checker: EventLineChecker,
    send: Any,
    tally: EmitTally,
    refused: IO[str],
) -> None:
    """Check each line and hand the accepted ones to ``send``; write each refusal to
    ``refused`` as one line. Stops at the first failed send (``tally.failed``)."""
    for number, text in lines:
        if tally.failed:
            return
        tally.lines = number
        if not text.strip():
            continue
        result = checker.check(number, text)
        if isinstance(result, Accepted):
            send(result)
        else:
            tally.refused += 1
            refused.write(f"refused {result}\n")


def _numbered(stream: IO[str], progress: Any, task: Any) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(stream, start=1):
        progress.update(task, advance=len(line.encode("utf-8")))
        yield number, line


def _agency_settings(password_file: Path | None) -> KafkaSettings:
    if password_file is not None:
        login = read_credentials(password_file)
        settings = cluster_settings().with_credentials(login.username, login.password)
    else:
        settings = load_kafka_settings()
    user = settings.sasl_username or ""
    if user != _SHARED_AGENCY_PRINCIPAL and not user.startswith(AGENCY_PRINCIPAL_PREFIX):
        warn(
            f"sending as {user or 'an unauthenticated client'}, not as an agency principal: "
            "create one with `lovhub admin agency add SYSTEM` and pass --password-file"
        )
    return settings


def _policy(policy_file: Path | None) -> Policy | None:
    try:
        path = policy_file or startup_file("LOVHUB_POLICY_FILE", "policy.yaml")
    except ConfigurationError:
        say("no policy found: purposes and categories are left to the hub to check")
        return None
    return load_policy(path)


def emit(
    source: Path = typer.Argument(Path("-"), help="JSON lines file, or - for stdin."),
    password_file: Path = typer.Option(
        None, help="The agency principal's credentials file (lovhub admin agency add)."
    ),
    check: bool = typer.Option(False, "--check", help="Check every line; send nothing."),
    schema_version: int = typer.Option(
        None, help="JobseekerEvent version to write (default: the newest)."
    ),
    topic: str = typer.Option(AGENCY_EVENTS, help="Agency topic (another name for staging)."),
    policy: Path = typer.Option(
        None, help="policy.yaml whose catalogue purposes are checked against (default: the hub's)."
    ),
) -> None:
    """Check agency events (JSON lines) as the hub will and send them to the agency topic."""
    codec = codec_for(HubSettings())
    checker = EventLineChecker(
        codec,
        default_store(),
        now=dt.datetime.now(dt.UTC),
        version=schema_version,
        policy=_policy(policy),
    )
    stream = sys.stdin if str(source) == "-" else _open(source)
    total = None if stream is sys.stdin else source.stat().st_size
    tally = EmitTally()
    columns = (TextColumn("checking" if check else "sending"), BarColumn(), TaskProgressColumn())
    client = None if check else _producer(_agency_settings(password_file))
    sender = _Sender(client, topic, tally) if client is not None else None
    try:
        quiet = not err.is_terminal  # a bar only where someone watches
        with Progress(*columns, console=err, transient=True, disable=quiet) as progress:
            task = progress.add_task("lines", total=total)
            send = sender.send if sender is not None else _count(tally)
            emit_lines(_numbered(stream, progress, task), checker, send, tally, sys.stderr)
            if client is not None:
                client.flush()
    except KafkaError as error:
        tally.fail(error)
    finally:
        if client is not None:
            client.close()
        if stream is not sys.stdin:
            stream.close()
    _report(tally, check, checker.version, topic)


def _producer(settings: KafkaSettings) -> Any:
    try:
        return producer(settings, client_id="lovhub-emit")
    except KafkaError as error:
        raise BrokerUnreachableError(
            f"cannot connect to {settings.bootstrap_servers} as "
            f"{settings.sasl_username or 'an unauthenticated client'}: "
            f"the broker is unreachable or refused the login [{type(error).__name__}]"
        ) from None


def _open(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"cannot read {path}: {error.strerror}") from None


def _count(tally: EmitTally) -> Any:
    def accept(_accepted: Accepted) -> None:
        tally.sent += 1

    return accept


def _report(tally: EmitTally, check: bool, version: int, topic: str) -> None:
    verb = "would send" if check else "sent"
    say(
        f"{verb} {tally.sent:,} events (JobseekerEvent v{version}) to {topic}; "
        f"refused {tally.refused:,} lines of {tally.lines:,}"
    )
    if tally.failed:
        raise EmitFailedError(
            f"the broker did not take {tally.failed:,} records ({tally.first_failure}); "
            f"lines after line {tally.lines:,} were not read; {tally.sent:,} were sent"
        )
    if tally.refused:
        raise typer.Exit(REFUSED_EXIT_CODE)
