"""``lovhub demo``: the main job, end to end on a local broker.

What it shows today: a real broker (the local one unless ``KAFKA_BOOTSTRAP_SERVERS`` is set),
the hub's topology provisioned, synthetic agency events encoded with the codec and produced
to the agency topic, read back as the least-privileged hub principal, and the broker refusing
that principal what its ACLs do not allow.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import uuid
from collections import Counter

import typer
from kafka import TopicPartition
from kafka.errors import TopicAuthorizationFailedError
from rich.progress import Progress
from rich.table import Table

from lovhub.cli.console import err, out, say
from lovhub.codec import JOBSEEKER_EVENT, Codec, codec_for, validate_jobseeker_event
from lovhub.codec.examples import EVENT_TYPES, jobseeker_event
from lovhub.devbroker import LocalBroker
from lovhub.kafka import admin_client, consumer, producer
from lovhub.private_files import write_private
from lovhub.provisioning.hub import provision_hub
from lovhub.provisioning.topology import AGENCY_EVENTS
from lovhub.settings import HubSettings, KafkaSettings, load_kafka_settings, state_dir

__all__ = ["demo"]


def _broker_settings() -> KafkaSettings:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get(
        "LOVHUB_KAFKA_BOOTSTRAP_SERVERS"
    ):
        return load_kafka_settings()
    broker = LocalBroker.default(progress=say)
    result = broker.up()
    say(
        f"local broker ready in {result.seconds_to_ready:.1f}s"
        if result.started
        else "local broker already running"
    )
    return broker.admin_settings()


def _demo_hub_password(principal: str) -> str:
    """The demo owns its hub principal's password, so it can log in as that principal."""
    path = state_dir() / "credentials" / f"{principal}.credentials.json"
    if path.exists():
        return str(json.loads(path.read_text(encoding="utf-8"))["password"])
    password = secrets.token_urlsafe(24)
    write_private(path, json.dumps({"username": principal, "password": password}, indent=2))
    return password


def demo(
    jobseekers: int = typer.Option(200, min=1, help="Synthetic jobseekers to generate."),
    events_per_jobseeker: int = typer.Option(5, min=1, help="Events per jobseeker."),
    seed: int = typer.Option(20261122, help="Seed of the synthetic data."),
) -> None:
    """Start the local broker, provision it, and push synthetic agency events through it."""
    admin_settings = _broker_settings()
    hub = HubSettings()
    hub_password = _demo_hub_password(hub.hub_principal)
    admin = admin_client(admin_settings)
    try:
        provision_hub(
            admin,
            hub,
            hub_password=hub_password,
            credentials_dir=state_dir() / "credentials",
            progress=say,
        )
    finally:
        admin.close()
    say(f"provisioned the hub's topics and the least-privileged principal {hub.hub_principal}")

    codec = codec_for(hub)
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
    total = jobseekers * events_per_jobseeker
    writer = producer(admin_settings)
    start_offsets = _end_offsets(admin_settings)
    sent: Counter[str] = Counter()
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("producing agency events", total=total)
        for _ in range(jobseekers):
            jobseeker_id = f"AF-{uuid.UUID(int=rng.getrandbits(128)).hex[:12]}"
            for _ in range(events_per_jobseeker):
                event_type = rng.choice(EVENT_TYPES)
                event = jobseeker_event(event_type, rng, jobseeker_id=jobseeker_id)
                writer.send(
                    AGENCY_EVENTS,
                    key=jobseeker_id.encode(),
                    value=codec.encode(JOBSEEKER_EVENT, event),
                )
                sent[event_type] += 1
                progress.advance(task)
        writer.flush()
    writer.close()
    say(f"produced {total} synthetic events for {jobseekers} jobseekers to {AGENCY_EVENTS}")

    hub_settings = admin_settings.with_credentials(hub.hub_principal, hub_password)
    received = _read_back_as_hub(hub_settings, codec, start_offsets, total)
    _show_counts(sent, received)
    _show_acl_refusal(hub_settings)
    if received != sent:
        raise typer.Exit(1)


def _end_offsets(settings: KafkaSettings) -> dict[TopicPartition, int]:
    reader = consumer(settings)
    try:
        partitions = [
            TopicPartition(AGENCY_EVENTS, p) for p in reader.partitions_for_topic(AGENCY_EVENTS)
        ]
        return dict(reader.end_offsets(partitions))
    finally:
        reader.close()


def _read_back_as_hub(
    settings: KafkaSettings,
    codec: Codec,
    start_offsets: dict[TopicPartition, int],
    expected: int,
) -> Counter[str]:
    reader = consumer(settings, group_id=f"lovhub-demo-{uuid.uuid4().hex[:8]}")
    reader.assign(list(start_offsets))
    for partition, offset in start_offsets.items():
        reader.seek(partition, offset)
    received: Counter[str] = Counter()
    count = 0
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("reading back as the hub principal", total=expected)
        idle_polls = 0
        while count < expected and idle_polls < 20:
            batches = reader.poll(timeout_ms=500)
            idle_polls = 0 if batches else idle_polls + 1
            for records in batches.values():
                for record in records:
                    event = codec.decode(record.value, JOBSEEKER_EVENT)
                    validate_jobseeker_event(event)
                    received[str(event["event_type"])] += 1
                    count += 1
                    progress.advance(task)
    reader.close()
    say(f"read back and validated {count} events as {settings.sasl_username}")
    return received


def _show_counts(sent: Counter[str], received: Counter[str]) -> None:
    table = Table(title="agency events through the broker")
    table.add_column("event type")
    table.add_column("produced", justify="right")
    table.add_column("read back", justify="right")
    for event_type in sorted(sent):
        table.add_row(event_type, str(sent[event_type]), str(received[event_type]))
    table.add_row("[bold]total", str(sum(sent.values())), str(sum(received.values())))
    out.print(table)


def _show_acl_refusal(hub_settings: KafkaSettings) -> None:
    """The hub may read agency events but never write them: the broker enforces it."""
    writer = producer(hub_settings, max_block_ms=15_000)
    try:
        writer.send(AGENCY_EVENTS, key=b"demo", value=b"forged").get(timeout=30)
    except TopicAuthorizationFailedError:
        out.print(
            f"[green]✓[/green] the broker refused {hub_settings.sasl_username} a write to "
            f"{AGENCY_EVENTS} (no ACL allows it)"
        )
        return
    finally:
        writer.close(timeout=5)
    out.print(f"[red]✗ {hub_settings.sasl_username} could write to {AGENCY_EVENTS}[/red]")
    raise typer.Exit(1)
