"""`lovhub consume` as a recipient, from the beginning of its topic: what it printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from lovhub.cli.main import app
from lovhub.credentials_file import write_credentials
from lovhub.crypto import RecipientPrivateKey, write_private_key_file
from lovhub.settings import KafkaSettings


def consume_as(
    recipient: str,
    settings: KafkaSettings,
    key: RecipientPrivateKey,
    directory: Path,
    *,
    third_party: bool = False,
) -> list[dict[str, Any]]:
    directory.mkdir(parents=True, exist_ok=True)
    key_file, password_file = directory / f"{recipient}.key", directory / f"{recipient}.pw"
    write_private_key_file(key_file, key)
    assert settings.sasl_password is not None
    write_credentials(password_file, recipient, settings.sasl_password.get_secret_value())
    result = CliRunner().invoke(
        app,
        [
            "consume",
            "--recipient",
            recipient,
            "--key",
            str(key_file),
            "--password-file",
            str(password_file),
            "--from-beginning",
            *(["--third-party"] if third_party else []),
        ],
        env={
            "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
            "LOVHUB_KAFKA_SECURITY_PROTOCOL": str(settings.security_protocol),
            "LOVHUB_KAFKA_SASL_USERNAME": "",
            "LOVHUB_KAFKA_SASL_PASSWORD": "",
        },
    )
    assert result.exit_code == 0, (result.output, repr(result.exception))
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
