"""Errors of the provider client (messages name topics and codes, never record content)."""

from __future__ import annotations

from lovhub.errors import LovhubError

__all__ = ["ClientError"]


class ClientError(LovhubError):
    """The provider client cannot go on (e.g. its topic is not readable with its credentials)."""

    code = "CLIENT_ERROR"
