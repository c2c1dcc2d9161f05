"""The one format of a Kafka login file: what ``--credentials-out`` writes (``lovhub recipient
add``, ``lovhub admin agency add``) and what ``--password-file`` reads (``lovhub consume``,
``lovhub report``), so the file the hub's operators hand over works as it is.

    {"username": "<principal>", "password": "<SCRAM-SHA-512 password>"}

UTF-8 JSON, one object with exactly these two non-empty strings, written one line long with
mode 0600 (:mod:`lovhub.private_files`). Errors name the file's problem, never its content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lovhub.errors import ConfigurationError
from lovhub.private_files import write_private

__all__ = ["Credentials", "credentials_text", "read_credentials", "write_credentials"]

_KEYS = {"username", "password"}


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str = field(repr=False)


def credentials_text(username: str, password: str) -> str:
    """The file's content (also what is printed once when no file is named)."""
    return json.dumps({"username": username, "password": password}) + "\n"


def write_credentials(path: Path, username: str, password: str) -> None:
    write_private(path, credentials_text(username, password))


def read_credentials(path: Path) -> Credentials:
    """The login in ``path``; :class:`ConfigurationError` if it is not exactly the format."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"cannot read the credentials file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigurationError("the credentials file is not UTF-8") from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if (
        not isinstance(data, dict)
        or set(data) != _KEYS
        or not all(isinstance(data[k], str) and data[k] for k in _KEYS)
    ):
        raise ConfigurationError(
            f"{path} is not a credentials file: it must be the JSON object "
            '{"username": ..., "password": ...} that --credentials-out writes'
        )
    return Credentials(data["username"], data["password"])
