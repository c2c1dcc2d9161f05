"""Errors of the recipient registry.

    LovhubError
    └── RegistryError        the recipients file is missing, not YAML or fails validation
        ├── LifecycleError   a lifecycle command that is not allowed (suspend twice, ...)
        └── AuditWriteError  the registry changed but its audit record could not be written

Messages name the file and the offending entry (``recipients[2].organisation_number``);
recipients are organisations, so the registry holds no personal data.
"""

from __future__ import annotations

from lovhub.errors import LovhubError

__all__ = ["AuditWriteError", "LifecycleError", "RegistryError"]


class RegistryError(LovhubError):
    """A recipients file or directory cannot be used."""

    code = "REGISTRY_INVALID"


class LifecycleError(RegistryError):
    """A lifecycle command is not allowed in the recipient's current state."""

    code = "LIFECYCLE_REFUSED"


class AuditWriteError(RegistryError):
    """The registry record was written but its change record was not: evidence is missing."""

    code = "AUDIT_WRITE_FAILED"
