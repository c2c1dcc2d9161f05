"""``lovhub recipient k8s-manifest``: a recipient's Strimzi resources, for clusters where the
User Operator owns principals and ACLs (see :mod:`lovhub.provisioning.strimzi`)."""

from __future__ import annotations

import typer
import yaml

from lovhub.cli.console import out
from lovhub.identity import is_valid_recipient_id
from lovhub.provisioning.strimzi import recipient_resources
from lovhub.settings import HubSettings

__all__ = ["k8s_manifest"]


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
