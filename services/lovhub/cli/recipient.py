"""``lovhub recipient``: onboarding and lifecycle of providers and third parties.

Every command runs as the admin principal (``load_kafka_settings``, like ``admin init``),
reads the registry topic, applies one pure lifecycle step (:mod:`lovhub.registry.lifecycle`)
and publishes the new registry record and its audited change record
(:mod:`lovhub.registry.operations`) before it reports success.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Table

from lovhub.cli.console import out, say
from lovhub.cli.keys import parse_moment
from lovhub.cli.recipient_holds import holds, release
from lovhub.cli.recipient_k8s import k8s_manifest
from lovhub.cli.recipient_support import (
    ACTOR,
    CHANGES,
    COUNTRY,
    HOSTING,
    REASON,
    REGISTRY,
    SUB_PROCESSOR,
    UNDERTAKING_REFERENCE,
    UNDERTAKING_SIGNED_ON,
    Session,
    iso_date,
    key_entry,
    policy,
    residency,
    undertaking,
    vetting_updates,
    where_and_undertaking,
)
from lovhub.credentials_file import credentials_text, write_credentials
from lovhub.kafka import admin_client
from lovhub.policy import describe_validation_error
from lovhub.provisioning.recipients import provision_recipient
from lovhub.registry import VETTING, Recipient, RecipientDirectory, load_recipients
from lovhub.registry import lifecycle as life
from lovhub.registry.errors import RegistryError
from lovhub.registry.operations import deprovision_recipient
from lovhub.registry.seeding import plan_registration
from lovhub.settings import HubSettings

__all__ = ["app"]

app = typer.Typer(help="Onboard recipients and manage their lifecycle.", no_args_is_help=True)


@app.command()
def add(
    recipient_id: str = typer.Option(..., "--id", help="Recipient id (also its principal)."),
    kind: str = typer.Option(..., help="provider or third-party."),
    organisation_number: str = typer.Option(..., help="Ten digits, Luhn check digit."),
    name: str = typer.Option(...),
    contract_id: str | None = typer.Option(None, help="LOV contract or data-sharing agreement."),
    service: list[str] = typer.Option([], help="Contracted service (repeat)."),
    purpose: list[str] = typer.Option(..., help="Contracted purpose catalogue id (repeat)."),
    contact: str | None = typer.Option(None, help="Functional contact (required for providers)."),
    representative: list[str] = typer.Option([], help="Authorised signatory (repeat)."),
    insurance_valid_until: str | None = typer.Option(None, help="ISO date (providers)."),
    undertaking_signed_on: str | None = UNDERTAKING_SIGNED_ON,
    undertaking_reference: str | None = UNDERTAKING_REFERENCE,
    country: str | None = COUNTRY,
    hosting: str | None = HOSTING,
    sub_processor: list[str] = SUB_PROCESSOR,
    public_key: list[str] = typer.Option([], help="Public key text or .pub file (repeat)."),
    credentials_out: Path | None = typer.Option(
        None, help="Write the generated credentials here (0600) instead of printing them."
    ),
    provision: bool = typer.Option(
        True,
        "--provision/--no-provision",
        help="Create topics, principal and ACLs; --no-provision on Strimzi (k8s-manifest).",
    ),
    reason: str | None = REASON,
    actor: str = ACTOR,
    registry_topic: str = REGISTRY,
    changes_topic: str = CHANGES,
) -> None:
    """Register a recipient: its topics, principal, ACLs, registry record and change record."""
    kinds = {"provider": "provider", "third-party": "third_party", "third_party": "third_party"}
    if kind not in kinds:
        raise typer.BadParameter("kind must be provider or third-party")
    try:
        recipient = Recipient.model_validate(
            {
                "id": recipient_id,
                "kind": kinds[kind],
                "organisation_number": organisation_number,
                "name": name,
                "contract_id": contract_id,
                "services": tuple(service),
                "purposes": tuple(purpose),
                "status": "active",
                "insurance_valid_until": iso_date(insurance_valid_until),
                "contact": contact,
                "representatives": tuple(representative),
                "undertaking": undertaking(undertaking_signed_on, undertaking_reference),
                "residency": residency(country, hosting, sub_processor),
                "keys": tuple(key_entry(k) for k in public_key),
            },
            context=VETTING,  # a new record: the vetting rules apply (contact, undertaking, ...)
        )
    except ValidationError as error:
        raise RegistryError(describe_validation_error("recipient add", error)) from None
    problems = RecipientDirectory(recipients=(recipient,)).problems_with(policy())
    if problems:
        raise RegistryError("; ".join(problems))
    session = Session(registry_topic, changes_topic, actor)
    change = life.add_recipient(
        session.directory(), recipient, actor=session.actor, at=session.now, reason_code=reason
    )
    if recipient.is_provider and life.insurance_expired(recipient, session.now.date()):
        raise RegistryError(f"recipient {recipient.id}: insurance already expired")
    if not provision:  # the cluster's operator provisions from `lovhub recipient k8s-manifest`
        session.publish([change])
        return
    password = secrets.token_urlsafe(24)
    hub = HubSettings()
    admin = admin_client(session.settings)
    try:
        provision_recipient(
            admin,
            recipient.id,
            provider=recipient.is_provider,
            password=password,
            partitions=hub.partitions,
            replication_factor=hub.replication_factor,
            hub_principal=hub.hub_principal,
            reports_principal=hub.reports_principal,
        )
    finally:
        admin.close()
    session.publish([change])
    if credentials_out is not None:
        write_credentials(credentials_out, recipient.id, password)
        say(f"credentials of {recipient.id} written to {credentials_out} (0600)")
    else:
        out.print("SCRAM credentials (shown once, stored nowhere):", highlight=False)
        out.print(credentials_text(recipient.id, password), end="", highlight=False, soft_wrap=True)


def _simple(
    step: str, recipient_id: str, actor: str, registry: str, changes: str, **kw: Any
) -> None:
    session = Session(registry, changes, actor)
    functions = {"suspend": life.suspend, "resume": life.resume, "terminate": life.terminate}
    change = functions[step](
        session.directory(), recipient_id, actor=session.actor, at=session.now, **kw
    )
    if step == "terminate":
        admin = admin_client(session.settings)
        try:  # access goes first: a failure below leaves the recipient active, re-runnable
            hub = HubSettings()
            deprovision_recipient(
                admin,
                recipient_id,
                hub_principal=hub.hub_principal,
                reports_principal=hub.reports_principal,
            )
        finally:
            admin.close()
    session.publish([change])
    out.print(f"{recipient_id}: {change.recipient.status}")


@app.command()
def suspend(
    recipient_id: str = typer.Argument(...),
    reason: str | None = REASON,
    actor: str = ACTOR,
    registry_topic: str = REGISTRY,
    changes_topic: str = CHANGES,
) -> None:
    """Stop deliveries to a recipient (withheld RECIPIENT_SUSPENDED from the next event)."""
    _simple("suspend", recipient_id, actor, registry_topic, changes_topic, reason_code=reason)


@app.command()
def resume(
    recipient_id: str = typer.Argument(...),
    insurance_valid_until: str | None = typer.Option(None, help="Renewed insurance (ISO date)."),
    undertaking_signed_on: str | None = UNDERTAKING_SIGNED_ON,
    undertaking_reference: str | None = UNDERTAKING_REFERENCE,
    country: str | None = COUNTRY,
    hosting: str | None = HOSTING,
    sub_processor: list[str] = SUB_PROCESSOR,
    reason: str | None = REASON,
    actor: str = ACTOR,
    registry_topic: str = REGISTRY,
    changes_topic: str = CHANGES,
) -> None:
    """Restart deliveries to a suspended recipient; the vetting options record an undertaking
    or residency its record lacks or that changed (the residency given replaces the old)."""
    _simple(
        "resume",
        recipient_id,
        actor,
        registry_topic,
        changes_topic,
        reason_code=reason,
        insurance_valid_until=iso_date(insurance_valid_until),
        **vetting_updates(
            undertaking_signed_on, undertaking_reference, country, hosting, sub_processor
        ),
    )


@app.command()
def terminate(
    recipient_id: str = typer.Argument(...),
    reason: str | None = REASON,
    actor: str = ACTOR,
    registry_topic: str = REGISTRY,
    changes_topic: str = CHANGES,
) -> None:
    """End a recipient: remove its ACLs and SCRAM credential; the record stays, terminated."""
    _simple("terminate", recipient_id, actor, registry_topic, changes_topic, reason_code=reason)


@app.command("rotate-key")
def rotate_key(
    recipient_id: str = typer.Argument(...),
    public_key: str = typer.Option(..., help="The new public key text or .pub file."),
    old_valid_to: str | None = typer.Option(
        None, help="ISO date-time the old keys stop (default: 30 days after the new key starts)."
    ),
    reason: str | None = REASON,
    actor: str = ACTOR,
    registry_topic: str = REGISTRY,
    changes_topic: str = CHANGES,
) -> None:
    """Make a new key current; old keys stay valid (for decryption) until --old-valid-to."""
    session = Session(registry_topic, changes_topic, actor)
    change = life.rotate_key(
        session.directory(),
        recipient_id,
        key_entry(public_key),
        actor=session.actor,
        at=session.now,
        old_valid_to=parse_moment(old_valid_to),
        reason_code=reason,
    )
    session.publish([change])
    out.print(f"{recipient_id}: current key {change.key_id}")


@app.command("check-insurance")
def check_insurance(
    day: str | None = typer.Option(None, help="ISO date to check against; default today (UTC)."),
    actor: str = ACTOR,
    registry_topic: str = REGISTRY,
    changes_topic: str = CHANGES,
) -> None:
    """Suspend every active provider whose insurance has expired (a daily job)."""
    session = Session(registry_topic, changes_topic, actor)
    checked = iso_date(day) or session.now.date()
    changes = list(
        life.expire_insurance(session.directory(), checked, actor=session.actor, at=session.now)
    )
    session.publish(changes)
    out.print(f"{len(changes)} provider(s) suspended for expired insurance on {checked}")


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="A recipients YAML file (e.g. the seed)."),
    actor: str = ACTOR,
    registry_topic: str = REGISTRY,
    changes_topic: str = CHANGES,
) -> None:
    """Publish a file's recipients into the registry (audited ADDED; existing ids skipped).

    Every recipient in the file must pass the vetting rules, as `recipient add`'s must.
    Registry records only: principals and ACLs are `recipient add`'s (or the demo's) job.
    """
    seed = load_recipients(path, policy=policy(), vetted=True)
    session = Session(registry_topic, changes_topic, actor)
    changes = plan_registration(
        session.directory(),
        seed.recipients,
        actor=session.actor,
        at=session.now,
        reason_code="SEED_IMPORT",
    )
    session.publish(changes)
    out.print(f"{len(changes)} change(s) from {path}; recipients already registered are kept")


@app.command("list")
def list_(registry_topic: str = REGISTRY, changes_topic: str = CHANGES) -> None:
    """Every recipient in the registry, one line each (only records the change chain attests)."""
    session = Session(registry_topic, changes_topic, "")
    table = Table(title=f"recipients in {registry_topic}")
    columns = ("id", "kind", "status", "insurance until", "data in", "current key", "keys")
    for column in (*columns, "purposes"):
        table.add_column(column)
    for r in session.directory().recipients:
        current = r.current_key(session.now)
        table.add_row(
            r.id,
            str(r.kind),
            str(r.status),
            str(r.insurance_valid_until or "-"),
            ", ".join(sorted(r.storage_countries)) or "-",
            current.key_id if current else "-",
            str(len(r.keys)),
            str(len(r.purposes)),
        )
    out.print(table)


@app.command()
def show(
    recipient_id: str = typer.Argument(...),
    registry_topic: str = REGISTRY,
    changes_topic: str = CHANGES,
) -> None:
    """One recipient's record with its keys and their validity (never any secret)."""
    session = Session(registry_topic, changes_topic, "")
    recipient = session.directory().get(recipient_id)
    if recipient is None:
        raise RegistryError(f"no recipient {recipient_id!r} in {registry_topic}")
    table = Table(title=f"recipient {recipient.id}", show_header=False)
    for label, value in (
        ("kind", recipient.kind),
        ("status", recipient.status),
        ("organisation number", recipient.organisation_number),
        ("name", recipient.name),
        ("contract", recipient.contract_id or "-"),
        ("services", ", ".join(recipient.services) or "-"),
        ("purposes", ", ".join(recipient.purposes)),
        ("contact", recipient.contact or "-"),
        ("representatives", ", ".join(recipient.representatives) or "-"),
        ("insurance valid until", recipient.insurance_valid_until or "-"),
        *where_and_undertaking(recipient),
    ):
        table.add_row(label, str(value))
    current = recipient.current_key(session.now)
    for key in recipient.keys:
        marker = " (current)" if current is not None and key.key_id == current.key_id else ""
        until = key.valid_to.isoformat() if key.valid_to else "open"
        table.add_row(
            f"key {key.key_id}{marker}", f"{key.suite}, {key.valid_from.isoformat()} → {until}"
        )
    out.print(table)


app.command("k8s-manifest")(k8s_manifest)
app.command("holds")(holds)
app.command("release")(release)
