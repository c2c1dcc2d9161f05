"""A paused old owner resumed after its successor has written cannot write (issue 12).

Two workers share a group. The first is frozen (SIGSTOP) mid-stream, past its session
timeout, so the group gives every partition to the second, which fences the partitions'
transactional ids, restores and decides on. Then the first resumes, still believing it owns
them and holding a batch it decided on stale state; it is thrown out by the broker, rejoins,
and both share the rest of the stream. The judge (tests.support.judge) compares every
decision id and delivery with a fresh replay: nothing lost, altered, contradictory or
delivered against the reference, and every chain verifies.

``LOVHUB_FAULT_REPEAT`` runs the scenario that many times (default 1).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from tests.support.broker import TestBroker
from tests.support.expected import expected_outcomes
from tests.support.hubrun import HubTopics, lovhub_env, start_run
from tests.support.judge import judge

LOVHUB = str(Path(sys.executable).parent / "lovhub")
REPEAT = int(os.environ.get("LOVHUB_FAULT_REPEAT", "1"))


def _worker(env: dict[str, str], topics: HubTopics, worker_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            LOVHUB,
            *topics.run_args(group=f"test-{topics.run}", worker_dir=worker_dir),
            "--max-batch",
            "200",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _events(worker_dir: Path) -> int:
    try:
        return int(json.loads((worker_dir / "health.json").read_text())["events"])
    except (OSError, ValueError, KeyError):
        return 0


def _wait(condition: object, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _committed_to_the_end(admin: KafkaAdminClient, topics: HubTopics, total: int) -> bool:
    group = f"test-{topics.run}"
    committed = admin.list_group_offsets(group).get(group, {})
    return sum(m.offset for tp, m in committed.items() if tp.topic == topics.source) >= total


@pytest.mark.parametrize("round_", range(REPEAT))
def test_a_paused_old_owner_cannot_write_after_its_successor(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path, round_: int
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, scenario = start_run(kafka_admin, settings, jobseekers=2500, seed=700 + round_)
    env = {**lovhub_env(settings, world, tmp_path), "LOVHUB_CHECKPOINT_EVERY_RECORDS": "300"}
    old_dir, new_dir = tmp_path / "old-owner", tmp_path / "new-owner"
    old = _worker(env, topics, old_dir)
    new: subprocess.Popen[str] | None = None
    started = time.monotonic()
    try:
        _wait(lambda: _events(old_dir) >= 2000, "the first owner's first decisions")
        time.sleep(random.Random(round_).uniform(0.0, 0.3))  # somewhere inside a batch
        old.send_signal(signal.SIGSTOP)
        frozen_at = _events(old_dir)
        new = _worker(env, topics, new_dir)
        # The group gives the frozen owner's partitions away after its session timeout.
        _wait(lambda: _events(new_dir) >= 2000, "the successor to take over and write")
        old.send_signal(signal.SIGCONT)
        resumed_at = time.monotonic()
        _wait(
            lambda: _committed_to_the_end(kafka_admin, topics, len(scenario.records)),
            "the rest of the stream",
        )
    finally:
        for worker in (old, new):
            if worker is None:
                continue
            worker.send_signal(signal.SIGCONT)
            worker.send_signal(signal.SIGTERM)
        for worker in (old, new):
            if worker is not None:
                _, stderr = worker.communicate(timeout=120)
                # Stopped by SIGTERM, not by an error (aiokafka may log its own internal
                # task failures while a fenced producer closes; those are not the hub's).
                assert worker.returncode == 0, stderr[-6000:]
                assert "worker stopped:" not in stderr, stderr[-6000:]
    verdict = judge(settings, world, topics)
    print(
        f"round {round_}: frozen after {frozen_at} events; the successor took over; "
        f"{time.monotonic() - resumed_at:.1f}s from resuming the old owner to the end "
        f"({time.monotonic() - started:.0f}s in all); {verdict.summary()}"
    )
    assert verdict.events == len(scenario.records)
    assert verdict.clean, verdict.summary()
    assert verdict.outcomes == expected_outcomes(world, scenario), "and the reference model"
