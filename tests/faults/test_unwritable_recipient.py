"""One recipient's write ACL is revoked mid-stream (issue 12, parts 3 and 6): the others keep
receiving, that recipient's deliveries are withheld and audited (RECIPIENT_UNAVAILABLE),
health names it, and after the ACL is restored an operator re-delivers the held window and
releases the hold; nothing is lost, nothing overtakes what was held.

The worker runs as a principal of its own with the hub's kind of rights: literal WRITE on
each recipient topic (as ``hub_delivery_acl`` grants in production), so revoking one
recipient's rule is exactly what an operator's mistake or a broker-side change would do.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from lovhub.codec import AUDIT_DECISION, RECIPIENT_RECORD, codec_for
from lovhub.provisioning.apply import ensure_scram_user, grant_acls, revoke_acls
from lovhub.provisioning.topology import AclOperation, AclSpec, PatternType, ResourceKind
from lovhub.registry import Recipient
from lovhub.synthetic import build_world, generate_scenario
from tests.support.acl_probes import remove_principals
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import HubTopics, lovhub_env, produce_all, read_all
from tests.support.judge import judge

LOVHUB = str(Path(sys.executable).parent / "lovhub")
HUB_PASSWORD = "test-only-hub-password"


def _hub_rules(
    user: str, topics: HubTopics, group: str, recipients: list[Recipient]
) -> list[AclSpec]:
    """The hub's rights on this run's topics: read everything of the run, write its own
    topics and each recipient topic by a literal rule, transactions under its group."""
    principal = f"User:{user}"
    topic, lit, pre = ResourceKind.TOPIC, PatternType.LITERAL, PatternType.PREFIXED
    prefix = f"{topics.namespace}.{topics.run}."
    rules = [
        AclSpec(principal, topic, prefix, pre, AclOperation.READ),
        AclSpec(principal, ResourceKind.GROUP, group, lit, AclOperation.READ),
        AclSpec(
            principal,
            ResourceKind.TRANSACTIONAL_ID,
            f"lovhub-hub-txn.{group}.",
            pre,
            AclOperation.WRITE,
        ),
        AclSpec(
            principal,
            ResourceKind.TRANSACTIONAL_ID,
            f"lovhub-hub-txn.{group}.",
            pre,
            AclOperation.DESCRIBE,
        ),
    ]
    own = (topics.audit, topics.dead_letter, topics.changelog, topics.checkpoints, topics.holds)
    rules += [AclSpec(principal, topic, name, lit, AclOperation.WRITE) for name in own]
    rules += [_delivery_rule(user, topics, r) for r in recipients]
    return rules


def _delivery_rule(user: str, topics: HubTopics, recipient: Recipient) -> AclSpec:
    return AclSpec(
        f"User:{user}",
        ResourceKind.TOPIC,
        topics.recipient(recipient),
        PatternType.LITERAL,
        AclOperation.WRITE,
    )


def _committed(admin: KafkaAdminClient, topics: HubTopics, group: str) -> int:
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    except KafkaError:  # no coordinator for the group yet (a fresh broker)
        return 0
    return sum(m.offset for tp, m in offsets.items() if tp.topic == topics.source)


def _end(settings: Any, topics: HubTopics) -> int:
    return len(read_all(settings, topics.source))


def _wait(condition: Any, what: str, seconds: float = 180.0) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"timed out waiting for {what}"
        time.sleep(0.2)
    return time.monotonic() - started


def _health(worker_dir: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((worker_dir / "health.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def test_one_unwritable_recipient_is_not_everyones_outage(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    redelivery_audit = f"{topics.namespace}.{topics.run}.redelivery-audit"
    kafka_admin.create_topics(
        {redelivery_audit: {"num_partitions": 1, "replication_factor": 1}}, wait_for_metadata=True
    )
    codec = codec_for(None)
    scenario = generate_scenario(world, codec, jobseekers=1500, seed=606, invalid_rate=0.02)
    records = scenario.records
    thirds = (len(records) // 3, 2 * len(records) // 3)
    recipients = [*world.recipients.providers(), *world.recipients.third_parties()]
    held = world.recipients.providers()[0]
    group = f"test-{topics.run}"
    user = f"test-hub-{topics.run}"
    ensure_scram_user(kafka_admin, user, HUB_PASSWORD)
    grant_acls(kafka_admin, _hub_rules(user, topics, group, recipients))
    admin_env = lovhub_env(settings, world, tmp_path)
    hub_env = {
        **admin_env,
        "LOVHUB_KAFKA_SASL_USERNAME": user,
        "LOVHUB_KAFKA_SASL_PASSWORD": HUB_PASSWORD,
    }
    hub_env.pop("LOVHUB_ALLOW_ADMIN_PRINCIPAL")
    worker_dir = tmp_path / "worker"
    log = tmp_path / "worker.log"
    command = [LOVHUB, *topics.run_args(group=group, worker_dir=worker_dir), "--max-batch", "300"]
    worker = subprocess.Popen(command, env=hub_env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        # 1. Every recipient writable.
        produce_all(settings, topics.source, records[: thirds[0]])
        _wait(lambda: _committed(kafka_admin, topics, group) >= _end(settings, topics), "part 1")

        # 2. The held recipient's WRITE is revoked: the rest of the stream still commits.
        revoke_acls(kafka_admin, [_delivery_rule(user, topics, held)])
        produce_all(settings, topics.source, records[thirds[0] : thirds[1]])
        drained = _wait(
            lambda: _committed(kafka_admin, topics, group) >= _end(settings, topics),
            "part 2 to commit while one recipient topic is unwritable",
        )
        health = _health(worker_dir)
        assert held.id in health["holds"]["recipient"], health
        assert not health["healthy"]
        listed = run_lovhub(admin_env, "recipient", "holds", "--holds-topic", topics.holds)
        assert held.id in listed.stdout, listed.stdout + listed.stderr

        # 3. The ACL is back; the operator re-delivers the held window, then releases (a
        # release before the re-delivery is refused: new records would overtake held ones).
        grant_acls(kafka_admin, [_delivery_rule(user, topics, held)])
        release = [
            "recipient",
            "release",
            held.id,
            "--holds-topic",
            topics.holds,
            "--redelivery-audit-topic",
            redelivery_audit,
        ]
        early = run_lovhub(admin_env, *release)
        assert early.returncode != 0, early.stdout
        assert "no re-delivery" in early.stdout + early.stderr
        redelivered = run_lovhub(
            admin_env,
            "redeliver",
            "--recipient",
            held.id,
            "--unavailable",
            "--run-id",
            "after-acl",
            *topics.redeliver_args(redelivery_audit),
        )
        assert redelivered.returncode == 0, redelivered.stdout + redelivered.stderr
        released = run_lovhub(admin_env, *release)
        assert released.returncode == 0, released.stdout + released.stderr

        # 4. Deliveries to it resume after the re-delivered ones.
        produce_all(settings, topics.source, records[thirds[1] :])
        _wait(lambda: _committed(kafka_admin, topics, group) >= _end(settings, topics), "part 3")
        _wait(lambda: not _health(worker_dir).get("holds"), "the worker to drop the hold", 30)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
        remove_principals(kafka_admin, user)
    assert worker.returncode == 0, log.read_text(encoding="utf-8", errors="replace")[-4000:]

    verdict = judge(settings, world, topics, redelivery_audit=redelivery_audit)
    decisions = [codec.decode(r.value, AUDIT_DECISION) for r in read_all(settings, topics.audit)]
    by_id = {d["decision_id"]: d for d in decisions}
    owed = [by_id[i] for i in verdict.awaiting_redelivery]
    print(
        f"{len(records)} events; one recipient unwritable for part 2 ({drained:.1f}s to commit "
        f"it); {len(owed)} deliveries withheld for it and re-delivered; {verdict.summary()}"
    )
    assert verdict.clean, verdict.summary()
    assert verdict.events == len(records)
    assert owed, "the revoked recipient had deliveries withheld"
    assert {d["recipient_id"] for d in owed} == {held.id}

    # The others kept receiving while the held recipient could not: part 2 committed while
    # its topic was unwritable, and the events withheld from it reached other recipients.
    owed_events = {d["event_id"] for d in owed}
    others_then = [
        d
        for d in decisions
        if d["outcome"] == "DELIVERED"
        and d["recipient_id"] != held.id
        and d["event_id"] in owed_events
    ]
    assert others_then, "events whose delivery to the held recipient was withheld reached others"

    # Every owed delivery was re-delivered (or withheld under today's facts), on its chain.
    again = [codec.decode(r.value, AUDIT_DECISION) for r in read_all(settings, redelivery_audit)]
    assert {d["event_id"] for d in again} == owed_events
    assert all(d["redelivery"] and d["recipient_id"] == held.id for d in again)
    assert any(d["outcome"] == "DELIVERED" for d in again)

    # Nothing overtook what was held: on each partition of the recipient's topic, live
    # records before the hold, then the re-delivered ones, then live ones again.
    kinds: dict[int, str] = {}
    for record in sorted(
        read_all(settings, topics.recipient(held)), key=lambda r: (r.partition, r.offset)
    ):
        body = codec.decode(record.value, RECIPIENT_RECORD)
        kinds[record.partition] = kinds.get(record.partition, "") + (
            "R" if body["redelivery"] else "L"
        )
    assert any("R" in sequence for sequence in kinds.values())
    for partition, sequence in kinds.items():
        assert re.fullmatch("L*R*L*", sequence), (partition, sequence)
