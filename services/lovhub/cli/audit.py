"""``lovhub audit``: operators' tools over the audit stream."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from lovhub.audit import ChainBreak, verify_chain
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.cli.console import err, out
from lovhub.codec import AUDIT_DECISION, CodecError, codec_for, default_store
from lovhub.kafka.reading import read_from
from lovhub.provisioning.topology import AUDIT
from lovhub.settings import HubSettings, load_kafka_settings

__all__ = ["app"]

app = typer.Typer(help="Verify and query the audit stream.", no_args_is_help=True)


@app.command()
def verify(topic: str = typer.Option(AUDIT, help="The audit topic.")) -> None:
    """Recompute every partition's hash chain; exit 1 at the first break, naming it."""
    settings = load_kafka_settings()
    codec = codec_for(HubSettings())
    encode = canonical_audit_encoder(default_store())
    records = read_from(settings, topic)
    partitions: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    unreadable: list[tuple[int, int]] = []
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"decoding {topic}", total=len(records))
        for record in records:
            try:
                partitions[record.partition].append(
                    (record.offset, codec.decode(record.value, AUDIT_DECISION))
                )
            except CodecError:
                unreadable.append((record.partition, record.offset))
            progress.advance(task)
    table = Table(title=f"audit chain of {topic}")
    for column in ("partition", "records verified", "result"):
        table.add_column(column)
    breaks: dict[int, ChainBreak] = {}
    for partition in sorted(partitions):
        ordered = sorted(partitions[partition], key=lambda item: item[0])
        broken, _, count = verify_chain(ordered, encode)
        if broken is not None:
            breaks[partition] = broken
        result = (
            f"[red]break at offset {broken.offset}: {broken.kind}[/red]" if broken else "[green]ok"
        )
        table.add_row(str(partition), str(count), result)
    for partition, offset in unreadable:
        table.add_row(str(partition), "-", f"[red]unreadable record at offset {offset}[/red]")
    out.print(table)
    if breaks or unreadable:
        raise typer.Exit(1)
