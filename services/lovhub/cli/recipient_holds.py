"""``lovhub recipient holds`` and ``lovhub recipient release``: the recipients the hub holds
because their topic refused its writes (lovhub.worker.recipient_holds), and ending a hold
once the topic is repaired and the held window re-delivered.

Run as the admin principal, like every ``lovhub recipient`` command.
"""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from lovhub.cli.audit_io import UnreadableCount, stream_decisions, stream_topic
from lovhub.cli.console import out, say
from lovhub.cli.recipient_support import ACTOR
from lovhub.codec import codec_for
from lovhub.errors import ConfigurationError
from lovhub.kafka import producer
from lovhub.provisioning.topology import RECIPIENT_HOLDS, REDELIVERY_AUDIT
from lovhub.settings import KafkaSettings, load_kafka_settings
from lovhub.worker.recipient_holds import HoldBook, release_value

__all__ = ["holds", "release"]

HOLDS_TOPIC = typer.Option(RECIPIENT_HOLDS, help="The hub's recipient holds topic.")


def _book(settings: KafkaSettings, topic: str) -> HoldBook:
    book = HoldBook()
    for record in stream_topic(settings, topic, label=f"reading {topic}"):
        book.apply(record.key, record.value)
    return book


def holds(holds_topic: str = HOLDS_TOPIC) -> None:
    """The recipients the hub holds: their deliveries are withheld (RECIPIENT_UNAVAILABLE)."""
    book = _book(load_kafka_settings(), holds_topic)
    if not book.held:
        say("no recipient is held")
        return
    table = Table(title=f"recipients held ({holds_topic})")
    for column in ("recipient", "since", "refused topic", "error"):
        table.add_column(column)
    for recipient_id, hold in sorted(book.held.items()):
        table.add_row(recipient_id, hold.since.isoformat(), hold.topic, hold.cause)
    out.print(table)
    say(
        "for each: repair the topic or its ACL, `lovhub redeliver --recipient ID --unavailable`, "
        "then `lovhub recipient release ID`"
    )


def release(
    recipient_id: str = typer.Argument(...),
    actor: str = ACTOR,
    holds_topic: str = HOLDS_TOPIC,
    redelivery_audit_topic: str = typer.Option(
        REDELIVERY_AUDIT, help="Where `lovhub redeliver` audits its runs."
    ),
    nothing_owed: bool = typer.Option(
        False,
        "--nothing-owed",
        help="Release without a re-delivery since the hold began (nothing was withheld).",
    ),
) -> None:
    """End a hold: the hub delivers to the recipient again from the next batch on.

    Re-deliver the held window first (``lovhub redeliver --recipient ID --unavailable``):
    released before, new deliveries would overtake the withheld ones. Refused unless the
    re-delivery chain has a decision for the recipient made since the hold began, or
    ``--nothing-owed``.
    """
    settings = load_kafka_settings()
    hold = _book(settings, holds_topic).held.get(recipient_id)
    if hold is None:
        raise ConfigurationError(f"recipient {recipient_id} is not held")
    if not nothing_owed and not _redelivered_since(
        settings, redelivery_audit_topic, recipient_id, hold.since
    ):
        raise ConfigurationError(
            f"no re-delivery to {recipient_id} since its hold began ({hold.since.isoformat()}): "
            f"run `lovhub redeliver --recipient {recipient_id} --unavailable` first (released "
            "before, new deliveries overtake the withheld ones), or pass --nothing-owed if it "
            "says nothing was withheld"
        )
    writer = producer(settings)
    try:
        value = release_value(
            recipient_id,
            by=actor or settings.sasl_username or "operator",
            at=dt.datetime.now(dt.UTC),
        )
        writer.send(holds_topic, key=recipient_id.encode(), value=value).get(timeout=30)
    finally:
        writer.close(timeout=5)
    out.print(f"{recipient_id}: released; the hub delivers to it from its next batch")


def _redelivered_since(
    settings: KafkaSettings, topic: str, recipient_id: str, since: dt.datetime
) -> bool:
    # Unreadable records are counted apart (`lovhub audit verify` names them): they vouch
    # for nothing here.
    return any(
        item.decision.get("recipient_id") == recipient_id and item.decision["decided_at"] >= since
        for item in stream_decisions(settings, codec_for(None), [topic], UnreadableCount())
    )
