"""Example records of the operators' command-line chains: recipient changes and lookups."""

from __future__ import annotations

import random

from lovhub.codec.examples._common import PROVIDERS, Record, instant, new_uuid

__all__ = ["operator_lookup", "recipient_change"]


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


def operator_lookup(rng: random.Random) -> Record:
    """An operator's lookup of a person, named by audit pseudonym only."""
    return {
        "lookup_id": new_uuid(rng),
        "sequence": rng.randrange(10**6),
        "looked_up_at": instant(rng),
        "operator": "lovhub-admin",
        "case_reference": f"AF-{rng.randrange(2024, 2030)}/{rng.randrange(10**6):06d}",
        "command": rng.choice(("ACCESS_REPORT", "REPLAY")),
        "jobseeker_audit_pseudonyms": [f"au_{rng.getrandbits(128):032x}"],
        "prev_hash": rng.randbytes(32),
        "hash": rng.randbytes(32),
    }
