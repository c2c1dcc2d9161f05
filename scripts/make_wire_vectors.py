"""Generate tests/vectors/wire-v1.json: whole records on the wire, for docs/provider-guide.md.

    .venv/bin/python scripts/make_wire_vectors.py [--output PATH]

For every published schema: its Parsing Canonical Form, its CRC-64-AVRO fingerprint and the
10-byte single-object header. Then whole encoded records with their Kafka key, value bytes
and decoded content: three ``RecipientRecord`` v2 (a live delivery with an encrypted field,
a handover with dates and a null list item, a third party's status answer) and one
``ProviderReport``.

The records are the hub's own (``lovhub.pipeline.delivery.build_delivery``: minimisation,
clear values, binding, encoding) with one change that makes them reproducible: instead of a
fresh HPKE-wrapped data key and random nonces, each record reuses the wrapped data key of a
record in tests/vectors/envelope-v1.json (so it opens with that file's private keys) and
derives its nonces from labels. Run scripts/make_envelope_vectors.py first if you
regenerate both. Everything is SYNTHETIC.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lovhub.client import activity_body, encode_report, provider_report
from lovhub.codec import PROVIDER_REPORT, RECIPIENT_RECORD, codec_for, default_store
from lovhub.codec.single_object import MAGIC, SingleObjectCodec
from lovhub.core import Decision, Outcome
from lovhub.core.decide import LegalBasis
from lovhub.crypto import SealedRecord, Value, WrappedDataKey, suite_by_id
from lovhub.crypto._wire import encode_value, envelope_header, field_aad_prefix, lp_str
from lovhub.crypto.binding import binding_key
from lovhub.minimise import MinimisedField, minimise
from lovhub.pipeline.delivery import (
    CONSENT_REFERENCE_PATH,
    REGISTERED_PATH,
    STATUS_ANSWER_TYPE,
    DeliveryKind,
    build_delivery,
)
from lovhub.policy import load_policy
from lovhub.pseudonyms import Pseudonymiser

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "tests" / "vectors" / "wire-v1.json"
ENVELOPE_VECTORS = ROOT / "tests" / "vectors" / "envelope-v1.json"
POLICY = ROOT / "deploy" / "policy" / "policy.yaml"
CODEC = codec_for(None)
HUB_SECRET = hashlib.sha256(b"lovhub synthetic wire vector: hub secret").digest()
REPORT_SUBMITTED = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)
# A fixed stand-in: the vectors must not change whenever a comment-free edit of the policy
# changes its real version (the fields come from the policy's rules all the same).
POLICY_VERSION = "sha256:" + hashlib.sha256(b"wire vector policy").hexdigest()[:16]


def _uuid(label: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:lovhub:wire-vector:{label}"))


class _ReusedDataKey:
    """Seals like ``RecordEncryptor`` (same envelope, AAD and binding key) with a data key
    and wrapped key taken from the envelope vectors, and nonces derived from labels."""

    def __init__(self, recipient_id: str, vector: dict[str, Any]) -> None:
        entry = vector["wrapped_key"]
        self.wrapped = WrappedDataKey(
            entry["data_key_id"],
            entry["key_id"],
            entry["suite_id"],
            bytes.fromhex(entry["encapsulated_key_hex"]),
            bytes.fromhex(entry["wrapped_key_hex"]),
        )
        suite = suite_by_id(entry["suite_id"])
        assert suite is not None
        self.recipient_id = recipient_id
        self.data_key = bytes.fromhex(vector["data_key_hex"])
        self.data_key_id = bytes.fromhex(entry["data_key_id"])
        self.suite_number = suite.number

    def seal_record(self, topic: str, event_id: str, fields: list[tuple[str, Value]]) -> Any:
        prefix = field_aad_prefix(
            self.suite_number, self.data_key_id, self.recipient_id, self.wrapped.key_id
        )
        header = envelope_header(self.suite_number, self.data_key_id)
        envelopes = []
        for path, value in fields:
            nonce = hashlib.sha256(f"nonce:{event_id}:{path}".encode()).digest()[:12]
            aad = prefix + lp_str(topic) + lp_str(event_id) + lp_str(path)
            envelopes.append(
                header + nonce + AESGCM(self.data_key).encrypt(nonce, encode_value(value), aad)
            )
        return SealedRecord(self.wrapped, envelopes, binding_key(self.data_key))


def _hexed(value: Any) -> Any:
    """JSON for a decoded Avro value: bytes as {"hex"}, a union of records as {name: value}."""
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, tuple):
        return {value[0]: _hexed(value[1])}
    if isinstance(value, dict):
        return {k: _hexed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hexed(v) for v in value]
    return value


def _decoded(value: bytes, name: str) -> dict[str, Any]:
    """Decoded as on the wire: timestamps as epoch milliseconds, dates as epoch days."""
    return SingleObjectCodec(default_store(), logical_types=False).decode(value, name)


def _record_vector(
    label: str,
    explanation: str,
    vector: dict[str, Any],
    made: tuple[dict[str, Any], Decision, tuple[MinimisedField, ...]],
) -> dict[str, Any]:
    event, decision, fields = made
    recipient = vector["recipient_id"]
    pseudonyms = Pseudonymiser(HUB_SECRET)
    third_party = decision.legal_basis is LegalBasis.CONSENT
    topic = f"lov.thirdparty.{recipient}.v1" if third_party else f"lov.provider.{recipient}.v1"
    built = build_delivery(
        event=event,
        decision=decision,
        fields=fields,
        topic=topic,
        jobseeker_pseudonym=pseudonyms.for_recipient(recipient, "AS-000000042"),
        event_reference=pseudonyms.event_reference(recipient, _uuid(f"{label}:agency event")),
        delivery_id=_uuid(f"{label}:delivery"),
        decision_id=_uuid(f"{label}:decision"),
        policy_version=POLICY_VERSION,
        encryptor=_ReusedDataKey(recipient, vector),  # type: ignore[arg-type]
        codec=CODEC,
        schema_fingerprint=default_store().get(RECIPIENT_RECORD).fingerprint,
    )
    record = built.record
    decoded = _decoded(record.value, RECIPIENT_RECORD)
    personal = {f.path: f.value for f in fields if f.personal}
    return {
        "label": label,
        "explanation": explanation,
        "schema": f"{RECIPIENT_RECORD}@2",
        "topic": topic,
        "key_hex": record.key.hex(),
        "value_hex": record.value.hex(),
        "headers": {name: value.decode() for name, value in record.headers},
        "decoded": _hexed(decoded),
        "opens_with": {"vectors": "tests/vectors/envelope-v1.json", "record": vector["label"]},
        # What a verified delivery holds: clear values as sent, encrypted ones opened.
        "opened_fields": {
            f["path"]: personal[f["path"]] if f["encrypted"] is not None else f["value"]
            for f in decoded["fields"]
        },
    }


def _registration() -> tuple[dict[str, Any], Decision, tuple[MinimisedField, ...]]:
    policy = load_policy(POLICY)
    purposes = ("lov.matching", "lov.contact")
    event = {
        "event_type": "REGISTRATION",
        "occurred_at": dt.datetime(2026, 3, 2, 9, 41, 7, tzinfo=dt.UTC),
        "body": (
            "se.lovhub.agency.Registration",
            {
                "given_name": "Åsa-Märta",
                "birth_date": dt.date(1987, 5, 17),
                "address": {"municipality_code": "0180", "street": "Storgatan 1"},
                "education_level": "UPPER_SECONDARY",
                "languages": ["sv", "ar"],
                "preferred_language": "sv",
            },
        ),
    }
    return event, *_decided(policy, event, purposes, "vector-provider-a")


def _plan_handover() -> tuple[dict[str, Any], Decision, tuple[MinimisedField, ...]]:
    policy = load_policy(POLICY)
    event = {
        "event_type": "PLAN_UPDATED",
        "occurred_at": dt.datetime(2026, 2, 20, 13, 5, tzinfo=dt.UTC),
        "body": (
            "se.lovhub.agency.PlanUpdated",
            {
                "plan_id": "3b1f4a52-7c9e-4d10-8f2a-6e5d4c3b2a19",
                "activities": [
                    {
                        "activity_code": "KROM-01",
                        "starts_on": dt.date(2026, 3, 2),
                        "ends_on": dt.date(2026, 3, 31),
                    },
                    {"activity_code": "A-CV", "starts_on": dt.date(2026, 3, 9), "ends_on": None},
                ],
            },
        ),
    }
    decision, fields = _decided(policy, event, ("lov.preparation",), "vector-provider-a")
    return event, decision, (*fields, *DeliveryKind.HANDOVER.marker_fields())


def _status_answer() -> tuple[dict[str, Any], Decision, tuple[MinimisedField, ...]]:
    event = {
        "event_type": STATUS_ANSWER_TYPE,
        "occurred_at": dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC),
        "body": ("", {}),
    }
    decision = Decision(
        "vector-provider-b", Outcome.DELIVERED, None, ("consent.registration-status",),
        LegalBasis.CONSENT,
    )  # fmt: skip
    fields = (
        MinimisedField(REGISTERED_PATH, True, personal=True),
        MinimisedField(CONSENT_REFERENCE_PATH, "FÖRS-2026-00017", personal=True),
        *DeliveryKind.STATUS_ANSWER.marker_fields(),
    )
    return event, decision, fields


def _decided(
    policy: Any, event: dict[str, Any], purposes: tuple[str, ...], recipient: str
) -> tuple[Decision, tuple[MinimisedField, ...]]:
    rules = tuple(r for p in purposes for r in policy.rules_for(event["event_type"], p))
    pseudonymise = partial(Pseudonymiser(HUB_SECRET).for_field, recipient)
    fields = minimise(event, rules, protected_identity=False, pseudonymise=pseudonymise)
    decision = Decision(
        recipient, Outcome.DELIVERED, None, purposes, LegalBasis.ASSIGNMENT, rules=rules
    )
    return decision, fields


def _report_vector() -> dict[str, Any]:
    provider = "vector-provider-a"
    record = provider_report(
        provider_id=provider,
        report_type="ACTIVITY",
        jobseeker_pseudonym=Pseudonymiser(HUB_SECRET).for_recipient(provider, "AS-000000042"),
        report_date=dt.date(2026, 3, 10),
        body=activity_body(
            activity_code="KROM-01", occurred_on=dt.date(2026, 3, 10), duration_minutes=60
        ),
        submitted_at=REPORT_SUBMITTED,
        report_id=_uuid("activity report"),
    )
    key, value = encode_report(CODEC, record)
    return {
        "label": "an ACTIVITY report",
        "explanation": "what `lovhub report --type activity` sends: key = the pseudonym as "
        "UTF-8, value = single-object encoding; note and assignment_id null",
        "schema": f"{PROVIDER_REPORT}@1",
        "topic": f"lov.provider.{provider}.reports.v1",
        "key_hex": key.hex(),
        "value_hex": value.hex(),
        "decoded": _hexed(_decoded(value, PROVIDER_REPORT)),
    }


def _schemas() -> list[dict[str, Any]]:
    return [
        {
            "schema": schema.ref,
            "file": str(schema.path.relative_to(ROOT)),
            "canonical_form": schema.canonical_form,
            "crc64_avro": "0x" + schema.fingerprint[::-1].hex(),
            "header_hex": (MAGIC + schema.fingerprint).hex(),
        }
        for schema in sorted(default_store(), key=lambda s: s.ref)
    ]


def vectors() -> dict[str, Any]:
    envelopes = {r["label"]: r for r in json.loads(ENVELOPE_VECTORS.read_text())["records"]}
    return {
        "format": "lovhub-wire-vectors/1",
        "spec": "docs/provider-guide.md#wire-format",
        "generated_by": "scripts/make_wire_vectors.py",
        "warning": "synthetic keys, secrets and people: test use only",
        "conventions": (
            "crc64_avro is the fingerprint as a number; the header carries it little-endian. "
            "decoded: as read with the writer schema, timestamps as epoch milliseconds and "
            "dates as days since 1970-01-01 (logical types not applied), bytes as "
            '{"hex": ...}, a union of records as {full record name: value}.'
        ),
        "schemas": _schemas(),
        "records": [
            _record_vector(
                "live registration",
                "a live REGISTRATION for two purposes: clear strings (an enum symbol, a list "
                "as a JSON array) and one encrypted field",
                envelopes["x25519-event-1"],
                _registration(),
            ),
            _record_vector(
                "plan handover",
                "a PLAN_UPDATED fact handed over on assignment: lists of dates with an empty "
                "string for the activity without an end, a pseudonymised id, delivery_kind",
                envelopes["x25519-event-2"],
                _plan_handover(),
            ),
            _record_vector(
                "status answer",
                "a third party's registration-status answer: encrypted boolean and string, "
                "legal basis CONSENT, on lov.thirdparty.<id>.v1",
                envelopes["mlkem768-x25519-event-1"],
                _status_answer(),
            ),
        ],
        "reports": [_report_vector()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    args.output.write_text(json.dumps(vectors(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
