"""The recipient registry: providers and third parties, their status, purposes and keys.

Pure: nothing here does I/O except :func:`load_recipients`, which reads one file.
"""

from lovhub.registry.directory import RecipientDirectory, load_recipients, parse_recipients
from lovhub.registry.errors import RegistryError
from lovhub.registry.model import PublicKeyEntry, Recipient, RecipientKind, RecipientStatus

__all__ = [
    "PublicKeyEntry",
    "Recipient",
    "RecipientDirectory",
    "RecipientKind",
    "RecipientStatus",
    "RegistryError",
    "load_recipients",
    "parse_recipients",
]
