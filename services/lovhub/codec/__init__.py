"""Avro schemas and wire formats.

- :mod:`~lovhub.codec.store`: every schema under ``schemas/``, parsed once, by name, version
  and fingerprint.
- :mod:`~lovhub.codec.single_object`: Avro single-object encoding (no registry needed).
- :mod:`~lovhub.codec.confluent`: Confluent wire format with a minimal registry client.
- :func:`codec_for` picks one of them from the settings; both are a :class:`Codec`.
- :mod:`~lovhub.codec.validation`: what Avro cannot check (Luhn, formats, type agreement).
- :mod:`~lovhub.codec.examples`: synthetic example records (tests, demo, benchmarks).
"""

from lovhub.codec.confluent import ConfluentCodec, SchemaRegistryClient
from lovhub.codec.errors import (
    CodecError,
    FieldProblem,
    InvalidFieldError,
    MalformedRecordError,
    OversizedRecordError,
    SchemaNotKnownYetError,
    SchemaRegistryError,
    SchemaStoreError,
    UnknownSchemaError,
)
from lovhub.codec.names import (
    AGENCY_PROVIDER_REPORT,
    AUDIT_CHECKPOINT,
    AUDIT_DECISION,
    DEAD_LETTER_RECORD,
    JOBSEEKER_EVENT,
    OPERATOR_LOOKUP,
    PROVIDER_REPORT,
    RECIPIENT_CHANGE,
    RECIPIENT_RECORD,
    TOP_LEVEL_SCHEMAS,
    versioned,
)
from lovhub.codec.protocol import Codec, codec_for
from lovhub.codec.single_object import SingleObjectCodec
from lovhub.codec.store import SchemaStore, StoredSchema, default_store, find_schema_dir
from lovhub.codec.validation import validate_jobseeker_event, validate_provider_report

__all__ = [
    "AGENCY_PROVIDER_REPORT",
    "AUDIT_CHECKPOINT",
    "AUDIT_DECISION",
    "DEAD_LETTER_RECORD",
    "JOBSEEKER_EVENT",
    "OPERATOR_LOOKUP",
    "PROVIDER_REPORT",
    "RECIPIENT_CHANGE",
    "RECIPIENT_RECORD",
    "TOP_LEVEL_SCHEMAS",
    "Codec",
    "CodecError",
    "ConfluentCodec",
    "FieldProblem",
    "InvalidFieldError",
    "MalformedRecordError",
    "OversizedRecordError",
    "SchemaNotKnownYetError",
    "SchemaRegistryClient",
    "SchemaRegistryError",
    "SchemaStore",
    "SchemaStoreError",
    "SingleObjectCodec",
    "StoredSchema",
    "UnknownSchemaError",
    "codec_for",
    "default_store",
    "find_schema_dir",
    "validate_jobseeker_event",
    "validate_provider_report",
    "versioned",
]
