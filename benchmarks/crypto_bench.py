"""Throughput of field encryption: RecordEncryptor.seal_record vs raw AES-GCM, one core.

    .venv/bin/python benchmarks/crypto_bench.py [--records 100000] [--output PATH]

Each record has 5 personal fields (a name, a birth year, a street, a phone number, an email
address). The baseline does the least any AES-GCM field encryption must do on the same data
in the same run: a fresh random nonce and one AESGCM.encrypt per field, with the AESGCM
object built once. The gap to it is lovhub's overhead (value encoding, AAD, envelope
framing, data key rotation). Results go to stdout and, as JSON, to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cryptography
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lovhub.crypto import (
    MLKEM768_X25519,
    SUITES,
    X25519,
    RecordDecryptor,
    RecordEncryptor,
    Suite,
    Value,
    generate_key_pair,
)

OUTPUT = Path(__file__).resolve().parent / "results" / "crypto.json"
RECIPIENT = "bench-provider"
TOPIC = "lov.provider.bench-provider.v1"
FIELDS: list[tuple[str, Value]] = [
    ("body.given_name", "Anna-Karin Andersson"),
    ("body.birth_year", 1987),
    ("body.address.street", "Storgatan 12 B"),
    ("body.contact.phone", "+46701234567"),
    ("body.contact.email", "anna-karin.andersson@example.se"),
]
PATHS = [path for path, _ in FIELDS]
EVENT_IDS = [f"6f1c2a3e-5b7d-4c9e-8f00-{n:012d}" for n in range(1024)]


def best_rate(run: Callable[[int], None], records: int, repeats: int = 3) -> float:
    """Records per second, best of ``repeats`` (the least disturbed run)."""
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        run(records)
        best = max(best, records / (time.perf_counter() - start))
    return best


def baseline(records: int) -> None:
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    encoded = [str(value).encode("utf-8") for _, value in FIELDS]
    encrypt, urandom = aead.encrypt, os.urandom
    for _ in range(records):
        for plaintext in encoded:
            encrypt(urandom(12), plaintext, None)


def seal_runner(suite: Suite) -> tuple[Callable[[int], None], RecordEncryptor]:
    now = datetime.now(UTC)
    key = generate_key_pair(suite, valid_from=now - timedelta(days=1))
    encryptor = RecordEncryptor(RECIPIENT, key.public_key())

    def run(records: int) -> None:
        seal = encryptor.seal_record
        for n in range(records):
            seal(TOPIC, EVENT_IDS[n & 1023], FIELDS)

    return run, encryptor


def open_runner(suite: Suite) -> Callable[[int], None]:
    key = generate_key_pair(suite, valid_from=datetime.now(UTC) - timedelta(days=1))
    sealed = RecordEncryptor(RECIPIENT, key.public_key()).seal_record(TOPIC, EVENT_IDS[0], FIELDS)
    decryptor = RecordDecryptor(RECIPIENT, {key.key_id: key})

    def run(records: int) -> None:
        for _ in range(records):
            decryptor.open_record(sealed, topic=TOPIC, event_id=EVENT_IDS[0], paths=PATHS)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    baseline_rate = best_rate(baseline, args.records)
    print(f"raw AES-256-GCM baseline      {baseline_rate:>10,.0f} records/s (5 fields each)")
    suites: dict[str, Any] = {}
    for suite in (X25519, MLKEM768_X25519):
        run, encryptor = seal_runner(suite)
        seal_rate = best_rate(run, args.records)
        open_rate = best_rate(open_runner(suite), args.records)
        suites[suite.suite_id] = {
            "seal_records_per_s": round(seal_rate),
            "seal_fields_per_s": round(seal_rate * len(FIELDS)),
            "seal_vs_baseline": round(seal_rate / baseline_rate, 3),
            "open_records_per_s": round(open_rate),
            "data_keys_created": encryptor.provider.keys_created,
        }
        print(
            f"seal_record {suite.name:<17} {seal_rate:>10,.0f} records/s "
            f"({seal_rate / baseline_rate:.0%} of baseline), "
            f"open {open_rate:>9,.0f} records/s"
        )
    result = {
        "benchmark": "crypto",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": args.records,
        "fields_per_record": len(FIELDS),
        "baseline_records_per_s": round(baseline_rate),
        "suites": suites,
        "known_suites": sorted(SUITES),
        "python": sys.version.split()[0],
        "cryptography": cryptography.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
