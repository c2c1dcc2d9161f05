"""The canonical bytes a chained record's hash covers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lovhub.codec import AUDIT_DECISION, SingleObjectCodec
from lovhub.codec.store import SchemaStore

__all__ = ["canonical_audit_encoder", "canonical_encoder"]


def canonical_encoder(
    store: SchemaStore, schema_name: str = AUDIT_DECISION
) -> Callable[[Mapping[str, Any]], bytes]:
    """Single-object Avro encoding: deterministic, and its fingerprint names the schema.

    Used for hashing whatever wire format the topic uses (a Confluent schema id would tie
    the evidence to one registry).
    """
    codec = SingleObjectCodec(store)

    def encode(record: Mapping[str, Any]) -> bytes:
        return codec.encode(schema_name, record)

    return encode


def canonical_audit_encoder(store: SchemaStore) -> Callable[[Mapping[str, Any]], bytes]:
    return canonical_encoder(store, AUDIT_DECISION)
