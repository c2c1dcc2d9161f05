"""The recipient registry: providers and third parties, their status, purposes and keys.

The model, the directory, records (:mod:`~lovhub.registry.records`), lifecycle
(:mod:`~lovhub.registry.lifecycle`) and seeding (:mod:`~lovhub.registry.seeding`) are pure;
:func:`load_recipients` reads one file; :mod:`~lovhub.registry.follower` reads and follows the
registry topic and :mod:`~lovhub.registry.operations` publishes changes (Kafka I/O).
"""

from lovhub.registry.accountability import Residency, SubProcessor, Undertaking
from lovhub.registry.directory import RecipientDirectory, load_recipients, parse_recipients
from lovhub.registry.errors import AuditWriteError, LifecycleError, RegistryError
from lovhub.registry.model import (
    VETTING,
    PublicKeyEntry,
    Recipient,
    RecipientKind,
    RecipientStatus,
)

__all__ = [
    "VETTING",
    "AuditWriteError",
    "LifecycleError",
    "PublicKeyEntry",
    "Recipient",
    "RecipientDirectory",
    "RecipientKind",
    "RecipientStatus",
    "RegistryError",
    "Residency",
    "SubProcessor",
    "Undertaking",
    "load_recipients",
    "parse_recipients",
]
