"""Example records of the recipient registry's audited changes."""

from __future__ import annotations

import random

from lovhub.codec.examples._common import PROVIDERS, Record, instant, new_uuid

__all__ = ["recipient_change"]


def recipient_change(rng: random.Random) -> Record:
    return {
        "change_id": new_uuid(rng),
        "sequence": rng.randrange(10**6),
        "recipient_id": rng.choice(PROVIDERS),
        "action": rng.choice(("ADDED", "SUSPENDED", "RESUMED", "KEY_ROTATED")),
        "reason_code": rng.choice((None, "FAILED_VETTING")),
        "actor": "lovhub-admin",
        "changed_at": instant(rng),
        "status_after": "active",
        "key_id": rng.choice((None, f"{rng.getrandbits(64):016x}")),
        "registry_offset": rng.randrange(10**6),
        "registry_record_sha256": rng.randbytes(32),
        "prev_hash": rng.randbytes(32),
        "hash": rng.randbytes(32),
    }
