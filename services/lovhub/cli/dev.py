"""``lovhub dev``: the local single-node broker."""

from __future__ import annotations

import typer
from rich.table import Table

from lovhub.cli.console import out, say
from lovhub.devbroker import BrokerStatus, LocalBroker, LocalCluster
from lovhub.devbroker.cluster import ClusterStatus
from lovhub.settings import DevBrokerSettings, state_dir

__all__ = ["app"]

app = typer.Typer(help="Run a real local Kafka broker (no Docker needed).", no_args_is_help=True)

EXIT_NOT_RUNNING = 3  # as LSB init scripts' `status`


def _show(status: BrokerStatus) -> None:
    table = Table(show_header=False, box=None)
    table.add_row("state", "[green]running[/green]" if status.running else status.detail)
    table.add_row("pid", str(status.pid) if status.pid else "-")
    table.add_row("bootstrap", f"{status.bootstrap_servers} (SASL_PLAINTEXT)")
    if status.tls_bootstrap_servers:
        table.add_row("bootstrap (TLS)", f"{status.tls_bootstrap_servers} (SASL_SSL)")
        table.add_row("CA certificate", str(status.ca_file))
    table.add_row("credentials", str(status.connection_file))
    table.add_row("state dir", str(status.state_dir))
    out.print(table)


_BROKERS = typer.Option(
    1, "--brokers", min=1, max=9, help="1: the single broker; more: a KRaft cluster of them."
)


def _cluster(nodes: int) -> LocalCluster:
    port = DevBrokerSettings.from_environment().dev_cluster_port
    return LocalCluster(state_dir() / "cluster", nodes=nodes, base_port=port, progress=say)


def _show_cluster(status: ClusterStatus) -> None:
    table = Table(show_header=False, box=None)
    running = ", ".join(map(str, status.running)) or "none"
    table.add_row("nodes running", f"{running} of {status.nodes}")
    table.add_row("bootstrap", f"{status.bootstrap_servers} (SASL_PLAINTEXT)")
    table.add_row("credentials", str(status.connection_file))
    out.print(table)
    out.print(f"use it: export LOVHUB_CONNECTION_FILE={status.connection_file}", highlight=False)


@app.command()
def up(
    timeout: float = typer.Option(120.0, help="Seconds to wait for the broker to be ready."),
    brokers: int = _BROKERS,
) -> None:
    """Start the broker (fetches its jars with Maven the first time). Safe to repeat.
    ``--brokers 3``: a three-node KRaft cluster (each node broker and controller; ports from
    LOVHUB_DEV_CLUSTER_PORT, default 19192, ten apart), replication factor 3 and
    min.insync.replicas 2 for its internal topics; set LOVHUB_REPLICATION_FACTOR=3 for
    `lovhub admin init` to make the hub's topics the same way."""
    if brokers > 1:
        cluster = _cluster(brokers)
        seconds = cluster.up(timeout=max(timeout, 180.0))
        say(f"cluster ready in {seconds:.1f}s" if seconds else "cluster already running")
        _show_cluster(cluster.status())
        return
    broker = LocalBroker.default(progress=say)
    result = broker.up(timeout=timeout)
    if result.started:
        say(f"broker ready in {result.seconds_to_ready:.1f}s")
    else:
        say("broker already running")
    _show(result.status)


@app.command()
def down(brokers: int = _BROKERS) -> None:
    """Stop the broker cleanly; its data is kept for the next `up`."""
    if brokers > 1:
        _cluster(brokers).down()
        say("cluster stopped")
        return
    broker = LocalBroker.default(progress=say)
    if broker.down():
        say("broker stopped")
    else:
        say("broker was not running")


@app.command()
def status(brokers: int = _BROKERS) -> None:
    """Tell whether the broker runs; exit code 3 when it does not."""
    if brokers > 1:
        state = _cluster(brokers).status()
        _show_cluster(state)
        if len(state.running) < state.nodes:
            raise typer.Exit(EXIT_NOT_RUNNING)
        return
    current = LocalBroker.default().status()
    _show(current)
    if not current.running:
        raise typer.Exit(EXIT_NOT_RUNNING)


@app.command()
def reset(
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Stop the broker and delete all its data and credentials."""
    broker = LocalBroker.default(progress=say)
    if not yes:
        typer.confirm(f"Delete everything under {broker.layout.root}?", abort=True)
    broker.reset()
    say("broker data deleted")
