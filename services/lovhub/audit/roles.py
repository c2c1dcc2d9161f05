"""Who may sign which audit chain: one signing key per writer role (issue 10, finding 6).

Each chained audit topic has exactly one kind of writer, and each kind holds its own Ed25519
key, so a stolen report-processor key cannot sign checkpoints over the hub's decisions, nor
the re-delivery key over recipient changes. The published public-key file labels each key
with its role (``lovhub-audit-role: ROLE`` on the line before its PEM block, text that PEM
parsers ignore); verifiers trust a labelled key only for its role's chains. A key published
without a label is trusted for every chain: what a single-key deployment had before.

The operators' lookup chain (issue 15, part 4) is written by whoever answers access
requests with ``lovhub audit report``: that role never falls back to the hub worker's key
(``LOVHUB_AUDIT_SIGNING_KEY_FILE``), so an access-report tool never loads it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from lovhub.errors import ConfigurationError
from lovhub.provisioning.topology import (
    AUDIT,
    LOOKUP_AUDIT,
    RECIPIENT_CHANGES,
    REDELIVERY_AUDIT,
    REPORT_AUDIT,
)
from lovhub.settings import StartupFiles

__all__ = [
    "ROLE_LABEL",
    "WriterRole",
    "required_signing_key_path",
    "role_of_chain",
    "signing_key_path",
]

ROLE_LABEL = "lovhub-audit-role:"


class WriterRole(StrEnum):
    HUB_WORKER = "hub-worker"
    REPORT_PROCESSOR = "report-processor"
    REDELIVERY = "redelivery"
    RECIPIENT_LIFECYCLE = "recipient-lifecycle"
    OPERATOR_LOOKUP = "operator-lookup"

    @property
    def key_variable(self) -> str:
        """The environment variable naming this role's private key file."""
        return _KEY_VARIABLES[self]

    @property
    def key_file_name(self) -> str:
        """The file name ``lovhub admin hub-files`` gives this role's private key."""
        return _KEY_FILES[self]


_KEY_VARIABLES = {
    WriterRole.HUB_WORKER: StartupFiles.variable("audit_signing_key_file"),
    WriterRole.REPORT_PROCESSOR: StartupFiles.variable("reports_signing_key_file"),
    WriterRole.REDELIVERY: StartupFiles.variable("redelivery_signing_key_file"),
    WriterRole.RECIPIENT_LIFECYCLE: StartupFiles.variable("lifecycle_signing_key_file"),
    WriterRole.OPERATOR_LOOKUP: StartupFiles.variable("lookup_signing_key_file"),
}
_KEY_FILES = {
    WriterRole.HUB_WORKER: "audit-signing.key",
    WriterRole.REPORT_PROCESSOR: "reports-signing.key",
    WriterRole.REDELIVERY: "redelivery-signing.key",
    WriterRole.RECIPIENT_LIFECYCLE: "lifecycle-signing.key",
    WriterRole.OPERATOR_LOOKUP: "lookup-signing.key",
}
_CHAIN_ROLES = {
    AUDIT: WriterRole.HUB_WORKER,
    REPORT_AUDIT: WriterRole.REPORT_PROCESSOR,
    REDELIVERY_AUDIT: WriterRole.REDELIVERY,
    RECIPIENT_CHANGES: WriterRole.RECIPIENT_LIFECYCLE,
    LOOKUP_AUDIT: WriterRole.OPERATOR_LOOKUP,
}
# Roles that came after the single-key deployments and never sign with the hub's key.
_NO_FALLBACK = frozenset({WriterRole.OPERATOR_LOOKUP})


def role_of_chain(audit_topic: str, default: WriterRole = WriterRole.HUB_WORKER) -> WriterRole:
    """The role whose key signs ``audit_topic``'s checkpoints (``default`` for a topic of
    another name, e.g. a staging chain: ``audit verify --role`` says which)."""
    return _CHAIN_ROLES.get(audit_topic, default)


def signing_key_path(role: WriterRole, files: StartupFiles | None = None) -> Path | None:
    """This role's private key file: its own variable, else (a single-key deployment)
    ``LOVHUB_AUDIT_SIGNING_KEY_FILE``; None when neither is set. The operator-lookup role
    reads only its own variable."""
    files = files or StartupFiles.from_environment()
    variables = [role.key_variable]
    if role not in _NO_FALLBACK:
        variables.append(WriterRole.HUB_WORKER.key_variable)
    for variable in variables:
        path = files.named(variable)
        if path is not None:
            return path
    return None


def required_signing_key_path(role: WriterRole, files: StartupFiles | None = None) -> Path:
    path = signing_key_path(role, files)
    if path is None:
        raise ConfigurationError(
            f"{role.key_variable} is not set: the {role} signs its audit checkpoints and does "
            "not run without its key (create them with `lovhub admin hub-files` or "
            "`lovhub admin signing-key --role ...`)"
        )
    return path
