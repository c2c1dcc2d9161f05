"""`lovhub redeliver` after a consent withdrawal: what the withdrawal forbids stays unsent,
what is still allowed is re-sent, marked and audited on its own chain."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient

from lovhub.audit import verify_chain
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.codec import AUDIT_DECISION, RECIPIENT_RECORD, codec_for, default_store
from lovhub.synthetic import build_world
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import (
    HubTopics,
    audit_outcomes,
    lovhub_env,
    produce_all,
    read_all,
    run_worker_until_idle,
)
from tests.support.stories import PROVIDER, THIRD_PARTY, consent_withdrawal_story


def _decoded(settings: Any, topic: str, schema: str) -> list[tuple[Any, dict[str, Any]]]:
    codec = codec_for(None)
    return [(r, codec.decode(r.value, schema)) for r in read_all(settings, topic)]


def test_redelivery_respects_todays_consents(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    redelivery_audit = f"test.{topics.run}.redelivery-audit"
    kafka_admin.create_topics(
        {redelivery_audit: {"num_partitions": 1, "replication_factor": 1}}, wait_for_metadata=True
    )
    story = consent_withdrawal_story()
    produce_all(settings, topics.source, list(story.records(codec_for(None))))
    run_worker_until_idle(settings, world, topics, tmp_path / "state", f"test-{topics.run}")
    env = lovhub_env(settings, world, tmp_path)
    _, decisions = audit_outcomes(settings, topics)
    before = {
        recipient: {
            d["event_id"]
            for d in decisions
            if d["outcome"] == "DELIVERED" and d["recipient_id"] == recipient
        }
        for recipient in (PROVIDER, THIRD_PARTY)
    }
    assert before[THIRD_PARTY], "the third party received consent-based data before"

    def redeliver(recipient: str, run_id: str) -> str:
        result = run_lovhub(
            env,
            "redeliver",
            "--recipient",
            recipient,
            "--from-time",
            "2000-01-01T00:00:00",
            "--run-id",
            run_id,
            *topics.redeliver_args(redelivery_audit),
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    third_topic = topics.recipient(world.recipients.get(THIRD_PARTY))  # type: ignore[arg-type]
    provider_topic = topics.recipient(world.recipients.get(PROVIDER))  # type: ignore[arg-type]
    third_before = len(read_all(settings, third_topic))
    provider_before = len(read_all(settings, provider_topic))

    output = redeliver(THIRD_PARTY, "run-third")
    assert "withheld now: CONSENT_WITHDRAWN" in output
    pseudonymiser = world.pseudonymiser()
    resent = [
        body for _, body in _decoded(settings, third_topic, RECIPIENT_RECORD) if body["redelivery"]
    ]
    assert resent, "what the kept consent allows is re-sent"
    assert {b["jobseeker_pseudonym"] for b in resent} == {
        pseudonymiser.for_recipient(THIRD_PARTY, story.consenting)
    }, "nothing is re-sent about the person who withdrew consent"

    # Records carry each recipient's own event reference, not the agency's event id.
    def references(recipient: str, event_ids: set[str]) -> set[str]:
        return {pseudonymiser.event_reference(recipient, e) for e in event_ids}

    assert {b["event_id"] for b in resent} < references(THIRD_PARTY, before[THIRD_PARTY])
    assert len(read_all(settings, third_topic)) == third_before + len(resent)

    redeliver(PROVIDER, "run-provider")
    provider_records = _decoded(settings, provider_topic, RECIPIENT_RECORD)
    again = [body for _, body in provider_records if body["redelivery"]]
    assert {b["event_id"] for b in again} == references(PROVIDER, before[PROVIDER]), (
        "assignment-based data is re-sent"
    )
    assert len(provider_records) == provider_before + len(again)
    originals = {body["delivery_id"] for _, body in provider_records if not body["redelivery"]}
    assert originals.isdisjoint(b["delivery_id"] for b in again), "new delivery ids"

    # Audited on the re-delivery chain, every record accounted for, and the chain verifies.
    audited = _decoded(settings, redelivery_audit, AUDIT_DECISION)
    assert all(d["redelivery"] for _, d in audited)
    outcomes = Counter((d["recipient_id"], d["outcome"], d["reason_code"]) for _, d in audited)
    assert outcomes[(THIRD_PARTY, "WITHHELD", "CONSENT_WITHDRAWN")] >= 1
    assert outcomes[(THIRD_PARTY, "DELIVERED", None)] == len(resent)
    assert outcomes[(PROVIDER, "DELIVERED", None)] == len(again)
    places = {(r.topic, r.partition, r.offset): body for r, body in provider_records}
    for _, decision in audited:
        if decision["recipient_id"] == PROVIDER:
            at = (
                decision["delivery_topic"],
                decision["delivery_partition"],
                decision["delivery_offset"],
            )
            assert places[at]["delivery_id"] == decision["delivery_id"]
    broken, _, count = verify_chain(
        [(r.offset, d) for r, d in audited], canonical_audit_encoder(default_store())
    )
    assert broken is None
    assert count == len(audited)
    verified = run_lovhub(
        env,
        "audit",
        "verify",
        "--topic",
        redelivery_audit,
        "--checkpoint-topic",
        topics.checkpoints,
        "--role",
        "redelivery",
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "checkpoint" in verified.stdout.lower()

    # The books still balance with the re-deliveries in them.
    reconciled = run_lovhub(env, *topics.reconcile_args(redelivery_audit))
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
