"""A tiny in-process Confluent Schema Registry: just the two calls the codec makes.

- ``POST /subjects/{subject}/versions`` ``{"schema": "..."}`` -> ``{"id": N}``; the same
  schema text gets the same id, whatever the subject (as in the real registry).
- ``GET /schemas/ids/{id}`` -> ``{"schema": "..."}``, or 404 with error code 40403.

Runs a real HTTP server on 127.0.0.1 with an ephemeral port, so the codec's urllib client is
exercised for real. ``requests`` records every call, for asserting on caching.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["FakeSchemaRegistry"]

_REGISTER = re.compile(r"^/subjects/(?P<subject>[^/]+)/versions$")
_BY_ID = re.compile(r"^/schemas/ids/(?P<id>[0-9]+)$")


class FakeSchemaRegistry:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.schemas: dict[int, str] = {}
        self.subjects: dict[str, list[int]] = {}
        self.requests: list[tuple[str, str]] = []
        # While set, every lookup answers 503, as a registry in an outage does.
        self.unavailable = False
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll interval keeps shutdown (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, schema_text: str) -> int:
        """Register a schema directly (as another producer would have); returns its id."""
        with self._lock:
            if schema_text not in self.ids:
                # Ids start high so a test cannot pass by confusing an id with an index.
                new_id = 100 + len(self.ids)
                self.ids[schema_text] = new_id
                self.schemas[new_id] = schema_text
            return self.ids[schema_text]

    def __enter__(self) -> FakeSchemaRegistry:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                registry.requests.append(("POST", self.path))
                match = _REGISTER.match(self.path)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if match is None or not isinstance(body.get("schema"), str):
                    self._reply(422, {"error_code": 42201, "message": "Invalid schema"})
                    return
                schema_id = registry.add(body["schema"])
                subject = urllib.parse.unquote(match["subject"])
                versions = registry.subjects.setdefault(subject, [])
                if schema_id not in versions:
                    versions.append(schema_id)
                self._reply(200, {"id": schema_id})

            def do_GET(self) -> None:
                registry.requests.append(("GET", self.path))
                if registry.unavailable:
                    self._reply(503, {"error_code": 50301, "message": "Unavailable"})
                    return
                match = _BY_ID.match(self.path)
                text = registry.schemas.get(int(match["id"])) if match else None
                if text is None:
                    self._reply(404, {"error_code": 40403, "message": "Schema not found"})
                    return
                self._reply(200, {"schema": text})

        return Handler
