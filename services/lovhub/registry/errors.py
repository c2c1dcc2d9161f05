"""Errors of the recipient registry.

    LovhubError
    └── RegistryError        the recipients file is missing, not YAML or fails validation

Messages name the file and the offending entry (``recipients[2].organisation_number``);
recipients are organisations, so the registry holds no personal data.
"""

from __future__ import annotations

from lovhub.errors import LovhubError

__all__ = ["RegistryError"]


class RegistryError(LovhubError):
    """A recipients file or directory cannot be used."""

    code = "REGISTRY_INVALID"
