"""A worker killed (SIGKILL) and restarted on its own disk rejoins at once (issue 12, part 5):
its static membership id (KIP-345, kept in the worker directory) lets the coordinator hand
its partitions straight back, instead of waiting out the dead member's session (10 s)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from lovhub.codec import codec_for
from lovhub.kafka import admin_client
from lovhub.synthetic import generate_scenario
from tests.support.broker import TestBroker
from tests.support.cli import LOVHUB
from tests.support.hubrun import HubTopics, lovhub_env, produce_all, start_run

SESSION_TIMEOUT_SECONDS = 10.0  # aiokafka's default session.timeout.ms


def _committed(settings: object, group: str, topic: str) -> int:
    admin = admin_client(settings)  # type: ignore[arg-type]
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    except KafkaError:  # the group's coordinator is not known yet
        return 0
    else:
        return sum(m.offset for tp, m in offsets.items() if tp.topic == topic)
    finally:
        admin.close()


def _start(
    env: dict[str, str], topics: HubTopics, worker_dir: Path, log: Path
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [LOVHUB, *topics.run_args(group=f"test-{topics.run}", worker_dir=worker_dir)],
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def _until(condition: object, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _ready(worker_dir: Path) -> bool:
    try:
        return json.loads((worker_dir / "health.json").read_text(encoding="utf-8"))["healthy"]
    except (OSError, ValueError, KeyError):
        return False


def test_a_killed_worker_restarted_on_its_disk_rejoins_without_waiting_out_its_session(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, scenario = start_run(kafka_admin, settings, jobseekers=60, seed=29)
    env = lovhub_env(settings, world, tmp_path)
    worker_dir, log = tmp_path / "worker", tmp_path / "worker.log"
    group = f"test-{topics.run}"
    first = _start(env, topics, worker_dir, log)
    try:
        total = len(scenario.records)
        _until(lambda: _committed(settings, group, topics.source) >= total, 120, "the first run")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    instance = (worker_dir / "instance-id").read_text(encoding="ascii").strip()
    assert instance.startswith("lovhub-hub-")

    more = generate_scenario(world, codec_for(None), jobseekers=20, seed=30, first_number=5000)
    produce_all(settings, topics.source, more.records)
    total += len(more.records)
    (worker_dir / "health.json").unlink()
    second = _start(env, topics, worker_dir, log)
    try:
        _until(lambda: _ready(worker_dir), 60, "the restarted worker's first health report")
        caught_up = _until(
            lambda: _committed(settings, group, topics.source) >= total, 60, "the catch-up"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert (worker_dir / "instance-id").read_text(encoding="ascii").strip() == instance
    assert caught_up < SESSION_TIMEOUT_SECONDS * 0.8, (
        f"caught up {caught_up:.1f}s after starting: it waited for its old session"
    )
