"""The hub worker on a real broker: a mixed stream in, and every output accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from lovhub.codec import DEAD_LETTER_RECORD, RECIPIENT_RECORD, codec_for
from lovhub.crypto import CryptoError, RecordDecryptor, WrappedDataKey
from lovhub.kafka import producer
from lovhub.synthetic import build_world, generate_scenario
from tests.support.broker import TestBroker
from tests.support.expected import expected_outcomes
from tests.support.hubrun import (
    HubTopics,
    audit_chain_breaks,
    audit_outcomes,
    oracle_outcomes,
    read_all,
    run_worker_until_idle,
)


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return build_world(without_key=frozenset({"karriarbron"}))


def test_mixed_stream_is_shared_exactly_as_the_model_says(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    world,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    codec = codec_for(None)
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    settings = kafka_broker.admin_settings
    scenario = generate_scenario(world, codec, jobseekers=80, seed=11, invalid_rate=0.05)
    assert scenario.invalid, "the scenario must contain invalid records"
    writer = producer(settings)
    for key, value in scenario.records:
        writer.send(topics.source, key=key, value=value)
    writer.flush()
    writer.close()

    worker = run_worker_until_idle(
        settings, world, topics, tmp_path / "state", f"test-{topics.run}"
    )
    assert worker.health.healthy
    assert worker.health.events == len(scenario.records)

    source = read_all(settings, topics.source)
    expected = oracle_outcomes(world, topics, source)
    actual, decisions = audit_outcomes(settings, topics)
    assert len({d["decision_id"] for d in decisions}) == len(decisions), "no duplicates"
    assert actual == expected
    assert actual == expected_outcomes(world, scenario), "the reference model agrees"
    assert audit_chain_breaks(settings, topics) == {}, "every audit partition's chain verifies"

    valid_ids = {e["event_id"] for e in scenario.events if e is not None}
    audited_ids = {d["event_id"] for d in decisions if d["event_id"]}
    assert valid_ids <= audited_ids

    rejected = [d for d in decisions if d["outcome"] == "REJECTED"]
    letters = read_all(settings, topics.dead_letter)
    assert len(letters) == len(rejected) == sum(scenario.invalid.values())
    personal_ids = {
        e["body"][1]["personal_id"].encode()
        for e in scenario.events
        if e is not None and e["event_type"] == "REGISTRATION"
    }
    for letter in letters:
        assert not any(pid in letter.value for pid in personal_ids)
        assert codec.decode(letter.value, DEAD_LETTER_RECORD)["reason"] in {
            "MALFORMED",
            "INVALID_FIELD",
            "BAD_PERSONAL_ID",
            "UNKNOWN_RECIPIENT",
        }

    delivered = [d for d in decisions if d["outcome"] == "DELIVERED"]
    assert delivered, "the scenario must deliver something"
    # karriarbron has no key: it gets only records without personal fields, else NO_KEY.
    assert all(d["key_id"] is None for d in delivered if d["recipient_id"] == "karriarbron")
    assert any(
        d["reason_code"] == "NO_KEY" and d["recipient_id"] == "karriarbron" for d in decisions
    )
    _check_deliveries_against_audit(settings, world, topics, delivered)


def _check_deliveries_against_audit(settings, world, topics, delivered) -> None:  # type: ignore[no-untyped-def]
    codec = codec_for(None)
    by_place = {}
    for recipient in (*world.recipients.providers(), *world.recipients.third_parties()):
        for record in read_all(settings, topics.recipient(recipient)):
            by_place[(record.topic, record.partition, record.offset)] = record
    assert len(by_place) == len(delivered), "no record on a recipient topic lacks a decision"
    decryptors = {
        rid: RecordDecryptor(rid, {key.key_id: key}) for rid, key in world.private_keys.items()
    }
    for decision in delivered:
        place = (
            decision["delivery_topic"],
            decision["delivery_partition"],
            decision["delivery_offset"],
        )
        record = by_place[place]
        assert dict(record.headers)["delivery_id"].decode() == decision["delivery_id"]
        body = codec.decode(record.value, RECIPIENT_RECORD)
        assert body["recipient_id"] == decision["recipient_id"]
        assert [f["path"] for f in body["fields"]] == decision["delivered_fields"]
        if body["data_key"] is None:
            continue
        wrapped = WrappedDataKey.from_avro(body["data_key"])
        own = decryptors[body["recipient_id"]]
        other = next(d for rid, d in decryptors.items() if rid != body["recipient_id"])
        for field in body["fields"]:
            if field["encrypted"] is None:
                continue
            own.open_field(
                wrapped,
                field["encrypted"],
                topic=record.topic,
                event_id=body["event_id"],
                path=field["path"],
            )
            with pytest.raises(CryptoError):
                other.open_field(
                    wrapped,
                    field["encrypted"],
                    topic=record.topic,
                    event_id=body["event_id"],
                    path=field["path"],
                )
