"""The Python example in docs/agency-guide.md works as written: run as an agency principal
against the real broker, it puts one event on the real agency topic, keyed by its jobseeker
id, that decodes with the hub's codec and passes the hub's validation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, TopicPartition

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.codec.validation import validate_jobseeker_event
from lovhub.kafka import consumer
from lovhub.provisioning.apply import ensure_topics
from lovhub.provisioning.hub import provision_agency_system
from lovhub.provisioning.topology import AGENCY_EVENTS, AGENCY_PRINCIPAL_PREFIX, hub_topics
from tests.support.acl_probes import remove_principals
from tests.support.broker import TestBroker

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "agency-guide.md"
PASSWORD = "test-only-agency-guide-password"


def python_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "the agency guide has exactly one Python example"
    return blocks[0]


@pytest.fixture
def agency_principal(
    kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> Iterator[str]:
    if AGENCY_EVENTS not in kafka_admin.list_topics():
        spec = next(t for t in hub_topics(partitions=1) if t.name == AGENCY_EVENTS)
        ensure_topics(kafka_admin, [spec], replication_factor=1)
    principal = unique_name(f"{AGENCY_PRINCIPAL_PREFIX}guide")
    provision_agency_system(kafka_admin, principal, password=PASSWORD)
    yield principal
    remove_principals(kafka_admin, principal)


def _end_offsets(broker: TestBroker) -> dict[TopicPartition, int]:
    reader = consumer(broker.admin_settings)
    try:
        partitions = [
            TopicPartition(AGENCY_EVENTS, p) for p in reader.partitions_for_topic(AGENCY_EVENTS)
        ]
        return dict(reader.end_offsets(partitions))
    finally:
        reader.close()


def _records_after(
    broker: TestBroker, start: dict[TopicPartition, int]
) -> list[tuple[bytes, bytes]]:
    reader = consumer(broker.admin_settings)
    try:
        reader.assign(list(start))
        for partition, offset in start.items():
            reader.seek(partition, offset)
        end = reader.end_offsets(list(start))
        found: list[tuple[bytes, bytes]] = []
        while any(reader.position(p) < end[p] for p in start):
            for batch in reader.poll(timeout_ms=1000).values():
                found.extend((record.key, record.value) for record in batch)
        return found
    finally:
        reader.close()


def test_the_python_example_sends_a_valid_event_as_the_agency_principal(
    kafka_broker: TestBroker, agency_principal: str, tmp_path: Path
) -> None:
    script = tmp_path / "agency_example.py"
    script.write_text(python_example(), encoding="utf-8")
    settings = kafka_broker.admin_settings
    before = _end_offsets(kafka_broker)
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("KAFKA_", "LOVHUB_"))
    }
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=settings.bootstrap_servers,
        KAFKA_SECURITY_PROTOCOL=str(settings.security_protocol.value),
        KAFKA_SASL_USERNAME=agency_principal,
        KAFKA_SASL_PASSWORD=PASSWORD,
    )
    ran = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    event_id = ran.stdout.strip().splitlines()[-1]

    codec = codec_for(None)
    sent = []
    for key, value in _records_after(kafka_broker, before):
        if value is None or not value.startswith(b"\xc3\x01"):
            continue  # other tests' probes share the topic
        event = codec.decode(value, JOBSEEKER_EVENT)
        if event["event_id"] == event_id:
            sent.append((key, event))
    assert len(sent) == 1, "exactly one record carries the example's event id"
    key, event = sent[0]
    validate_jobseeker_event(event)
    assert key == event["jobseeker_id"].encode("utf-8")
    assert event["event_type"] == "CONSENT_GIVEN"
    assert event["body"][0] == "se.lovhub.agency.ConsentGiven"
