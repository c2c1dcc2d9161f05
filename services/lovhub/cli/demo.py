"""``lovhub demo``: the main job, end to end on a real broker.

1. a real broker (the local one unless ``KAFKA_BOOTSTRAP_SERVERS`` is set), provisioned;
2. synthetic recipients with fresh key pairs, their topics and principals, registered in the
   recipient registry topic (added, or their new keys rotated in; every change audited);
3. a synthetic agency stream (consents given and withdrawn, special-category data,
   protected identities, a few percent invalid records) produced to the agency topic;
4. the hub worker, running as the least-privileged hub principal, until the stream is done;
5. every recipient reading and decrypting its own topic; the audit stream summarised;
   a record opened with another recipient's key failing; the broker refusing the hub
   principal a write to the agency topic.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from kafka import TopicPartition
from kafka.errors import TopicAuthorizationFailedError
from kafka.structs import OffsetAndMetadata
from rich.table import Table

from lovhub.audit.roles import WriterRole
from lovhub.audit.signing import SigningKey, load_signing_key
from lovhub.cli.console import err, out, say
from lovhub.cli.demo_story import second_act
from lovhub.codec import AUDIT_DECISION, RECIPIENT_RECORD, codec_for, default_store
from lovhub.crypto import CryptoError, RecordDecryptor, WrappedDataKey
from lovhub.crypto.state_keys import read_state_keys
from lovhub.devbroker import LocalBroker
from lovhub.kafka import admin_client, consumer, producer
from lovhub.kafka.aio import aio_client_config
from lovhub.kafka.reading import end_offsets, read_from
from lovhub.pipeline.delivery import DELIVERY_KIND_PATH
from lovhub.pipeline.hub import default_recipient_topic
from lovhub.private_files import write_private
from lovhub.provisioning.hub import provision_hub
from lovhub.provisioning.recipients import provision_recipient
from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AUDIT,
    AUDIT_CHECKPOINTS,
    HUB_STATE_CHANGELOG,
    RECIPIENT_CHANGES,
    RECIPIENT_HOLDS,
    RECIPIENT_REGISTRY,
)
from lovhub.pseudonyms import Pseudonymiser
from lovhub.registry import RecipientDirectory
from lovhub.registry.follower import RegistryFollower, read_registry
from lovhub.registry.operations import publish_changes
from lovhub.registry.seeding import plan_registration
from lovhub.runtime import write_world
from lovhub.settings import (
    HubSettings,
    KafkaSettings,
    kafka_bootstrap_in_environment,
    load_kafka_settings,
    state_dir,
)
from lovhub.synthetic import World, build_world, generate_scenario, pipeline_for
from lovhub.worker import HubWorker
from lovhub.worker.recipient_holds import RecipientHolds
from lovhub.worker.runner import Checkpointing, WorkerTopics
from lovhub.worker.store import StateStore

__all__ = ["demo"]

DEMO_GROUP = "lovhub-hub-demo"  # under the hub principal's group prefix


def _skip_history(settings: KafkaSettings, group: str) -> None:
    """Start the demo's worker at the current end: earlier runs' events are not this run's."""
    reader = consumer(settings, group_id=group)
    try:
        numbers = reader.partitions_for_topic(AGENCY_EVENTS)
        partitions = [TopicPartition(AGENCY_EVENTS, number) for number in numbers]
        ends = reader.end_offsets(partitions)
        reader.assign(partitions)
        reader.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in ends.items()})
    finally:
        reader.close()


def _broker_settings() -> KafkaSettings:
    if kafka_bootstrap_in_environment():
        return load_kafka_settings()
    broker = LocalBroker.default(progress=say)
    result = broker.up()
    say(
        f"local broker ready in {result.seconds_to_ready:.1f}s"
        if result.started
        else "local broker already running"
    )
    return broker.admin_settings()


def _demo_password(principal: str) -> str:
    """The demo owns its service principals' passwords, so it can run each service as its
    own principal (the hub worker as lovhub-hub, the report processor as lovhub-reports)."""
    path = state_dir() / "credentials" / f"{principal}.credentials.json"
    if path.exists():
        return str(json.loads(path.read_text(encoding="utf-8"))["password"])
    password = secrets.token_urlsafe(24)
    write_private(path, json.dumps({"username": principal, "password": password}, indent=2))
    return password


