"""``/metrics``, ``/healthz`` and ``/readyz`` on one port, served from a daemon thread.

- ``/metrics``: the service's own Prometheus registry in the text format
  (``prometheus_client.generate_latest``).
- ``/healthz`` (liveness): 200 while the service's loop turns; 503 when it has not for the
  stall limit (a stuck process, which a restart cures). A fail-closed hold is *not* a
  liveness failure: the loop turns while it holds, and a restart would not help.
- ``/readyz`` (readiness): 200 once the service has joined its group and restored the state
  of every partition it owns; 503 before, during a restore and while stopping.

Each probe answers JSON ``{"ok": bool, "reason": str}``: codes and counts, never personal data.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

__all__ = ["STALL_SECONDS", "Probe", "ServiceEndpoints", "loop_liveness"]


@dataclass(frozen=True, slots=True)
class Probe:
    ok: bool
    reason: str = ""


#: Liveness fails when a service's loop has not turned for this long (a poll is 0.2 s, a
#: batch a second or two, a held batch polls every 0.1 s).
STALL_SECONDS = 60.0


def loop_liveness(
    turned_at: float,
    now: float,
    *,
    what: str,
    reason: str = "",
    stall_seconds: float = STALL_SECONDS,
) -> Probe:
    """Alive while ``what`` turns (``turned_at``, monotonic); ``reason`` says how it is."""
    quiet = now - turned_at
    if quiet > stall_seconds:
        return Probe(False, f"the {what} has not turned for {quiet:.0f}s")
    return Probe(True, reason)


class ServiceEndpoints:
    """The HTTP side of one service; ``live`` and ``ready`` are read on every request."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        live: Callable[[], Probe],
        ready: Callable[[], Probe],
        port: int,
        host: str = "0.0.0.0",  # noqa: S104 - a pod's probes and scrapes come from outside
    ) -> None:
        routes: dict[str, Callable[[], tuple[int, str, bytes]]] = {
            "/metrics": lambda: (200, CONTENT_TYPE_LATEST, generate_latest(registry)),
            "/healthz": lambda: _probe_response(live()),
            "/readyz": lambda: _probe_response(ready()),
        }
        self._server = ThreadingHTTPServer((host, port), _handler(routes))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lovhub-endpoints", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> ServiceEndpoints:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _probe_response(probe: Probe) -> tuple[int, str, bytes]:
    body = json.dumps({"ok": probe.ok, "reason": probe.reason}).encode()
    return (200 if probe.ok else 503), "application/json", body


def _handler(routes: dict[str, Callable[[], tuple[int, str, bytes]]]) -> type[Any]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path.split("?", 1)[0])
            status, content_type, body = route() if route else (404, "text/plain", b"not found")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None  # probes every few seconds would drown the service's own log

    return Handler
