"""A writer resumes a chain only when its tail extends the last signed checkpoint (real
broker): a forged tail that links well within itself is refused, an honest one continues."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from lovhub.audit import ChainHead, link
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.audit.resume import ResumeRefused
from lovhub.audit.signing import SigningKey
from lovhub.audit.writer import ChainedRecordWriter
from lovhub.codec import AUDIT_DECISION, codec_for, default_store
from lovhub.codec.examples import audit_decision
from lovhub.kafka import admin_client
from lovhub.kafka.aio import aio_client_config
from lovhub.settings import KafkaSettings
from tests.support.broker import TestBroker
from tests.support.hubrun import produce_all, read_all

CODEC = codec_for(None)
ENCODE = canonical_audit_encoder(default_store())


class Chain:
    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        run = uuid.uuid4().hex[:8]
        self.audit, self.checkpoints = f"test.{run}.resume-audit", f"test.{run}.resume-cp"
        admin = admin_client(settings)
        try:
            admin.create_topics(
                {
                    n: {"num_partitions": 1, "replication_factor": 1}
                    for n in (self.audit, self.checkpoints)
                },
                wait_for_metadata=True,
            )
        finally:
            admin.close()
        self.key = SigningKey.generate()

    def writer(self, key: SigningKey | None = None) -> ChainedRecordWriter:
        return ChainedRecordWriter(
            client_config=aio_client_config(self.settings),
            topic=self.audit,
            codec=CODEC,
            store=default_store(),
            signing_key=key or self.key,
            checkpoint_topic=self.checkpoints,
            checkpoint_every=4,
        )

    async def append(self, count: int, seed: int) -> None:
        rng = random.Random(seed)
        async with self.writer() as writer:
            await writer.append([audit_decision(rng) for _ in range(count)])

    def decisions(self) -> list[dict[str, Any]]:
        values = [
            r.value for r in sorted(read_all(self.settings, self.audit), key=lambda r: r.offset)
        ]
        return [CODEC.decode(v, AUDIT_DECISION) for v in values]

    def forge_tail(self, after: int, count: int) -> None:
        """Append records that link well among themselves but continue from record
        ``after`` (history rewritten from there), as someone with WRITE on the topic can."""
        base = self.decisions()[after]
        head = ChainHead(bytes(base["hash"]), int(base["sequence"]) + 1)
        rng = random.Random(1234)
        forged = []
        for _ in range(count):
            record, head = link(audit_decision(rng), head, ENCODE)
            forged.append((None, CODEC.encode(AUDIT_DECISION, record)))
        produce_all(self.settings, self.audit, forged)


@pytest.fixture
def chain(kafka_broker: TestBroker) -> Chain:
    return Chain(kafka_broker.admin_settings)


def test_an_honest_tail_is_resumed(chain: Chain) -> None:
    asyncio.run(chain.append(6, seed=1))
    asyncio.run(chain.append(3, seed=2))
    decisions = chain.decisions()
    assert [d["sequence"] for d in decisions] == list(range(9))
    assert decisions[6]["prev_hash"] == decisions[5]["hash"]


def test_a_forged_well_linked_tail_is_refused(chain: Chain) -> None:
    asyncio.run(chain.append(8, seed=1))  # signed checkpoint at offset 7
    chain.forge_tail(after=3, count=6)  # offsets 8..13: sequence 4..9, linked from record 3
    with pytest.raises(ResumeRefused, match="does not extend the last checkpoint"):
        asyncio.run(chain.append(1, seed=3))
    assert len(chain.decisions()) == 14  # nothing appended over the forged tail


def test_a_checkpoint_signed_by_another_key_is_refused(chain: Chain) -> None:
    asyncio.run(chain.append(4, seed=1))

    async def resume_with_other_key() -> None:
        async with chain.writer(SigningKey.generate()):
            pass

    with pytest.raises(ResumeRefused, match="not signed by this writer's key"):
        asyncio.run(resume_with_other_key())
