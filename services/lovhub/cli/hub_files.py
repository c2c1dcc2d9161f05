"""``lovhub admin hub-files``: the start-up files a deployment's hub services need.

The hub never holds the operators' private key: it only seals dead letters to their public
key. So the operators' key pair is either generated here with the private half written
outside the hub files, or an existing public key is copied in.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from pathlib import Path

import typer

from lovhub.audit.roles import WriterRole
from lovhub.audit.signing import write_signing_key
from lovhub.cli.console import out, say
from lovhub.crypto import (
    MLKEM768_X25519,
    generate_key_pair,
    parse_public_key,
    write_private_key_file,
)
from lovhub.crypto.state_keys import STATE_KEY_FILE_NAME, write_new_state_keys
from lovhub.errors import ConfigurationError
from lovhub.private_files import write_private

__all__ = ["hub_files"]

SECRET_BYTES = 32


def hub_files(
    out_dir: Path = typer.Option(..., "--out", help="Directory for the hub's files."),
    operator_key_out: Path | None = typer.Option(
        None, help="Generate the operators' key pair; its PRIVATE half goes here (0600)."
    ),
    operator_public_key: Path | None = typer.Option(
        None, help="Or use the operators' existing public key (a .pub file)."
    ),
    seed: Path | None = typer.Option(None, help="A recipients seed file to copy in."),
) -> None:
    """Write operator.pub, hub-secret.hex, state-keys.json (the hub state key, which seals
    the held facts in the worker's state; rotate with `lovhub admin state-key rotate`), one
    signing key per audit writer role (audit-signing.key for the hub worker, reports-,
    redelivery-, lifecycle- and lookup-signing.key) and audit-signing.pub, which publishes all
    five labelled with their roles (what compose mounts and the k8s Secrets hold). Refuses to
    overwrite an existing file."""
    if (operator_key_out is None) == (operator_public_key is None):
        raise typer.BadParameter("give exactly one of --operator-key-out or --operator-public-key")
    out_dir.mkdir(parents=True, exist_ok=True)
    names = (
        "operator.pub",
        "hub-secret.hex",
        STATE_KEY_FILE_NAME,
        *(role.key_file_name for role in WriterRole),
    )
    targets = [out_dir / n for n in names]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise ConfigurationError(f"refusing to overwrite {', '.join(existing)}")
    if operator_key_out is not None:
        if operator_key_out.resolve().parent == out_dir.resolve():
            raise ConfigurationError("the operators' private key must not sit with the hub files")
        key = generate_key_pair(MLKEM768_X25519, valid_from=dt.datetime.now(dt.UTC))
        write_private_key_file(operator_key_out, key)
        public_text = key.public_key().to_text()
        say(f"operators' private key written to {operator_key_out} (0600): keep it off the hub")
    else:
        assert operator_public_key is not None
        public_text = operator_public_key.read_text(encoding="utf-8").strip()
        parse_public_key(public_text)  # fails loudly on anything but a public key
    (out_dir / "operator.pub").write_text(public_text + "\n", encoding="utf-8")
    write_private(out_dir / "hub-secret.hex", secrets.token_hex(SECRET_BYTES) + "\n")
    write_new_state_keys(out_dir / STATE_KEY_FILE_NAME)
    published = ""
    for role in WriterRole:
        private = out_dir / role.key_file_name
        signing = write_signing_key(private, private.with_suffix(".pub"), role=role)
        published += signing.public_pem(role)
    (out_dir / "audit-signing.pub").write_text(published, encoding="ascii")
    if seed is not None:
        shutil.copyfile(seed, out_dir / "recipients.yaml")
    keys = ", ".join(role.key_file_name for role in WriterRole)
    out.print(
        f"hub files in {out_dir}: operator.pub, hub-secret.hex, {STATE_KEY_FILE_NAME}, {keys}, "
        "audit-signing.pub"
    )
    out.print(
        f"publish {out_dir / 'audit-signing.pub'}: verifiers check each chain's checkpoints "
        "with its role's key; give each service only its own .key"
    )
