"""The root of lovhub's error tree.

Every error lovhub raises on purpose derives from :class:`LovhubError`. Messages are meant for
operators' logs and must never carry personal data; each error also has a short, stable
``code`` that is safe to show to recipients and to write to the audit stream.

    LovhubError
    ├── ConfigurationError          settings missing or inconsistent
    ├── codec.CodecError            bytes that are not a record we can read
    │   ├── MalformedRecordError
    │   └── UnknownSchemaError
    ├── devbroker.BrokerError       the local broker could not be prepared or started
    │   ├── MissingToolError        Java 17+ or Maven not found
    │   └── PortInUseError
    └── provisioning.ProvisioningError
"""

from __future__ import annotations


class LovhubError(Exception):
    """Base class of lovhub's own errors."""

    code: str = "LOVHUB_ERROR"


class ConfigurationError(LovhubError):
    """Settings are missing or contradict each other."""

    code = "CONFIGURATION_ERROR"
