"""Entry point of the ``lovhub`` console script.

Errors of lovhub's own tree end the command with a one-line message and an exit code per
error family; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer

from lovhub.cli import admin, audit, demo, dev, keys, recipient
from lovhub.cli import consume as consume_command
from lovhub.cli import emit as emit_command
from lovhub.cli import generate as generate_command
from lovhub.cli import redeliver as redelivery_command
from lovhub.cli import reports as report_commands
from lovhub.cli import run as worker_commands
from lovhub.cli.console import err
from lovhub.compiled import stale_reason
from lovhub.devbroker import MissingToolError, PortInUseError
from lovhub.errors import ConfigurationError, LovhubError, UsageError

__all__ = ["app", "exit_code_for"]

app = typer.Typer(
    name="lovhub",
    help="lovhub: the consent-aware data-sharing hub between the agency and its LOV providers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(dev.app, name="dev")
app.add_typer(admin.app, name="admin")
app.add_typer(audit.app, name="audit")
app.add_typer(keys.app, name="keys")
app.add_typer(recipient.app, name="recipient")
app.command("demo")(demo.demo)
app.command("run")(worker_commands.run)
app.command("consume")(consume_command.consume)
app.command("emit")(emit_command.emit)
app.command("generate")(generate_command.generate)
app.command("report")(report_commands.report)
app.command("run-reports")(report_commands.run_reports)
app.command("health")(worker_commands.health)
app.command("redeliver")(redelivery_command.redeliver)


def _optional_commands() -> None:
    """Commands other distributions add (entry point group ``lovhub.commands``): the
    benchmark suite, ``lovhub-bench`` (benchmarks/), is not part of the lovhub wheel."""
    for entry in entry_points(group="lovhub.commands"):
        try:
            command = entry.load()
        except (ImportError, AttributeError) as error:
            # A broken add-on must not take the hub's own commands down with it.
            err.print(
                f"[yellow]warning[/yellow]: `lovhub {entry.name}` is unavailable: "
                f"{entry.value} cannot be loaded ({type(error).__name__})",
                soft_wrap=True,
            )
            continue
        app.command(entry.name)(command)


_optional_commands()

_EXIT_CODES: tuple[tuple[type[LovhubError], int], ...] = (
    (ConfigurationError, 2),
    (UsageError, 2),
    (MissingToolError, 3),
    (PortInUseError, 4),
)


def exit_code_for(error: LovhubError) -> int:
    for kind, code in _EXIT_CODES:
        if isinstance(error, kind):
            return code
    return 1


def run() -> None:
    stale = stale_reason()
    if stale is not None:  # a developer's checkout; an installed package has no such files
        err.print(
            f"[yellow]warning[/yellow]: the compiled hot path is stale ({stale}); "
            "run `make compile`"
        )
    try:
        app()
    except LovhubError as error:
        err.print(f"[bold red]error[/bold red] ({error.code}): {error}", soft_wrap=True)
        sys.exit(exit_code_for(error))
