"""Synthetic RecipientRecords built the way the hub builds them, for the client's tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from lovhub.codec import RECIPIENT_RECORD, codec_for
from lovhub.crypto import X25519, RecipientPrivateKey, RecordEncryptor, Value, generate_key_pair
from lovhub.crypto.binding import bind

RECIPIENT = "jobbcoach-syd"
TOPIC = "lov.provider.jobbcoach-syd.v1"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CODEC = codec_for(None)

CLEAR: list[tuple[str, Value]] = [("body.birth_year", 1990), ("body.municipality", "1280")]
PERSONAL: list[tuple[str, Value]] = [
    ("body.phone", "+46701234567"),
    ("body.email", "someone@example.invalid"),
    ("body.languages", ["sv", "en"]),
]


def new_key(key_id: str | None = None) -> RecipientPrivateKey:
    return generate_key_pair(X25519, valid_from=START, key_id=key_id)


def record(
    key: RecipientPrivateKey,
    *,
    recipient: str = RECIPIENT,
    topic: str = TOPIC,
    personal: list[tuple[str, Value]] | None = None,
    delivery_id: str | None = None,
) -> dict[str, Any]:
    """A RecipientRecord dict with clear and encrypted fields, as the hub would publish it."""
    personal = PERSONAL if personal is None else personal
    event_id = str(uuid.uuid4())
    sealed = RecordEncryptor(recipient, key.public_key()).seal_record(topic, event_id, personal)
    envelopes = iter(sealed.envelopes)
    fields = [{"path": p, "value": v, "encrypted": None} for p, v in CLEAR] + [
        {"path": p, "value": None, "encrypted": next(envelopes)} for p, _ in personal
    ]
    built = {
        "delivery_id": delivery_id or str(uuid.uuid4()),
        "decision_id": str(uuid.uuid4()),
        "event_id": event_id,
        "event_type": "CONTACT_DETAILS_CHANGED",
        "occurred_at": START,
        "recipient_id": recipient,
        "jobseeker_pseudonym": "ps_" + "ab" * 16,
        "purposes": ["lov.contact"],
        "legal_basis": "ASSIGNMENT",
        "policy_version": "sha256:0123456789abcdef",
        "redelivery": False,
        "fields": fields,
        "data_key": sealed.wrapped_key.to_avro() if sealed.wrapped_key else None,
        "binding": None,
    }
    assert sealed.binding_key is not None
    built["binding"] = bind(sealed.binding_key, built, topic)
    return built


def encode(value: dict[str, Any]) -> bytes:
    return CODEC.encode(RECIPIENT_RECORD, value)
