"""Strimzi resources for clusters where the User Operator owns principals and ACLs (see
:mod:`lovhub.provisioning.strimzi`): a recipient's (``lovhub recipient k8s-manifest``), the
services' users with every recipient (``lovhub admin k8s-service-users``) and the hub's own
topics and users (``lovhub admin k8s-hub-resources``)."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from lovhub.cli.console import out
from lovhub.cli.generated_files import write_or_check
from lovhub.identity import is_valid_recipient_id
from lovhub.provisioning.strimzi import (
    recipient_resources,
    render_hub_manifests,
    service_user_resources,
)
from lovhub.settings import HubSettings

__all__ = ["k8s_hub_resources", "k8s_manifest", "k8s_service_users"]

_HUB_COMMAND = "lovhub admin k8s-hub-resources --out-dir deploy/k8s"


def k8s_manifest(
    recipient_id: str = typer.Option(..., "--id", help="Recipient id (also its principal)."),
    kind: str = typer.Option(..., help="provider or third-party."),
    cluster: str = typer.Option("lovhub", help="The Strimzi Kafka cluster's name."),
    replicas: int = typer.Option(3, min=1, help="Replicas of the recipient's topics."),
) -> None:
    """Print the recipient's KafkaTopic and KafkaUser resources (YAML, for kubectl apply)."""
    if kind not in ("provider", "third-party"):
        raise typer.BadParameter("kind must be provider or third-party", param_hint="--kind")
    if not is_valid_recipient_id(recipient_id):
        raise typer.BadParameter("not a recipient id", param_hint="--id")
    resources = recipient_resources(
        recipient_id,
        provider=kind == "provider",
        partitions=HubSettings().partitions,
        replicas=replicas,
        cluster=cluster,
    )
    out.print(yaml.safe_dump_all(resources, sort_keys=False), end="", highlight=False)


def k8s_service_users(
    providers: list[str] = typer.Option([], "--provider", help="A provider id (repeat)."),
    third_parties: list[str] = typer.Option(
        [], "--third-party", help="A consent-based third party's id (repeat)."
    ),
    cluster: str = typer.Option("lovhub", help="The Strimzi Kafka cluster's name."),
) -> None:
    """Print the KafkaUsers of the hub worker and the report processor, with the literal
    rules on every listed recipient's topics (re-apply after each onboarding on Strimzi)."""
    for recipient_id in (*providers, *third_parties):
        if not is_valid_recipient_id(recipient_id):
            raise typer.BadParameter(f"not a recipient id: {recipient_id!r}")
    hub = HubSettings()
    resources = service_user_resources(
        hub_principal=hub.hub_principal,
        reports_principal=hub.reports_principal,
        providers=list(providers),
        third_parties=list(third_parties),
        cluster=cluster,
    )
    out.print(yaml.safe_dump_all(resources, sort_keys=False), end="", highlight=False)


def k8s_hub_resources(
    out_dir: Path = typer.Option(
        Path("deploy/k8s"), help="Where kafka-topics.yaml and kafka-users.yaml go."
    ),
    replicas: int = typer.Option(3, min=1, help="Replicas of the hub's topics."),
    cluster: str = typer.Option("lovhub", help="The Strimzi Kafka cluster's name."),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 if a file differs from a fresh build."
    ),
) -> None:
    """Write the hub's own KafkaTopics and KafkaUsers (Strimzi) from the topology: the
    committed deploy/k8s/kafka-topics.yaml and kafka-users.yaml are this output."""
    hub = HubSettings()
    manifests = render_hub_manifests(
        partitions=hub.partitions,
        replicas=replicas,
        hub_principal=hub.hub_principal,
        reports_principal=hub.reports_principal,
        agency_principal=hub.agency_principal,
        admin_principal=hub.admin_principal,
        cluster=cluster,
    )
    failed = False
    for name, text in manifests.items():
        try:
            write_or_check(out_dir / name, text, check=check, command=_HUB_COMMAND)
        except typer.Exit:
            failed = True
    if failed:
        raise typer.Exit(1)
