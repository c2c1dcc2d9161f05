"""``lovhub run`` and ``lovhub health``: the hub worker and its liveness check."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import typer

from lovhub.audit.checkpoints import CheckpointCadence
from lovhub.cli.console import out, say
from lovhub.cli.service import (
    HTTP_HOST_OPTION,
    HTTP_PORT_OPTION,
    load_service_materials,
    run_until_stopped,
    service_kafka_settings,
    serving_endpoints,
)
from lovhub.crypto.state_keys import StateKeyRing
from lovhub.kafka.aio import aio_client_config
from lovhub.pipeline import HubPipeline
from lovhub.pipeline.hub import default_recipient_topic
from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AUDIT,
    AUDIT_CHECKPOINTS,
    DEAD_LETTER,
    HUB_STATE_CHANGELOG,
    RECIPIENT_HOLDS,
    RECIPIENT_REGISTRY,
)
from lovhub.registry import Recipient
from lovhub.runtime import hub_pipeline
from lovhub.service.collector import tune_collector
from lovhub.settings import (
    ALLOW_ADMIN_VARIABLE,
    INSTANCE_ID_VARIABLE,
    REGISTRY_TOPIC_VARIABLE,
    HubSettings,
    KafkaSettings,
    state_dir,
)
from lovhub.worker import HubWorker
from lovhub.worker.recipient_holds import RecipientHolds
from lovhub.worker.runner import Checkpointing, WorkerTopics
from lovhub.worker.store import StateStore

__all__ = ["health", "run"]


def _health_file(directory: Path) -> Path:
    return directory / "health.json"


def run(
    group: str = typer.Option("lovhub-hub", help="Consumer group (must start with lovhub-)."),
    source_topic: str = typer.Option(AGENCY_EVENTS, help="The agency's event topic."),
    audit_topic: str = typer.Option(AUDIT),
    dead_letter_topic: str = typer.Option(DEAD_LETTER),
    changelog_topic: str = typer.Option(HUB_STATE_CHANGELOG),
    recipient_topic_template: str = typer.Option(
        "", help="e.g. 'staging.{id}'; empty: lov.provider.<id>.v1 / lov.thirdparty.<id>.v1"
    ),
    worker_dir: Path | None = typer.Option(None, help="Local state; default <state>/worker."),
    idle_exit: float = typer.Option(0.0, help="Exit after this many idle seconds (0: never)."),
    max_batch: int = typer.Option(2000, min=1, help="Records per batch (latency vs. speed)."),
    registry_topic: str = typer.Option(
        RECIPIENT_REGISTRY,
        envvar=REGISTRY_TOPIC_VARIABLE.name,
        help="The recipient registry topic.",
    ),
    engine: str = typer.Option(
        "batch",
        help="'batch' (aiokafka, the default) or 'faust': the benchmark's per-event baseline "
        "only; refused (exit 2) on the batch engine's group or topics (agency, audit, "
        "dead-letter, real recipient topics).",
    ),
    checkpoint_topic: str = typer.Option(
        AUDIT_CHECKPOINTS, help="Where the signed audit checkpoints go (docs/audit-evidence.md)."
    ),
    holds_topic: str = typer.Option(
        RECIPIENT_HOLDS,
        help="Recipients whose topic refused the hub's writes, held until released "
        "(docs/operator-guide.md, 'A recipient's topic refuses writes').",
    ),
    allow_admin: bool = typer.Option(
        False,
        "--allow-admin",
        envvar=ALLOW_ADMIN_VARIABLE.name,
        help="Run even as the admin principal (it bypasses every ACL; refused otherwise).",
    ),
    http_port: int = HTTP_PORT_OPTION,
    http_host: str = HTTP_HOST_OPTION,
    instance_id: str = typer.Option(
        "",
        envvar=INSTANCE_ID_VARIABLE.name,
        help="Static group membership id (default: one made once per worker directory).",
    ),
) -> None:
    """Run a hub worker against the configured broker until stopped (SIGTERM, Ctrl-C)."""
    if engine == "faust":
        _refuse_faust_on_batch_resources(
            group, source_topic, audit_topic, dead_letter_topic, recipient_topic_template
        )
    settings = service_kafka_settings(HubSettings().hub_principal, allow_admin=allow_admin)
    materials, follower = load_service_materials(settings, registry_topic)
    directory = worker_dir or state_dir() / "worker"
    directory.mkdir(parents=True, exist_ok=True)

    def recipient_topic(recipient: Recipient) -> str:
        if recipient_topic_template:
            return recipient_topic_template.format(id=recipient.id)
        return default_recipient_topic(recipient)

    pipeline = hub_pipeline(
        materials,
        audit_topic=audit_topic,
        dead_letter_topic=dead_letter_topic,
        recipient_topic=recipient_topic,
    )
    if engine == "faust":
        if follower is not None:
            say("faust engine: recipients as read at start (restart to apply registry changes)")
        _run_faust(
            pipeline, settings, group, source_topic, audit_topic, directory, materials.state_keys
        )
        return
    if engine != "batch":
        raise typer.BadParameter(f"unknown engine {engine!r}; use 'batch' or 'faust'")
    tune_collector()  # after the materials: they stay out of every collection from now on
    worker = HubWorker(
        pipeline,
        client_config=aio_client_config(settings),
        topics=WorkerTopics(source_topic, audit_topic, changelog_topic),
        group_id=group,
        store=StateStore(directory / "state", materials.hub_state_keys()),
        health_file=_health_file(directory),
        max_batch=max_batch,
        registry=follower,
        holds=RecipientHolds(aio_client_config(settings), holds_topic),
        instance_id=instance_id or _instance_id_of(directory),
        checkpoints=Checkpointing(
            materials.signing_key,
            checkpoint_topic,
            CheckpointCadence(
                HubSettings().checkpoint_every_records, HubSettings().checkpoint_every_seconds
            ),
        ),
    )
    say(
        f"hub worker on {settings.bootstrap_servers} as {settings.sasl_username}: policy "
        f"{materials.policy.version}, {len(materials.recipients)} recipients, group {group}"
    )

    with serving_endpoints(
        worker.metrics.registry,
        live=worker.liveness,
        ready=worker.readiness,
        port=http_port,
        host=http_host,
    ):
        run_until_stopped(worker, follower, idle_exit, settings)
    h = worker.health
    say(
        f"stopped: {h.events} events, {h.deliveries} deliveries, {h.audits} audit decisions, "
        f"{h.dead_letters} dead letters"
    )


def _instance_id_of(directory: Path) -> str:
    """The worker directory's static membership id, made on first start and kept: the
    same disk is the same group member (two workers must never share a directory)."""
    path = directory / "instance-id"
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    made = f"lovhub-hub-{uuid.uuid4().hex[:12]}"
    path.write_text(made + "\n", encoding="ascii")
    return made


def _refuse_faust_on_batch_resources(
    group: str, source: str, audit: str, dead_letter: str, recipient_template: str
) -> None:
    from lovhub.worker.faust_engine import batch_engine_collisions

    found = batch_engine_collisions(
        group=group,
        source=source,
        audit=audit,
        dead_letter=dead_letter,
        recipient_template=recipient_template,
    )
    if found:
        say(
            "refused: the faust engine is a benchmark baseline only (no registry follower, "
            "no checkpoints, its own state changelog) and never runs on the batch engine's "
            "group or topics: " + "; ".join(found)
        )
        raise typer.Exit(2)


def _run_faust(
    pipeline: HubPipeline,
    settings: KafkaSettings,
    group: str,
    source_topic: str,
    audit_topic: str,
    directory: Path,
    state_keys: StateKeyRing | None,
) -> None:
    import faust

    from lovhub.worker.faust_engine import FaustTopics, build_faust_app

    hub = HubSettings()
    app = build_faust_app(
        pipeline,
        settings=settings,
        topics=FaustTopics(source_topic, audit_topic),
        app_id=group,
        datadir=directory / "faust",
        partitions=hub.partitions,
        replication_factor=hub.replication_factor,
        sealer=state_keys,
    )
    say(f"faust engine: app {group}, one event at a time")
    faust.Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


def health(
    worker_dir: Path | None = typer.Option(None, help="Default <state>/worker."),
    max_age: float = typer.Option(30.0, help="Seconds after which silence means unhealthy."),
) -> None:
    """Exit 0 when the worker reports healthy recently, 1 otherwise."""
    path = _health_file(worker_dir or state_dir() / "worker")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        out.print(f"unhealthy: no health report at {path}")
        raise typer.Exit(1) from None
    age = time.time() - float(data.get("written_at", 0))
    if not data.get("healthy") or age > max_age:
        out.print(f"unhealthy: {data.get('reason') or f'no report for {age:.0f}s'}")
        raise typer.Exit(1)
    out.print(
        f"healthy ({data.get('state', 'running')}): {data['events']} events, "
        f"{data['deliveries']} deliveries"
    )
