"""``lovhub keys``: recipients' key pairs.

``generate`` writes the private key file (0600, optionally passphrase-protected: scrypt +
AES-256-GCM, see :mod:`lovhub.crypto.key_files`) and prints the public key as one line of
text, ``lovhub-pk-v1:<suite>:<key id>:<valid from>:<valid to>:<key>``, exactly what
``lovhub recipient add --public-key`` and ``rotate-key --public-key`` take (the line itself
or the ``.pub`` file it is also written to).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from lovhub.cli.console import out, say
from lovhub.crypto import generate_key_pair, suite_by_name, write_private_key_file
from lovhub.errors import ConfigurationError

__all__ = ["app", "parse_moment"]

app = typer.Typer(help="Recipient key pairs.", no_args_is_help=True)


def parse_moment(text: str | None, *, default: dt.datetime | None = None) -> dt.datetime | None:
    """An ISO date or date-time; naive values are taken as UTC."""
    if not text:
        return default
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"not an ISO date or date-time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@app.command()
def generate(
    suite: str = typer.Option(..., help="x25519 or mlkem768-x25519 (hybrid, post-quantum)."),
    out_path: Path = typer.Option(..., "--out", help="Private key file to write (0600)."),
    key_id: str | None = typer.Option(None, help="Default: derived from the public key."),
    valid_from: str | None = typer.Option(None, help="ISO date-time; default now."),
    valid_to: str | None = typer.Option(None, help="ISO date-time; default open-ended."),
    passphrase_file: Path | None = typer.Option(
        None, help="Protect the private key with the passphrase in this file."
    ),
    force: bool = typer.Option(False, help="Overwrite an existing key file."),
) -> None:
    """Write a new key pair; print the public key in the form `recipient add` takes."""
    chosen = suite_by_name(suite)
    if chosen is None:
        raise typer.BadParameter(f"unknown suite {suite!r}; use x25519 or mlkem768-x25519")
    if out_path.exists() and not force:
        raise ConfigurationError(f"{out_path} exists; pass --force to replace it")
    passphrase: str | None = None
    if passphrase_file is not None:
        try:
            passphrase = passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise ConfigurationError(f"cannot read the passphrase file: {error}") from error
        if not passphrase:
            raise ConfigurationError("the passphrase file is empty")
    start = parse_moment(valid_from, default=dt.datetime.now(dt.UTC))
    assert start is not None
    pair = generate_key_pair(
        chosen, valid_from=start, valid_to=parse_moment(valid_to), key_id=key_id
    )
    write_private_key_file(out_path, pair, passphrase)
    public_text = pair.public_key().to_text()
    public_file = out_path.with_name(out_path.name + ".pub")
    public_file.write_text(public_text + "\n", encoding="utf-8")
    say(
        f"private key {out_path} (0600{', passphrase-protected' if passphrase else ''}); "
        f"public key {public_file}; key id {pair.key_id}"
    )
    out.print(public_text, soft_wrap=True, highlight=False)
