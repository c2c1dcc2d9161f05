"""`lovhub audit anchor` and `audit verify --anchors`: evidence that holds without trusting
the Kafka operators (issue 10, finding 6).

An operator with the admin credentials deletes the audit topic and its checkpoint topic and
recreates them empty. Without anchors, verify has nothing to contradict it; with the anchor
file exported earlier (kept outside Kafka), verify fails ANCHOR_NOT_EXTENDED.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.audit.signing import load_signing_key
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import HubTopics, lovhub_env, run_worker_until_idle, start_run


def _verify(env: dict[str, str], topics: HubTopics, *extra: str) -> tuple[int, dict[str, object]]:
    result = run_lovhub(env, *topics.verify_args(), *extra)
    return result.returncode, json.loads(result.stdout)


def _recreate_empty(admin: KafkaAdminClient, topics: HubTopics) -> None:
    doomed = [topics.audit, topics.checkpoints]
    admin.delete_topics(doomed)
    deadline = time.monotonic() + 60
    while True:
        try:
            admin.create_topics(
                {
                    name: {"num_partitions": topics.partitions, "replication_factor": 1}
                    for name in doomed
                },
                wait_for_metadata=True,
            )
            return
        except Exception:  # still being deleted
            assert time.monotonic() < deadline, "topics not recreated"
            time.sleep(0.5)


def test_anchors_catch_a_recreated_audit_log(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, _ = start_run(kafka_admin, settings, jobseekers=20, seed=8)
    env = lovhub_env(settings, world, tmp_path)
    hub_key = load_signing_key(Path(env["LOVHUB_AUDIT_SIGNING_KEY_FILE"]))
    run_worker_until_idle(
        settings, world, topics, tmp_path / "state", f"test-{topics.run}", signing_key=hub_key
    )
    anchors = tmp_path / "anchors.json"
    made = run_lovhub(
        env, "audit", "anchor", "--out", str(anchors), "--checkpoint-topic", topics.checkpoints
    )
    assert made.returncode == 0, made.stdout + made.stderr
    document = json.loads(anchors.read_text())
    assert {a["partition"] for a in document["anchors"]} == {0, 1, 2}
    code, report = _verify(env, topics, "--anchors", str(anchors))
    assert code == 0, report
    assert report["ok"] is True

    _recreate_empty(kafka_admin, topics)
    code, report = _verify(env, topics)
    assert code == 0, "without anchors an emptied log has nothing to contradict it"
    code, report = _verify(env, topics, "--anchors", str(anchors))
    assert code == 1
    kinds = {
        p["first_break"]["kind"]  # type: ignore[index]
        for p in report["partitions"]  # type: ignore[attr-defined]
        if p["first_break"]  # type: ignore[index]
    }
    assert kinds == {"ANCHOR_NOT_EXTENDED"}, report
