"""Errors of provisioning."""

from __future__ import annotations

from lovhub.errors import LovhubError

__all__ = ["ProvisioningError"]


class ProvisioningError(LovhubError):
    """The cluster refused, or drifted from, what the topology asks for."""

    code = "PROVISIONING_ERROR"
