"""Synthetic audit chains with signed checkpoints, for the verifier's tests."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from lovhub.audit import ChainHead, link
from lovhub.audit.canonical import canonical_audit_encoder, canonical_encoder
from lovhub.audit.checkpoints import build_checkpoint
from lovhub.audit.signing import SigningKey
from lovhub.codec import AUDIT_CHECKPOINT, default_store
from lovhub.codec.examples import audit_decision

ENCODE = canonical_audit_encoder(default_store())
ENCODE_CHECKPOINT = canonical_encoder(default_store(), AUDIT_CHECKPOINT)
HUB_KEY = SigningKey.generate()
FORGER_KEY = SigningKey.generate()
TOPIC = "test.audit"
SIGNED_AT = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


def chain(length: int, seed: int = 1) -> list[tuple[int, dict[str, Any]]]:
    rng = random.Random(seed)
    head = ChainHead()
    records = []
    for offset in range(length):
        decision, head = link(audit_decision(rng), head, ENCODE)
        records.append((offset, decision))
    return records


def checkpoint_at(
    records: list[tuple[int, dict[str, Any]]], offset: int, key: SigningKey = HUB_KEY
) -> dict[str, Any]:
    """A checkpoint of the chain up to ``offset`` (offsets are positions here)."""
    decision = records[offset][1]
    return build_checkpoint(
        audit_topic=TOPIC,
        partition=0,
        offset=offset,
        head=ChainHead(bytes(decision["hash"]), int(decision["sequence"]) + 1),
        signed_at=SIGNED_AT,
        key=key,
        encode=ENCODE_CHECKPOINT,
    )


def checkpoints_every(
    records: list[tuple[int, dict[str, Any]]], every: int
) -> list[tuple[int, dict[str, Any]]]:
    """Checkpoints after every ``every`` records, as (checkpoint-topic offset, checkpoint)."""
    offsets = range(every - 1, len(records), every)
    return [(position, checkpoint_at(records, o)) for position, o in enumerate(offsets)]


def renumbered(decisions: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The records as a re-written copy of the partition holds them: offsets from 0."""
    return list(enumerate(decisions))
