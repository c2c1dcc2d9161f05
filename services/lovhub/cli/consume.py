"""``lovhub consume``: a recipient reads, verifies and decrypts its own deliveries.

Runs with the recipient's own credentials (user name = recipient id), so the broker lets it
read only its own topic and commit only in its own consumer groups. Output (JSON lines or a
table) goes to stdout; problems go to stderr with their offset and reason and make the
exit code non-zero. Offsets are committed only after a batch's output is flushed.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer
from kafka.errors import KafkaError
from rich.table import Table

from lovhub.cli.console import out, say
from lovhub.client import (
    ClientError,
    DeliveryOpener,
    DeliveryProblem,
    OpenedDelivery,
    load_private_keys,
)
from lovhub.client.deliveries import RecordPosition
from lovhub.client.kafka import DeliveryReader
from lovhub.codec import codec_for
from lovhub.credentials_file import read_credentials
from lovhub.errors import ConfigurationError
from lovhub.provisioning.topology import provider_topic, recipient_group_prefix, thirdparty_topic
from lovhub.settings import HubSettings, KafkaSettings, PasswordSettings, cluster_settings

__all__ = ["consume", "problem_line", "recipient_settings"]

PROBLEM_EXIT_CODE = 1


class OutputFormat(StrEnum):
    JSONL = "jsonl"
    TABLE = "table"


def recipient_settings(recipient: str, password_file: Path | None) -> KafkaSettings:
    """The cluster from the usual settings, authenticated as the recipient itself.

    The password comes from ``password_file`` (the credentials file ``--credentials-out``
    writes, :mod:`lovhub.credentials_file`; its user name must be the recipient), else from
    LOVHUB_KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD) when the configured user name is
    unset or the recipient's own.
    """
    base = cluster_settings()
    if password_file is not None:
        login = read_credentials(password_file)
        if login.username != recipient:
            raise ConfigurationError(
                f"{password_file} holds the login of {login.username}, not of {recipient}"
            )
        password = login.password
    elif base.sasl_password is not None and base.sasl_username in (None, "", recipient):
        password = base.sasl_password.get_secret_value()
    else:
        raise ConfigurationError(
            f"no password for {recipient}: pass --password-file, or set "
            f"LOVHUB_KAFKA_SASL_USERNAME={recipient} and LOVHUB_KAFKA_SASL_PASSWORD"
        )
    if not password:
        raise ConfigurationError("the recipient's password is empty")
    return base.with_credentials(recipient, password)


def _passphrase(passphrase_file: Path | None) -> str | None:
    if passphrase_file is None:
        given = PasswordSettings.from_environment().key_passphrase
        return (given.get_secret_value() if given is not None else "") or None
    try:
        return passphrase_file.read_text(encoding="utf-8").rstrip("\n")
    except OSError as error:
        raise ConfigurationError(f"cannot read the passphrase file: {error.strerror}") from None


def consume(
    recipient: str = typer.Option(..., "--recipient", help="Your recipient id."),
    keys: list[Path] = typer.Option(
        ..., "--key", help="Private key file; repeat for older keys after a rotation."
    ),
    from_beginning: bool = typer.Option(
        False, "--from-beginning", help="Read from the start, ignoring committed offsets."
    ),
    follow: bool = typer.Option(
        False, "--follow", help="Keep waiting for new deliveries (else stop at the end)."
    ),
    output_format: OutputFormat = typer.Option(OutputFormat.JSONL, "--format"),
    group: str = typer.Option("consume", "--group", help="Consumer group suffix: <id>.SUFFIX."),
    third_party: bool = typer.Option(
        False, "--third-party", help="Read lov.thirdparty.<id>.v1 instead of the provider topic."
    ),
    topic: str = typer.Option("", help="Read this topic instead (e.g. a staging name)."),
    password_file: Path | None = typer.Option(
        None, help="Your credentials file (JSON username and password, as issued)."
    ),
    passphrase_file: Path | None = typer.Option(
        None, help="File holding the key files' passphrase (or LOVHUB_KEY_PASSPHRASE)."
    ),
) -> None:
    """Read your deliveries, verify and decrypt every field, print each delivery once."""
    settings = recipient_settings(recipient, password_file)
    private_keys = load_private_keys(keys, _passphrase(passphrase_file))
    opener = DeliveryOpener(recipient, private_keys, codec_for(HubSettings()))
    source = topic or (thirdparty_topic(recipient) if third_party else provider_topic(recipient))
    group_id = recipient_group_prefix(recipient) + group
    try:
        shown, problems = _consume(
            opener, settings, source, group_id, from_beginning, follow, output_format
        )
    except KafkaError as error:  # e.g. wrong password, or a topic these credentials cannot read
        raise ClientError(f"the broker refused: {type(error).__name__}") from None
    say(
        f"{shown} deliveries, {opener.duplicates} duplicates dropped, "
        f"{problems} records not shown (problems)"
    )
    if problems:
        raise typer.Exit(PROBLEM_EXIT_CODE)


def _consume(
    opener: DeliveryOpener,
    settings: KafkaSettings,
    source: str,
    group_id: str,
    from_beginning: bool,
    follow: bool,
    output_format: OutputFormat,
) -> tuple[int, int]:
    shown = problems = 0
    with DeliveryReader(settings, source, group_id, from_beginning=from_beginning) as reader:
        say(f"reading {source} as {opener.recipient_id} (group {group_id})")
        try:
            for batch in reader.batches(follow=follow):
                opened: list[OpenedDelivery] = []
                for record in batch:
                    position = RecordPosition(record.topic, record.partition, record.offset)
                    result = opener.open(record.value, position)
                    if isinstance(result, DeliveryProblem):
                        problems += 1
                        _report_problem(result)
                    elif result is not None:
                        opened.append(result)
                _write(opened, output_format)
                shown += len(opened)
                reader.commit(batch)  # only now: the batch's output is written and flushed
        except KeyboardInterrupt:
            say("interrupted")
    return shown, problems


def problem_line(problem: DeliveryProblem) -> str:
    """One problem as exactly one line, whatever it holds: programs parse these lines."""
    where = problem.position
    line = (
        f"problem: topic={where.topic} partition={where.partition} offset={where.offset} "
        f"reason={problem.reason} ({problem.detail})"
    )
    return "".join(char if char.isprintable() else " " for char in line)


def _report_problem(problem: DeliveryProblem) -> None:
    # Not through the rich console: it wraps at the terminal's width (80 columns when
    # stderr is not a terminal), and a wrapped problem line reads as two lines.
    sys.stderr.write(problem_line(problem) + "\n")
    sys.stderr.flush()


def _write(deliveries: list[OpenedDelivery], output_format: OutputFormat) -> None:
    if not deliveries:
        return
    if output_format is OutputFormat.JSONL:
        for delivery in deliveries:
            sys.stdout.write(json.dumps(delivery.to_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    table = Table("offset", "event", "pseudonym", "purposes", "fields")
    for delivery in deliveries:
        fields = "\n".join(
            f"{f.path} = {json.dumps(f.value, ensure_ascii=False)}" for f in delivery.fields
        )
        table.add_row(
            f"{delivery.position.partition}:{delivery.position.offset}",
            delivery.event_type,
            delivery.jobseeker_pseudonym,
            ", ".join(delivery.purposes),
            fields,
        )
    out.print(table)
    out.file.flush()
