"""The canonical bytes an audit decision's hash covers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lovhub.codec import AUDIT_DECISION, SingleObjectCodec
from lovhub.codec.store import SchemaStore

__all__ = ["canonical_audit_encoder"]


def canonical_audit_encoder(store: SchemaStore) -> Callable[[Mapping[str, Any]], bytes]:
    """Single-object Avro encoding: deterministic, and its fingerprint names the schema.

    Used for hashing whatever wire format the topic uses (a Confluent schema id would tie
    the evidence to one registry).
    """
    codec = SingleObjectCodec(store)

    def encode(decision: Mapping[str, Any]) -> bytes:
        return codec.encode(AUDIT_DECISION, decision)

    return encode
