"""Policy as data: the purpose catalogue, data categories and field rules, validated and
versioned, plus the guarantees that hold whatever the file says (:mod:`.guards`).

Pure: nothing here does I/O except :func:`load_policy`, which reads one file.
"""

from lovhub.policy.errors import PolicyError, UnknownEventTypeError
from lovhub.policy.files import content_version, describe_validation_error, read_yaml_mapping
from lovhub.policy.guards import (
    BUILTIN_PROTECTED_IDENTITY_PATHS,
    DIRECT_IDENTIFIER_PATHS,
    is_contact_path,
)
from lovhub.policy.model import (
    DataCategory,
    Delivery,
    EventType,
    EventTypeEntry,
    FieldRule,
    LegalBasisKind,
    Purpose,
    RecipientKind,
    ReportType,
    Transform,
    output_path_of,
)
from lovhub.policy.policy import Policy, load_policy, parse_policy
from lovhub.policy.residency import EU_EEA_COUNTRIES, CountryCode

__all__ = [
    "BUILTIN_PROTECTED_IDENTITY_PATHS",
    "DIRECT_IDENTIFIER_PATHS",
    "EU_EEA_COUNTRIES",
    "CountryCode",
    "DataCategory",
    "Delivery",
    "EventType",
    "EventTypeEntry",
    "FieldRule",
    "LegalBasisKind",
    "Policy",
    "PolicyError",
    "Purpose",
    "RecipientKind",
    "ReportType",
    "Transform",
    "UnknownEventTypeError",
    "content_version",
    "describe_validation_error",
    "is_contact_path",
    "load_policy",
    "output_path_of",
    "parse_policy",
    "read_yaml_mapping",
]
