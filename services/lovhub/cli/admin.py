"""``lovhub admin``: provisioning the cluster for the hub."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from lovhub.cli.console import out, say
from lovhub.kafka import admin_client
from lovhub.provisioning.hub import provision_hub
from lovhub.settings import HubSettings, load_kafka_settings, state_dir

__all__ = ["app"]

app = typer.Typer(help="Provision topics, principals and ACLs.", no_args_is_help=True)


@app.command()
def init() -> None:
    """Create the hub's topics, its worker principal and its ACLs. Idempotent."""
    settings = load_kafka_settings()
    hub = HubSettings()
    say(f"provisioning {settings.bootstrap_servers} as {settings.sasl_username}")
    client = admin_client(settings)
    try:
        result = provision_hub(
            client,
            hub,
            hub_password=os.environ.get("LOVHUB_HUB_PASSWORD"),
            credentials_dir=state_dir() / "credentials",
            progress=say,
        )
    finally:
        client.close()
    table = Table(title="lovhub admin init")
    table.add_column("what")
    table.add_column("result")
    topics = result.topics
    table.add_row("topics created", ", ".join(topics.created) or "-")
    table.add_row("topics reconfigured", ", ".join(topics.reconfigured) or "-")
    table.add_row("topics unchanged", str(len(topics.unchanged)))
    table.add_row(
        "hub principal",
        f"{result.hub_principal} ({'created' if result.principal_created else 'existing'})",
    )
    acls = result.acls
    table.add_row("hub ACLs", f"{acls.created} added, {acls.removed} removed, {acls.unchanged} ok")
    if result.credentials_file:
        table.add_row("hub credentials", str(result.credentials_file))
    for drift in topics.drift:
        table.add_row("[yellow]drift[/yellow]", drift)
    out.print(table)
