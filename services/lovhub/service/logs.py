"""Log lines as text (the default) or one JSON object per line (``LOVHUB_LOG_FORMAT=json``),
for log collectors that parse fields. lovhub's own messages carry no personal data (codes,
counts, topics and offsets only); the JSON form adds nothing but structure."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from lovhub.errors import ConfigurationError
from lovhub.kafka.outage import RepeatedLines
from lovhub.settings import ServiceSettings

__all__ = ["LOG_FORMAT_VARIABLE", "JsonLines", "configure_logging"]

LOG_FORMAT_VARIABLE = ServiceSettings.variable("log_format")


class JsonLines(logging.Formatter):
    """``{"time", "level", "logger", "message"}`` and, with a traceback, ``"error"``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged, not when configured (a
    test runner or an embedding program may swap it, and close the old one)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        return None


def configure_logging(level: int = logging.INFO, settings: ServiceSettings | None = None) -> str:
    """Configure the root logger once, from ``LOVHUB_LOG_FORMAT`` (``text`` or ``json``);
    returns the format used."""
    settings = settings or ServiceSettings.from_environment()
    chosen = settings.log_format.strip().lower()
    if chosen not in ("text", "json"):
        raise ConfigurationError(f"{LOG_FORMAT_VARIABLE} must be 'text' or 'json'")
    handler = _CurrentStderr()
    if chosen == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # A broker outage must not flood the log with the client libraries' per-attempt lines.
    handler.addFilter(RepeatedLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return chosen
