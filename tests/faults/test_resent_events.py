"""The agency re-sends 1,000 events the hub has already decided (issue 12, part 2).

Before: 360 decision ids carried two different outcomes and 242 deliveries were written
twice. Now each re-send is audited once as a duplicate input and delivers nothing, and the
judge (tests.support.judge) finds every decision id with its one outcome, also after a
restart on a fresh disk (the event-id index comes back from the changelog).
"""

from __future__ import annotations

import random
from pathlib import Path

from kafka import KafkaAdminClient

from lovhub.codec import AUDIT_DECISION, codec_for
from tests.support.broker import TestBroker
from tests.support.hubrun import produce_all, read_all, run_worker_until_idle, start_run
from tests.support.judge import judge


def test_resent_events_are_recognised_and_deliver_nothing_new(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, scenario = start_run(kafka_admin, settings, jobseekers=600, seed=91)
    group = f"test-{topics.run}"
    run_worker_until_idle(settings, world, topics, tmp_path / "first-disk", group)
    recipients = [
        topics.recipient(r)
        for r in (*world.recipients.providers(), *world.recipients.third_parties())
    ]
    delivered_before = sum(len(read_all(settings, t)) for t in recipients)

    resent = random.Random(91).sample(scenario.records, 1000)
    produce_all(settings, topics.source, resent)
    run_worker_until_idle(settings, world, topics, tmp_path / "fresh-disk", group)

    codec = codec_for(None)
    decisions = [codec.decode(r.value, AUDIT_DECISION) for r in read_all(settings, topics.audit)]
    duplicates = [d for d in decisions if d["reason_code"] == "DUPLICATE_INPUT"]
    verdict = judge(settings, world, topics)
    print(f"1000 re-sent: {len(duplicates)} audited as duplicate inputs; {verdict.summary()}")
    # The stream holds 3% invalid records: a re-sent one is rejected again, as the first
    # time (a recognisable duplicate decision); every valid one is a duplicate input.
    assert len(duplicates) >= 900
    assert all(d["recipient_id"] is None and d["outcome"] == "WITHHELD" for d in duplicates)
    assert sum(len(read_all(settings, t)) for t in recipients) == delivered_before
    assert verdict.clean, verdict.summary()
    assert verdict.contradictory == []
