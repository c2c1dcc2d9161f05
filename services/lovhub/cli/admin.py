"""``lovhub admin``: provisioning the cluster for the hub."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import typer
from pydantic import SecretStr
from rich.table import Table

from lovhub.audit.roles import WriterRole
from lovhub.cli.asyncapi import asyncapi
from lovhub.cli.console import out, say
from lovhub.cli.hub_files import hub_files
from lovhub.cli.recipient_k8s import k8s_hub_resources, k8s_service_users
from lovhub.credentials_file import credentials_text, write_credentials
from lovhub.crypto.state_keys import rotate_state_keys
from lovhub.kafka import admin_client
from lovhub.provisioning.hub import provision_agency_system, provision_hub
from lovhub.provisioning.topology import agency_principal_name
from lovhub.settings import HubSettings, PasswordSettings, load_kafka_settings, state_dir

__all__ = ["app"]

app = typer.Typer(help="Provision topics, principals and ACLs.", no_args_is_help=True)


def _revealed(password: SecretStr | None) -> str | None:
    """The password as given; an empty one stays empty (``SecretStr("")`` is falsy, so no
    ``or``): ``admin init`` sets what it is given."""
    return None if password is None else password.get_secret_value()


@app.command()
def init() -> None:
    """Create the hub's topics, its principals (lovhub-hub, lovhub-reports, lovhub-agency)
    and exactly their ACLs. Idempotent."""
    settings = load_kafka_settings()
    hub = HubSettings()
    passwords = PasswordSettings.from_environment()
    say(f"provisioning {settings.bootstrap_servers} as {settings.sasl_username}")
    client = admin_client(settings)
    try:
        result = provision_hub(
            client,
            hub,
            hub_password=_revealed(passwords.hub_password),
            reports_password=_revealed(passwords.reports_password),
            agency_password=_revealed(passwords.agency_password),
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
    for principal in result.principals:
        acls = principal.acls
        table.add_row(
            f"principal {principal.principal}",
            f"{'created' if principal.created else 'existing'}; ACLs: {acls.created} added, "
            f"{acls.removed} removed, {acls.unchanged} ok",
        )
        if principal.credentials_file:
            table.add_row(f"{principal.principal} credentials", str(principal.credentials_file))
    for drift in topics.drift:
        table.add_row("[yellow]drift[/yellow]", drift)
    out.print(table)


@app.command("signing-key")
def signing_key(
    out_path: Path = typer.Option(
        ...,
        "--out",
        help="Private key file (0600); the public key goes next to it (NAME.key -> NAME.pub)",
    ),
    force: bool = typer.Option(
        False,
        help="Replace an existing key (old checkpoints then "
        "verify only with the old public key: keep publishing it).",
    ),
    role: WriterRole | None = typer.Option(
        None,
        help="The writer role the key signs for (hub-worker, report-processor, redelivery, "
        "recipient-lifecycle); its public key is labelled with it. None: trusted for every "
        "chain.",
    ),
) -> None:
    """Create an Ed25519 audit signing key; print its key id."""
    from lovhub.audit.signing import write_signing_key

    public_path = (
        out_path.with_suffix(".pub")
        if out_path.suffix == ".key"
        else out_path.with_name(out_path.name + ".pub")
    )
    if out_path.exists() and not force:
        raise typer.BadParameter(f"{out_path} exists; pass --force to replace it")
    key = write_signing_key(out_path, public_path, role=role)
    table = Table(title="audit signing key")
    table.add_column("what")
    table.add_column("value")
    table.add_row("key id", key.key_id)
    table.add_row("private key (0600)", str(out_path))
    table.add_row("public key (publish it)", str(public_path))
    out.print(table)
    variable = (role or WriterRole.HUB_WORKER).key_variable
    say(f"set {variable} for its writer; append the .pub file to the published key file")


agency_app = typer.Typer(help="Principals of the agency's producing systems.")
app.add_typer(agency_app, name="agency")


@agency_app.command("add")
def agency_add(
    system: str = typer.Argument(..., help="The producing system's short name, e.g. ais."),
    credentials_out: Path | None = typer.Option(
        None, help="Write the credentials here (0600) instead of printing them once."
    ),
) -> None:
    """A principal lovhub-agency-SYSTEM that may WRITE the agency topic and nothing else."""
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,30}[a-z0-9]", system):
        raise typer.BadParameter("lower-case letters, digits and '-', 2-32 characters")
    principal = agency_principal_name(system)
    password = secrets.token_urlsafe(24)
    client = admin_client(load_kafka_settings())
    try:
        provision_agency_system(client, principal, password=password)
    finally:
        client.close()
    if credentials_out is not None:
        write_credentials(credentials_out, principal, password)
        say(f"credentials of {principal} written to {credentials_out} (0600)")
    else:
        out.print("SCRAM credentials (shown once, stored nowhere):", highlight=False)
        out.print(credentials_text(principal, password), end="", highlight=False, soft_wrap=True)


state_key_app = typer.Typer(help="The hub state key, which seals held facts at rest.")
app.add_typer(state_key_app, name="state-key")


@state_key_app.command("rotate")
def state_key_rotate(
    key_file: Path = typer.Option(
        ..., "--file", help="The hub state key file (LOVHUB_STATE_KEY_FILE)."
    ),
) -> None:
    """Add a fresh current key; older keys stay, to open what they sealed. Restart the hub
    worker to seal with the new key; each state is re-sealed when next written."""
    ring = rotate_state_keys(key_file)
    say(f"state key {ring.current} is current in {key_file}; {len(ring.keys)} keys held")
    say("restart the hub worker to use it")


app.command("asyncapi")(asyncapi)
app.command("hub-files")(hub_files)
app.command("k8s-service-users")(k8s_service_users)
app.command("k8s-hub-resources")(k8s_hub_resources)
