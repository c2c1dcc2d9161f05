"""``lovhub audit``: operators' tools over the audit stream."""

from __future__ import annotations

import typer

from lovhub.cli import audit_reconcile, audit_tools
from lovhub.cli.audit_verify import anchor, verify

__all__ = ["app"]

app = typer.Typer(help="Verify and query the audit stream.", no_args_is_help=True)
app.command("replay")(audit_tools.replay)
app.command("report")(audit_tools.report)
app.command("reconcile")(audit_reconcile.reconcile)


# `lovhub audit verify`: chain and checkpoint verification (lovhub.cli.audit_verify).
app.command()(verify)
# `lovhub audit anchor`: checkpoint heads to keep outside Kafka (lovhub.audit.anchors).
app.command()(anchor)
