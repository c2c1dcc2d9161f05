"""The root of lovhub's error tree.

Every error lovhub raises on purpose derives from :class:`LovhubError`. Messages are meant for
operators' logs and must never carry personal data; each error also has a short, stable
``code`` that is safe to show to recipients and to write to the audit stream.

    LovhubError
    ├── ConfigurationError          settings missing or inconsistent
    ├── UsageError                  arguments a command refuses (exit 2, like click's)
    ├── BrokerUnreachableError      a service cannot log in to Kafka at start
    ├── codec.CodecError            bytes or records the codec cannot accept
    │   ├── MalformedRecordError    not Avro of a known framing
    │   ├── OversizedRecordError
    │   ├── UnknownSchemaError      fingerprint or schema id we do not know
    │   ├── InvalidFieldError       a field fails validation (path only, never the value)
    │   ├── SchemaStoreError        the schemas/ directory is inconsistent
    │   └── SchemaRegistryError     the registry is unreachable (not the data's fault)
    ├── identity.InvalidIdentifierError
    │   ├── InvalidPersonalIdError
    │   └── InvalidOrganisationNumberError
    ├── devbroker.BrokerError       the local broker could not be prepared or started
    │   ├── MissingToolError        Java 17+ or Maven not found
    │   └── PortInUseError
    ├── provisioning.ProvisioningError
    └── contract.ContractError      a topic without a contract (lovhub admin asyncapi)
"""

from __future__ import annotations

from typing import TypeVar

_E = TypeVar("_E", bound=BaseException)


def conceal(error: _E) -> _E:
    """``raise conceal(error)`` in an ``except`` block means ``raise error from None``: the
    exception being handled (whose message may quote personal data) is not shown with it.
    Modules of the compiled hot path must use this: mypyc ignores ``from`` on ``raise``
    (tests/unit/test_hot_path.py checks that none of them has one)."""
    error.__cause__ = None
    error.__suppress_context__ = True
    return error


class LovhubError(Exception):
    """Base class of lovhub's own errors."""

    code: str = "LOVHUB_ERROR"


class ConfigurationError(LovhubError):
    """Settings are missing or contradict each other."""

    code = "CONFIGURATION_ERROR"


class UsageError(LovhubError):
    """A command was given arguments it refuses; the CLI exits 2, as for click's usage
    errors, with one line that never repeats the refused value."""

    code = "USAGE_ERROR"


class BrokerUnreachableError(LovhubError):
    """A service could not connect and log in to Kafka when starting."""

    code = "BROKER_UNREACHABLE"
