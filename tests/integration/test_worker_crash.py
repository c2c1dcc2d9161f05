"""SIGKILL the worker mid-stream, restart it on a fresh disk: nothing is lost or altered."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from kafka import KafkaAdminClient

from tests.support.broker import TestBroker
from tests.support.expected import expected_outcomes
from tests.support.hubrun import (
    HubTopics,
    audit_chain_breaks,
    audit_outcomes,
    lovhub_env,
    oracle_outcomes,
    read_all,
    start_run,
)

LOVHUB = str(Path(sys.executable).parent / "lovhub")


def _worker(
    env: dict[str, str], topics: HubTopics, worker_dir: Path, *extra: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            LOVHUB,
            *topics.run_args(group=f"test-{topics.run}", worker_dir=worker_dir),
            *extra,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _events_done(health: Path) -> int:
    try:
        return int(json.loads(health.read_text())["events"])
    except (OSError, ValueError, KeyError):
        return 0


def test_sigkill_mid_stream_then_restart_elsewhere_loses_nothing(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, scenario = start_run(kafka_admin, settings, jobseekers=1500, seed=23)

    # Checkpoints often, so some are signed before the kill and some after the restart.
    env = {**lovhub_env(settings, world, tmp_path), "LOVHUB_CHECKPOINT_EVERY_RECORDS": "200"}
    first_disk = tmp_path / "worker-1"
    first = _worker(env, topics, first_disk, "--max-batch", "150")
    deadline = time.monotonic() + 120
    while _events_done(first_disk / "health.json") < 1000:
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.05)
    time.sleep(random.uniform(0.0, 0.2))  # somewhere inside a later batch
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    killed_at = _events_done(first_disk / "health.json")
    assert killed_at < len(scenario.records), "killed too late to test anything"

    # A fresh disk: state must come back from the changelog, as after a rebalance.
    second = _worker(env, topics, tmp_path / "worker-2", "--idle-exit", "6")
    _, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr[-3000:]

    source = read_all(settings, topics.source)
    expected = oracle_outcomes(world, topics, source)
    _, decisions = audit_outcomes(settings, topics)
    unique = {d["decision_id"]: d for d in decisions}
    actual = Counter((d["outcome"], d["reason_code"], d["recipient_id"]) for d in unique.values())
    print(f"killed after {killed_at} events; {len(decisions) - len(unique)} replayed duplicates")
    assert actual == expected, "after dedupe by decision id the books match the pipeline"
    assert actual == expected_outcomes(world, scenario), "and the reference model"
    assert audit_chain_breaks(settings, topics) == {}, "every audit partition's chain verifies"
    verified = subprocess.run(
        [LOVHUB, *topics.verify_args()],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(verified.stdout)
    assert verified.returncode == 0, report
    assert report["ok"], "the chains agree with every checkpoint, before and after the kill"
    checkpoints = [p["checkpoints_checked"] for p in report["partitions"]]
    print(f"checkpoints per partition: {checkpoints}")
    assert all(count >= 2 for count in checkpoints)

    deliveries = {}
    for recipient in (*world.recipients.providers(), *world.recipients.third_parties()):
        for record in read_all(settings, topics.recipient(recipient)):
            deliveries[(record.topic, record.partition, record.offset)] = dict(record.headers)
    delivered = [d for d in decisions if d["outcome"] == "DELIVERED"]
    for decision in delivered:
        place = (
            decision["delivery_topic"],
            decision["delivery_partition"],
            decision["delivery_offset"],
        )
        assert deliveries[place]["delivery_id"].decode() == decision["delivery_id"]
    delivery_ids = {h["delivery_id"] for h in deliveries.values()}
    print(f"{len(deliveries) - len(delivery_ids)} duplicate deliveries (same delivery id)")
    assert {
        d["delivery_id"].encode() for d in unique.values() if d["outcome"] == "DELIVERED"
    } == delivery_ids
