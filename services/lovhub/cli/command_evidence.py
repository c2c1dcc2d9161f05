"""What the operators' command-line chain writers share: the checkpoint topic and their
role's optional signing key (``lovhub recipient ...``, ``lovhub audit report|replay``)."""

from __future__ import annotations

from lovhub.audit.roles import WriterRole, signing_key_path
from lovhub.audit.signing import SigningKey, load_signing_key
from lovhub.cli.console import warn
from lovhub.provisioning.topology import AUDIT_CHECKPOINTS
from lovhub.settings import ServiceSettings

__all__ = ["checkpoint_topic", "optional_signing_key"]


def checkpoint_topic(settings: ServiceSettings | None = None) -> str:
    """Where the chain's checkpoints go: ``LOVHUB_CHECKPOINT_TOPIC`` or the hub's."""
    settings = settings or ServiceSettings.from_environment()
    return settings.checkpoint_topic or AUDIT_CHECKPOINTS


def optional_signing_key(role: WriterRole, what: str) -> SigningKey | None:
    """``role``'s signing key when this machine holds it; the chain is then checkpointed.
    Operators' machines without it still chain ``what`` they record, with a warning."""
    path = signing_key_path(role)
    if path is None:
        warn(
            f"{role.key_variable} is not set: {what} is chained but not checkpointed until a "
            f"holder of the {role} signing key runs"
        )
        return None
    return load_signing_key(path)
