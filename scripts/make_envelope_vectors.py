"""Generate tests/vectors/envelope-v1.json: test vectors for docs/envelope.md.

    .venv/bin/python scripts/make_envelope_vectors.py [--output PATH]

Every key here is SYNTHETIC and derived from a public label, so anyone can recompute it:
never use these keys for anything but tests. Keys, ids, labels and inputs are the same on
every run; HPKE and the AES-GCM nonces are randomised by design, so ciphertexts differ
between runs. The vectors therefore give ciphertexts to decrypt and the plaintexts expected,
plus the intermediate values (HPKE info, data key, AAD, encoded plaintext) so an implementer
in another language can check each step on its own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lovhub.crypto import (
    MLKEM768_X25519,
    X25519,
    FakeClock,
    RecipientPrivateKey,
    RecordEncryptor,
    SealedRecord,
    Suite,
    Value,
    WrappedDataKey,
    private_key_to_text,
    seal_for_operators,
    unwrap_data_key,
)
from lovhub.crypto._wire import data_key_info, dead_letter_info, encode_value, lp_str

OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "envelope-v1.json"
VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2027, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
TOPIC = "lov.provider.{}.v1"
PASSPHRASE = "vector passphrase: synthetic, do not reuse"  # noqa: S105  (published on purpose)

FIELDS: list[tuple[str, Value]] = [
    ("body.given_name", "Åsa-Märta"),
    ("body.birth_year", 1987),
    ("body.address.municipality_code", "0180"),
    ("body.contact.email", ""),
    ("body.health.needs_adaptation", True),
    ("body.health.has_disability", False),
    ("body.contact.phone", None),
    ("body.languages", ["sv", "en", ""]),
    ("body.previous_providers", []),
    ("body.counter_min", -(2**63)),
    ("body.counter_max", 2**63 - 1),
]


def synthetic_key(label: str, suite: Suite) -> RecipientPrivateKey:
    seed = hashlib.sha256(b"lovhub synthetic test key: " + label.encode()).digest()
    return RecipientPrivateKey(label, suite, seed, VALID_FROM, VALID_TO)


def typed(value: Value) -> dict[str, Any]:
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int):
        return {"type": "long", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    return {"type": "string_list", "value": list(value)}


def key_vector(recipient_id: str, key: RecipientPrivateKey) -> dict[str, Any]:
    public = key.public_key()
    return {
        "recipient_id": recipient_id,
        "key_id": key.key_id,
        "suite_id": key.suite.suite_id,
        "private_key_hex": key.private_bytes.hex(),
        "public_key_hex": public.public_bytes.hex(),
        "public_key_text": public.to_text(),
        "private_key_file": private_key_to_text(key),
        "private_key_file_protected": private_key_to_text(key, PASSPHRASE, scrypt_log2_n=14),
    }


def wrapped_vector(wrapped: WrappedDataKey) -> dict[str, str]:
    return {
        "data_key_id": wrapped.data_key_id,
        "key_id": wrapped.key_id,
        "suite_id": wrapped.suite_id,
        "encapsulated_key_hex": wrapped.encapsulated_key.hex(),
        "wrapped_key_hex": wrapped.wrapped_key.hex(),
    }


def record_vector(
    label: str,
    recipient_id: str,
    key: RecipientPrivateKey,
    event_id: str,
    sealed: SealedRecord,
    fields: list[tuple[str, Value]],
) -> dict[str, Any]:
    wrapped = sealed.wrapped_key
    assert wrapped is not None
    topic = TOPIC.format(recipient_id)
    dek_id = bytes.fromhex(wrapped.data_key_id)
    aad_prefix = bytes((1, key.suite.number)) + dek_id + lp_str(recipient_id) + lp_str(key.key_id)
    return {
        "label": label,
        "recipient_id": recipient_id,
        "topic": topic,
        "event_id": event_id,
        "wrapped_key": wrapped_vector(wrapped),
        "hpke_info_hex": data_key_info(key.suite.suite_id, recipient_id, key.key_id, dek_id).hex(),
        "data_key_hex": unwrap_data_key(wrapped, recipient_id, key).hex(),
        "fields": [
            {
                "path": path,
                "value": typed(value),
                "plaintext_hex": encode_value(value).hex(),
                "aad_hex": (aad_prefix + lp_str(topic) + lp_str(event_id) + lp_str(path)).hex(),
                "envelope_hex": envelope.hex(),
            }
            for (path, value), envelope in zip(fields, sealed.envelopes, strict=True)
        ],
    }


def invalid_vectors(first: dict[str, Any], second: dict[str, Any]) -> list[dict[str, Any]]:
    """Each names a field of ``first`` and how it is opened wrongly; all must fail."""
    envelope = first["fields"][0]["envelope_hex"]
    flipped_last = envelope[:-2] + f"{int(envelope[-2:], 16) ^ 0x01:02x}"
    other_suite = "02" if envelope[2:4] == "01" else "01"
    wrapped = dict(first["wrapped_key"])
    wrapped_hex = wrapped["wrapped_key_hex"]
    wrapped["wrapped_key_hex"] = f"{int(wrapped_hex[:2], 16) ^ 0x80:02x}" + wrapped_hex[2:]
    return [
        {"label": "moved-to-another-path", "path": "body.family_name"},
        {"label": "moved-to-another-event", "event_id": second["event_id"]},
        {"label": "moved-to-another-topic", "topic": "lov.provider.someone-else.v1"},
        {"label": "opened-as-another-recipient", "recipient_id": "someone-else"},
        {"label": "tag-byte-flipped", "envelope_hex": flipped_last},
        {"label": "version-byte-changed", "envelope_hex": "02" + envelope[2:]},
        {"label": "suite-byte-changed", "envelope_hex": envelope[:2] + other_suite + envelope[4:]},
        {"label": "wrapped-key-byte-flipped", "wrapped_key": wrapped},
        {"label": "wrapped-key-of-another-record", "wrapped_key": second["wrapped_key"]},
        {"label": "unknown-key-id", "private_keys": [], "expect": "KEY_MISSING"},
    ]


def build() -> dict[str, Any]:
    clock = FakeClock(NOW)
    recipients = [
        ("vector-provider-a", synthetic_key("vector-key-x25519", X25519)),
        ("vector-provider-b", synthetic_key("vector-key-mlkem768x25519", MLKEM768_X25519)),
    ]
    records = []
    for recipient_id, key in recipients:
        encryptor = RecordEncryptor(recipient_id, key.public_key(), clock=clock)
        for n in (1, 2):
            event_id = f"00000000-0000-4000-8000-00000000000{n}"
            sealed = encryptor.seal_record(TOPIC.format(recipient_id), event_id, FIELDS)
            label = f"{key.suite.name}-event-{n}"
            records.append(record_vector(label, recipient_id, key, event_id, sealed, FIELDS))
            encryptor.provider.rotate()  # the two records get different data keys
    operator_key = synthetic_key("vector-key-operators", X25519)
    dead_letter_id = "00000000-0000-4000-8000-00000000dead"
    payload = b'{"not": "avro"} synthetic rejected input'
    key_id, sealed_payload = seal_for_operators(
        payload, dead_letter_id=dead_letter_id, operator_key=operator_key.public_key(), clock=clock
    )
    return {
        "format": "lovhub-envelope-vectors-v1",
        "spec": "docs/envelope.md",
        "generated_by": "scripts/make_envelope_vectors.py",
        "warning": "SYNTHETIC test keys derived from public labels: never use them for real data",
        "passphrase_of_protected_key_files": PASSPHRASE,
        "keys": [key_vector(recipient_id, key) for recipient_id, key in recipients],
        "records": records,
        "invalid": [
            {"record": records[2 * i]["label"], "field_index": 0, **case}
            for i in range(len(recipients))
            for case in invalid_vectors(records[2 * i], records[2 * i + 1])
        ],
        "operator": [
            {
                "label": "dead-letter-x25519",
                "dead_letter_id": dead_letter_id,
                "key": key_vector("operators", operator_key),
                "key_id": key_id,
                "hpke_info_hex": dead_letter_info(X25519.suite_id, key_id, dead_letter_id).hex(),
                "payload_hex": payload.hex(),
                "sealed_hex": sealed_payload.hex(),
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(build(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
