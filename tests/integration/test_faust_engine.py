"""The Faust engine runs the same pipeline and reaches the same decisions."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.codec import AUDIT_DECISION, codec_for
from lovhub.kafka.reading import end_offsets
from tests.support.broker import TestBroker
from tests.support.expected import expected_outcomes
from tests.support.hubrun import (
    audit_chain_breaks,
    lovhub_env,
    read_all,
    start_run,
)

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def test_faust_engine_decides_like_the_reference_model(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, scenario = start_run(
        kafka_admin, settings, jobseekers=40, seed=31, invalid_rate=0.05
    )
    codec = codec_for(None)
    expected = expected_outcomes(world, scenario)
    env = {
        **lovhub_env(settings, world, tmp_path),
        "LOVHUB_PARTITIONS": str(topics.partitions),
    }
    worker = subprocess.Popen(
        [
            LOVHUB,
            "run",
            "--engine",
            "faust",
            "--group",
            f"lovhub-test-{topics.run}",
            "--source-topic",
            topics.source,
            "--audit-topic",
            topics.audit,
            "--dead-letter-topic",
            topics.dead_letter,
            "--recipient-topic-template",
            f"test.{topics.run}.recipient.{{id}}",
            "--worker-dir",
            str(tmp_path / "worker"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while sum(end_offsets(settings, topics.audit).values()) < sum(expected.values()):
            assert worker.poll() is None, (worker.stdout.read() if worker.stdout else "")[-3000:]
            assert time.monotonic() < deadline, "the Faust engine did not finish in time"
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    decisions = [codec.decode(r.value, AUDIT_DECISION) for r in read_all(settings, topics.audit)]
    unique = {d["decision_id"]: d for d in decisions}
    actual = Counter((d["outcome"], d["reason_code"], d["recipient_id"]) for d in unique.values())
    assert actual == expected
    assert audit_chain_breaks(settings, topics) == {}, "every audit partition's chain verifies"
