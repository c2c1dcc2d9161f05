"""``lovhub dev``: the local single-node broker."""

from __future__ import annotations

import typer
from rich.table import Table

from lovhub.cli.console import out, say
from lovhub.devbroker import BrokerStatus, LocalBroker

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


@app.command()
def up(
    timeout: float = typer.Option(120.0, help="Seconds to wait for the broker to be ready."),
) -> None:
    """Start the broker (fetches its jars with Maven the first time). Safe to repeat."""
    broker = LocalBroker.default(progress=say)
    result = broker.up(timeout=timeout)
    if result.started:
        say(f"broker ready in {result.seconds_to_ready:.1f}s")
    else:
        say("broker already running")
    _show(result.status)


@app.command()
def down() -> None:
    """Stop the broker cleanly; its data is kept for the next `up`."""
    broker = LocalBroker.default(progress=say)
    if broker.down():
        say("broker stopped")
    else:
        say("broker was not running")


@app.command()
def status() -> None:
    """Tell whether the broker runs; exit code 3 when it does not."""
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
