"""Errors of the codec: bytes we cannot read, schemas we do not know, fields we refuse.

    LovhubError
    └── CodecError
        ├── MalformedRecordError     wrong magic, truncated, trailing bytes, not Avro
        ├── OversizedRecordError     larger than the configured limit
        ├── UnknownSchemaError       fingerprint / registry id / name we do not know
        │   └── SchemaNotKnownYetError   no schema with that fingerprint / id (yet)
        ├── InvalidFieldError        a field's value is not acceptable (reason + path)
        ├── SchemaStoreError         the schemas/ directory is missing or inconsistent
        └── SchemaRegistryError      the Schema Registry could not be reached or refused

Messages never contain field values: they name a schema, a field path and a reason code,
because they end up in operators' logs and in the dead-letter topic's clear-text detail.
``dead_letter_reason`` maps each error to a symbol of the ``DeadLetterReason`` enum.
"""

from __future__ import annotations

from enum import StrEnum

from lovhub.errors import LovhubError

__all__ = [
    "CodecError",
    "FieldProblem",
    "InvalidFieldError",
    "MalformedRecordError",
    "OversizedRecordError",
    "SchemaNotKnownYetError",
    "SchemaRegistryError",
    "SchemaStoreError",
    "UnknownSchemaError",
]


class CodecError(LovhubError):
    """Base of every codec error."""

    code = "CODEC_ERROR"
    #: Symbol of ``se.lovhub.deadletter.DeadLetterReason`` for input rejected with this error.
    dead_letter_reason: str = "OTHER"


class MalformedRecordError(CodecError):
    """The bytes are not a record in the expected wire format."""

    code = "MALFORMED"
    dead_letter_reason = "MALFORMED"


class OversizedRecordError(CodecError):
    """The record is larger than the codec accepts."""

    code = "OVERSIZED"
    dead_letter_reason = "OVERSIZED"


class UnknownSchemaError(CodecError):
    """The writer schema is unknown, or not the one the reader expects."""

    code = "UNKNOWN_SCHEMA"
    dead_letter_reason = "UNKNOWN_SCHEMA"


class SchemaNotKnownYetError(UnknownSchemaError):
    """No schema with the record's fingerprint or registry id is known (yet).

    Unlike a known schema of the wrong record type, this may pass: the producer deployed a
    schema before the hub did, or the registry has not got it yet. The hub holds such input
    on the agency topic instead of rejecting it (lovhub.pipeline.hold).
    """


class SchemaStoreError(CodecError):
    """The schema directory cannot be found or its files are inconsistent (a start-up error)."""

    code = "SCHEMA_STORE_ERROR"


class SchemaRegistryError(CodecError):
    """The Schema Registry failed. Not the record's fault: do not dead-letter on this."""

    code = "SCHEMA_REGISTRY_ERROR"


class FieldProblem(StrEnum):
    """Machine-readable reasons a field is refused; stable, safe to publish."""

    SCHEMA_MISMATCH = "SCHEMA_MISMATCH"
    MISSING = "MISSING"
    EMPTY = "EMPTY"
    BAD_UUID = "BAD_UUID"
    BAD_PERSONAL_ID = "BAD_PERSONAL_ID"
    BAD_ORGANISATION_NUMBER = "BAD_ORGANISATION_NUMBER"
    BAD_RECIPIENT_ID = "BAD_RECIPIENT_ID"
    BAD_CATALOGUE_ID = "BAD_CATALOGUE_ID"
    BAD_POSTAL_CODE = "BAD_POSTAL_CODE"
    BAD_MUNICIPALITY_CODE = "BAD_MUNICIPALITY_CODE"
    BAD_LANGUAGE_CODE = "BAD_LANGUAGE_CODE"
    BAD_FORMAT = "BAD_FORMAT"
    BAD_RANGE = "BAD_RANGE"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    BIRTH_DATE_MISMATCH = "BIRTH_DATE_MISMATCH"
    PERSONAL_ID_NOT_ALLOWED = "PERSONAL_ID_NOT_ALLOWED"
    TOO_LONG = "TOO_LONG"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    IMPLAUSIBLE_DATE = "IMPLAUSIBLE_DATE"
    #: Well-formed, but not in the catalogue the policy publishes (e.g. an activity code).
    UNKNOWN_CATALOGUE_ID = "UNKNOWN_CATALOGUE_ID"


class InvalidFieldError(CodecError):
    """A field's value is refused. Carries the reason and the field's path, never its value."""

    code = "INVALID_FIELD"
    dead_letter_reason = "INVALID_FIELD"

    def __init__(self, reason: FieldProblem, path: str) -> None:
        self.reason = reason
        self.path = path
        # Personal-id failures are counted apart: they may point at a faulty producer.
        if reason is FieldProblem.BAD_PERSONAL_ID:
            self.dead_letter_reason = "BAD_PERSONAL_ID"
        super().__init__(f"invalid field {path or '<record>'}: {reason.value}")

    def __reduce__(self) -> tuple[type[InvalidFieldError], tuple[FieldProblem, str]]:
        # Keeps the error picklable (e.g. across process pools) despite the custom __init__.
        return (type(self), (self.reason, self.path))
