"""Generate tests/vectors/record-binding-v1.json: vectors for the record binding of
docs/envelope.md ("Record binding").

    .venv/bin/python scripts/make_binding_vectors.py [--output PATH]

The binding is deterministic given the data key and the record, so every value here is the
same on every run. The data key and all ids are SYNTHETIC, derived from public labels.
Each vector gives the record (bytes as hex, occurred_at as epoch milliseconds), the topic,
the data key, and the expected binding key, MAC input and tag; ``tampered`` lists changes
whose tag must NOT verify under the original tag.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from lovhub.crypto.binding import bind, binding_input, binding_key

OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "record-binding-v1.json"


def _synthetic(label: str, size: int = 32) -> bytes:
    return hashlib.sha256(b"lovhub synthetic binding vector: " + label.encode()).digest()[:size]


def _record(clear_only: bool) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"path": "body.birth_year", "value": 1987, "encrypted": None},
        {"path": "body.registered", "value": True, "encrypted": None},
        {"path": "body.address.municipality_code", "value": "0180", "encrypted": None},
        {"path": "body.note", "value": None, "encrypted": None},
        {"path": "body.counter", "value": -(2**63), "encrypted": None},
    ]
    if not clear_only:
        fields.append(
            {"path": "body.given_name", "value": None, "encrypted": _synthetic("envelope", 61)}
        )
    return {
        "delivery_id": "0b6c0f51-7d5e-5b0a-9a55-2f0d4f0c1e01",
        "decision_id": "5c7f6a1e-3f3b-5f4e-8d0a-7c2b9e1d4a02",
        "event_id": "9e3a5b7c-1d2f-8a4b-9c6d-0e1f2a3b4c03",
        "event_type": "REGISTRATION",
        "occurred_at": 1772409600000,  # 2026-03-02T00:00:00Z, a day as v2 records carry
        "recipient_id": "jobbcoach-syd",
        "jobseeker_pseudonym": "p-" + _synthetic("pseudonym", 16).hex(),
        "purposes": ["lov.matching", "lov.contact"],
        "legal_basis": "ASSIGNMENT",
        "policy_version": "2026-11.1",
        "redelivery": False,
        "fields": fields,
        "data_key": {
            "data_key_id": _synthetic("data key id", 16).hex(),
            "key_id": "3f1a9c0b7e2d4a65",
            "suite_id": "hpke-x25519-hkdf-sha256-aes256gcm",
            "encapsulated_key": _synthetic("enc"),
            "wrapped_key": _synthetic("wrapped", 48),
        },
    }


TAMPERINGS: list[tuple[str, list[Any], Any]] = [
    ("another pseudonym", ["jobseeker_pseudonym"], "p-" + "00" * 16),
    ("a purpose added", ["purposes"], ["lov.matching", "lov.contact", "lov.preparation"]),
    ("another legal basis", ["legal_basis"], "CONSENT"),
    ("a pre-empted delivery id", ["delivery_id"], "0b6c0f51-7d5e-5b0a-9a55-2f0d4f0c1eff"),
    ("another event reference", ["event_id"], "9e3a5b7c-1d2f-8a4b-9c6d-0e1f2a3b4cff"),
    ("a clear value changed", ["fields", 2, "value"], "0181"),
    ("a long changed", ["fields", 0, "value"], 1988),
    ("marked as a redelivery", ["redelivery"], True),
    ("another day", ["occurred_at"], 1772496000000),
]


def _hexed(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, dict):
        return {k: _hexed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hexed(v) for v in value]
    return value


def _set(record: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(record)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def vectors() -> dict[str, Any]:
    data_key = _synthetic("data key")
    key = binding_key(data_key)
    cases = []
    for label, clear_only, topic in (
        ("provider record with an encrypted field", False, "lov.provider.jobbcoach-syd.v1"),
        ("record with clear fields only", True, "lov.provider.jobbcoach-syd.v1"),
    ):
        record = _record(clear_only)
        tag = bind(key, record, topic)
        cases.append(
            {
                "label": label,
                "topic": topic,
                "data_key_hex": data_key.hex(),
                "record": _hexed(record),
                "binding_key_hex": key.hex(),
                "mac_input_hex": binding_input(record, topic).hex(),
                "binding_hex": tag.hex(),
                "tampered": [
                    {
                        "label": what,
                        "path": path,
                        "value": value,
                        "mac_input_hex": binding_input(_set(record, path, value), topic).hex(),
                    }
                    for what, path, value in TAMPERINGS
                ]
                + [
                    {
                        "label": "the same record on another topic",
                        "topic": "lov.provider.jobbcoach-nord.v1",
                        "mac_input_hex": binding_input(
                            record, "lov.provider.jobbcoach-nord.v1"
                        ).hex(),
                    }
                ],
            }
        )
    return {
        "format": "lovhub-record-binding-vectors/1",
        "spec": "docs/envelope.md#record-binding-recipientrecord-v2-issue-10-finding-8",
        "generated_by": "scripts/make_binding_vectors.py",
        "warning": "synthetic keys and ids derived from public labels: test use only",
        "vectors": cases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    args.output.write_text(json.dumps(vectors(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