def demo(
    jobseekers: int = typer.Option(300, min=1, help="Synthetic jobseekers in the stream."),
    seed: int = typer.Option(0, help="Seed of the synthetic data (0: a new one each run)."),
) -> None:
    """Run the whole hub on a real broker with synthetic data, and show what happened."""
    admin_settings = _broker_settings()
    hub = HubSettings()
    hub_password = _demo_password(hub.hub_principal)
    reports_password = _demo_password(hub.reports_principal)
    world = build_world(valid_from=dt.datetime.now(dt.UTC).replace(microsecond=0))
    world_env = write_world(world, state_dir() / "demo")
    admin = admin_client(admin_settings)
    logins: dict[str, KafkaSettings] = {}
    try:
        provision_hub(
            admin,
            hub,
            hub_password=hub_password,
            reports_password=reports_password,
            credentials_dir=state_dir() / "credentials",
            progress=say,
        )
        # What `lovhub recipient add` does, with passwords the demo keeps in memory: each
        # synthetic recipient gets its topics, a principal and exactly its ACLs.
        for recipient in (*world.recipients.providers(), *world.recipients.third_parties()):
            password = secrets.token_urlsafe(18)
            provision_recipient(
                admin,
                recipient.id,
                provider=recipient.is_provider,
                password=password,
                partitions=hub.partitions,
                replication_factor=hub.replication_factor,
                replace_existing_credential=True,  # the demo's own synthetic recipients
            )
            logins[recipient.id] = admin_settings.with_credentials(recipient.id, password)
    finally:
        admin.close()
    say(f"provisioned; recipients: {', '.join(sorted(world.private_keys))}")
    signing_key = load_signing_key(Path(world_env[WriterRole.HUB_WORKER.key_variable]))
    lifecycle_key = load_signing_key(Path(world_env[WriterRole.RECIPIENT_LIFECYCLE.key_variable]))
    registered = asyncio.run(_register(aio_client_config(admin_settings), world, lifecycle_key))

    codec = codec_for(hub)
    seed = seed or int(time.time())
    scenario = generate_scenario(
        world,
        codec,
        jobseekers=jobseekers,
        seed=seed,
        invalid_rate=0.03,
        first_number=(seed % 8000) * 100_000 + 1,  # each run its own jobseekers
        # The agency topic's broker stamps each record (LogAppendTime) and the hub rejects
        # events dated over 30 days before that: the demo's history ends before today.
        start=dt.datetime.now(dt.UTC) - dt.timedelta(days=28),
    )
    _skip_history(admin_settings, DEMO_GROUP)
    recipient_topics = {
        r.id: default_recipient_topic(r)
        for r in (*world.recipients.providers(), *world.recipients.third_parties())
    }
    starts = {
        topic: end_offsets(admin_settings, topic) for topic in (AUDIT, *recipient_topics.values())
    }
    writer = producer(admin_settings)
    for key, value in scenario.records:
        writer.send(AGENCY_EVENTS, key=key, value=value)
    writer.flush()
    writer.close()
    say(
        f"produced {len(scenario.records)} agency events for {jobseekers} jobseekers "
        f"({sum(scenario.invalid.values())} deliberately invalid)"
    )

    hub_settings = admin_settings.with_credentials(hub.hub_principal, hub_password)
    pipeline = pipeline_for(world)
    pipeline.use_recipients(registered)  # the registry decides, as in `lovhub run`
    # As `lovhub run`: registry records count only when the signed change chain names them.
    follower = RegistryFollower(
        aio_client_config(hub_settings),
        policy=world.policy,
        known=registered,
        changes_topic=RECIPIENT_CHANGES,
        codec=codec,
    )
    worker = HubWorker(
        pipeline,
        client_config=aio_client_config(hub_settings),
        topics=WorkerTopics(AGENCY_EVENTS, AUDIT, HUB_STATE_CHANGELOG),
        group_id=DEMO_GROUP,
        store=StateStore(
            state_dir() / "demo" / "worker-state",
            read_state_keys(Path(world_env["LOVHUB_STATE_KEY_FILE"])),
        ),
        registry=follower,
        holds=RecipientHolds(aio_client_config(hub_settings), RECIPIENT_HOLDS),
        checkpoints=Checkpointing(signing_key, AUDIT_CHECKPOINTS),
    )

    async def work() -> None:
        try:
            await worker.run(idle_exit_after=3.0)
        finally:
            await follower.stop()

    started = time.monotonic()
    with err.status(f"hub worker running as {hub.hub_principal}"):
        asyncio.run(work())
    say(f"hub worker processed {worker.health.events} events in {time.monotonic() - started:.1f}s")

    _show_audit(admin_settings, starts[AUDIT], codec)
    _show_recipients(logins, world, recipient_topics, starts, codec)
    _show_workflows(logins, world, recipient_topics, starts, codec, scenario.events)
    _show_acl_refusal(hub_settings)
    reports_settings = admin_settings.with_credentials(hub.reports_principal, reports_password)
    second_act(world, scenario, world_env, admin_settings, reports_settings, logins, codec)


async def _register(
    config: dict[str, Any], world: World, signing_key: SigningKey
) -> RecipientDirectory:
    """Put the world's recipients and fresh keys into the registry; return what it holds."""
    now = dt.datetime.now(dt.UTC)
    changes = plan_registration(
        await read_registry(config),
        (*world.recipients.providers(), *world.recipients.third_parties()),
        actor="lovhub-demo",
        at=now,
        reason_code="DEMO",
        retire_old_keys=True,  # earlier runs' private keys are gone
    )
    await publish_changes(
        config,
        changes,
        codec=codec_for(HubSettings()),
        store=default_store(),
        signing_key=signing_key,
    )
    counted = Counter(str(change.action) for change in changes)
    say(
        f"registry {RECIPIENT_REGISTRY}: {counted['ADDED']} added, {counted['KEY_ROTATED']} "
        f"new keys; each change audited on {RECIPIENT_CHANGES}"
    )
    return await read_registry(
        config, policy=world.policy, changes_topic=RECIPIENT_CHANGES, codec=codec_for(HubSettings())
    )


