"""What a long-running lovhub service shows the platform it runs on: Prometheus metrics and
Kubernetes probes on one small HTTP endpoint (:mod:`~lovhub.service.endpoints`), and log
lines as text or JSON (:mod:`~lovhub.service.logs`). Shared by ``lovhub run`` and
``lovhub run-reports``; nothing here decides anything."""

from lovhub.service.endpoints import STALL_SECONDS, Probe, ServiceEndpoints, loop_liveness
from lovhub.service.logs import configure_logging

__all__ = ["STALL_SECONDS", "Probe", "ServiceEndpoints", "configure_logging", "loop_liveness"]
