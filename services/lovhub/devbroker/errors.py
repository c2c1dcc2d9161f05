"""Errors of the local development broker."""

from __future__ import annotations

from lovhub.errors import LovhubError

__all__ = ["BrokerError", "BrokerStartError", "MissingToolError", "PortInUseError"]


class BrokerError(LovhubError):
    """The local broker could not be prepared, started or stopped."""

    code = "BROKER_ERROR"


class MissingToolError(BrokerError):
    """Java 17+ or Maven is not installed (or too old)."""

    code = "MISSING_TOOL"


class PortInUseError(BrokerError):
    """Another process already listens on a port the broker needs."""

    code = "PORT_IN_USE"


class BrokerStartError(BrokerError):
    """The broker process exited or did not become ready in time."""

    code = "BROKER_START_FAILED"