def _show_audit(settings: KafkaSettings, start: dict[int, int], codec) -> None:  # type: ignore[no-untyped-def]
    decisions = [codec.decode(r.value, AUDIT_DECISION) for r in read_from(settings, AUDIT, start)]
    counted = Counter((d["outcome"], d["reason_code"] or "") for d in decisions)
    table = Table(title=f"audit decisions of this run ({len(decisions)})")
    table.add_column("outcome")
    table.add_column("reason")
    table.add_column("count", justify="right")
    for (outcome, reason), count in sorted(counted.items(), key=lambda item: -item[1]):
        table.add_row(outcome, reason, str(count))
    out.print(table)


def _follow_up_references(world: World, events: list[Any]) -> set[tuple[str, str]]:
    """(provider, its event reference) of each deregistration after that provider's
    assignment of the same person ended: what a follow-up delivery would be."""
    pseudonyms = Pseudonymiser(world.hub_secret)
    ended: dict[str, set[str]] = {}
    wanted = set()
    for event in events:
        if event is None:
            continue
        body = event["body"][1]
        if event["event_type"] == "ASSIGNMENT_ENDED":
            ended.setdefault(event["jobseeker_id"], set()).add(body["provider_id"])
        elif event["event_type"] == "DEREGISTRATION":
            for provider in ended.get(event["jobseeker_id"], ()):
                wanted.add((provider, pseudonyms.event_reference(provider, event["event_id"])))
    return wanted


def _show_workflows(logins, world: World, topics: dict[str, str], starts, codec, events) -> None:  # type: ignore[no-untyped-def]
    """The agency's flows as recipients saw them: handovers at assignment, registration-
    status answers on consent, outcomes followed up after the assignment (issue 11)."""
    follow_ups = _follow_up_references(world, events)
    table = Table(title="the agency's flows, as the recipients received them")
    for column in ("recipient", "handover records", "status answers", "follow-ups"):
        table.add_column(column, justify="right" if column != "recipient" else "left")
    totals = [0, 0, 0]
    for recipient_id, topic in sorted(topics.items()):
        counts = [0, 0, 0]
        for record in read_from(logins[recipient_id], topic, starts[topic]):
            body = codec.decode(record.value, RECIPIENT_RECORD)
            kinds = {f["value"] for f in body["fields"] if f["path"] == DELIVERY_KIND_PATH}
            counts[0] += "HANDOVER" in kinds
            counts[1] += "STATUS_ANSWER" in kinds
            counts[2] += (recipient_id, body["event_id"]) in follow_ups
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
        table.add_row(recipient_id, *(str(c) for c in counts))
    out.print(table)
    out.print(
        f"{totals[0]} handover records (facts from before the assignment), {totals[1]} status "
        f"answers on consent, {totals[2]} deliveries after an assignment ended (follow-up)"
    )


def _show_recipients(logins, world: World, topics: dict[str, str], starts, codec) -> None:  # type: ignore[no-untyped-def]
    """Each recipient reads its own topic with its own credentials, as a provider would."""
    table = Table(title="what each recipient read (as itself) and could decrypt")
    for column in ("recipient", "records", "fields in clear", "fields decrypted", "failures"):
        table.add_column(column, justify="right" if column != "recipient" else "left")
    stolen_attempts = stolen_opened = 0
    for recipient_id, topic in sorted(topics.items()):
        own = RecordDecryptor(
            recipient_id, {k.key_id: k for k in [world.private_keys[recipient_id]]}
        )
        thief_id = next(r for r in sorted(world.private_keys) if r != recipient_id)
        thief = RecordDecryptor(
            recipient_id, {world.private_keys[thief_id].key_id: world.private_keys[thief_id]}
        )
        records = read_from(logins[recipient_id], topic, starts[topic])
        clear = opened = failures = 0
        for record in records:
            body = codec.decode(record.value, RECIPIENT_RECORD)
            wrapped = WrappedDataKey.from_avro(body["data_key"]) if body["data_key"] else None
            for field in body["fields"]:
                if field["encrypted"] is None or wrapped is None:
                    clear += 1
                    continue
                where = {"topic": topic, "event_id": body["event_id"], "path": field["path"]}
                try:
                    own.open_field(wrapped, field["encrypted"], **where)
                    opened += 1
                except CryptoError:
                    failures += 1
                stolen_attempts += 1
                try:
                    thief.open_field(wrapped, field["encrypted"], **where)
                    stolen_opened += 1
                except CryptoError:
                    pass
        table.add_row(recipient_id, str(len(records)), str(clear), str(opened), str(failures))
    out.print(table)
    if stolen_opened:
        out.print(f"[red]✗ {stolen_opened} fields opened with another recipient's key[/red]")
        raise typer.Exit(1)
    out.print(
        f"[green]✓[/green] {stolen_attempts} encrypted fields tried with another "
        "recipient's key: none opened"
    )


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
