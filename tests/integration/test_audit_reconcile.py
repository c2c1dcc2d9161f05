"""`lovhub audit reconcile` balances the pipeline's books and finds a deleted delivery."""

from __future__ import annotations

import re
from pathlib import Path

from kafka import KafkaAdminClient, TopicPartition

from lovhub.synthetic import build_world
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import HubTopics, lovhub_env, read_all, run_worker_until_idle, start_run


def _reconcile(env: dict[str, str], topics: HubTopics) -> tuple[int, str]:
    result = run_lovhub(env, *topics.reconcile_args())
    return result.returncode, result.stdout + result.stderr


def test_books_balance_then_a_deleted_record_is_missing(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world = build_world(without_key=frozenset({"karriarbron"}))
    world, topics, scenario = start_run(
        kafka_admin, settings, jobseekers=40, seed=11, invalid_rate=0.05, world=world
    )
    assert scenario.invalid, "unreadable and invalid input must be accounted for too"
    run_worker_until_idle(settings, world, topics, tmp_path / "state", f"test-{topics.run}")
    env = lovhub_env(settings, world, tmp_path)

    code, output = _reconcile(env, topics)
    assert code == 0, output
    assert "books: balanced" in output
    assert re.search(rf"input records\s*│\s*{len(scenario.records)}\s*│", output), output
    assert re.search(r"recipient records without a decision\s*│\s*0\s*│", output)

    # Delete the first record of one recipient partition, as a broker fault or an operator's
    # mistake would.
    victim = next(
        record
        for recipient in world.recipients.providers()
        for record in read_all(settings, topics.recipient(recipient))
        if record.offset == 0
    )
    kafka_admin.delete_records({TopicPartition(victim.topic, victim.partition): 1})

    code, output = _reconcile(env, topics)
    assert code == 1, output
    assert "books: NOT balanced" in output
    assert f"delivery missing: {victim.topic}:{victim.partition}:0" in output
