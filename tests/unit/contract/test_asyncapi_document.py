"""docs/asyncapi.yaml is what the topology and schemas/ give, and says what they say.

The expectations below are written from the domain (who may write and read which topic,
docs/security.md), not read from the generator: a wrong ACL derivation fails them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from lovhub.codec.names import TOP_LEVEL_SCHEMAS
from lovhub.codec.store import SchemaStore
from lovhub.contract import ContractError, contract_yaml
from lovhub.contract.asyncapi import AVRO_SCHEMA_FORMAT, GENERATED_HEADER
from lovhub.contract.topics import content_of
from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AGENCY_REPORTS,
    AUDIT,
    AUDIT_CHECKPOINTS,
    DEAD_LETTER,
    HUB_STATE_CHANGELOG,
    LOOKUP_AUDIT,
    RECIPIENT_CHANGES,
    RECIPIENT_HOLDS,
    RECIPIENT_REGISTRY,
    REDELIVERY_AUDIT,
    REPORT_AUDIT,
    hub_topics,
)

REPO = Path(__file__).resolve().parents[3]
DOCS = REPO / "docs"
SCHEMAS = REPO / "schemas"
COMMITTED = DOCS / "asyncapi.yaml"

HUB, REPORTS, AGENCY = "User:lovhub-hub", "User:lovhub-reports", "User:lovhub-agency"
AGENCY_SYSTEM = "User:lovhub-agency-{system}"
PROVIDER, THIRD_PARTY = "User:{providerId}", "User:{recipientId}"

# topic -> (principals that may write it, principals that may read it); the super user aside.
EXPECTED_ACCESS: dict[str, tuple[set[str], set[str]]] = {
    AGENCY_EVENTS: ({AGENCY, AGENCY_SYSTEM}, {HUB}),
    AUDIT: ({HUB}, {HUB}),
    REPORT_AUDIT: ({REPORTS}, {REPORTS}),
    REDELIVERY_AUDIT: (set(), set()),
    RECIPIENT_CHANGES: (set(), {HUB, REPORTS}),
    # Operators' lookups: written and read by the admin principal only (issue 15, part 4).
    LOOKUP_AUDIT: (set(), set()),
    AUDIT_CHECKPOINTS: ({HUB, REPORTS}, {HUB, REPORTS}),
    DEAD_LETTER: ({HUB, REPORTS}, set()),
    RECIPIENT_REGISTRY: (set(), {HUB, REPORTS}),
    HUB_STATE_CHANGELOG: ({HUB}, {HUB, REPORTS}),
    # Holds of unwritable recipients: the hub writes and follows them; operators release
    # them as the admin principal (issue 12, part 6).
    RECIPIENT_HOLDS: ({HUB}, {HUB}),
    AGENCY_REPORTS: ({REPORTS}, set()),
    "lov.provider.{providerId}.v1": ({HUB}, {PROVIDER}),
    "lov.provider.{providerId}.reports.v1": ({PROVIDER}, {REPORTS}),
    "lov.thirdparty.{recipientId}.v1": ({HUB}, {THIRD_PARTY}),
}
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """A fresh build (the committed file is compared with it below)."""
    loaded = yaml.safe_load(contract_yaml(SchemaStore.load(SCHEMAS), document_dir=DOCS))
    assert isinstance(loaded, dict)
    return loaded


def _channel(document: dict[str, Any], topic: str) -> dict[str, Any]:
    found = [c for c in document["channels"].values() if c["address"] == topic]
    assert len(found) == 1, topic
    return found[0]


def _operation(document: dict[str, Any], topic: str, action: str) -> dict[str, Any]:
    channel_id = next(k for k, c in document["channels"].items() if c["address"] == topic)
    found = [
        op
        for op in document["operations"].values()
        if op["channel"]["$ref"] == f"#/channels/{channel_id}" and op["action"] == action
    ]
    assert len(found) == 1, (topic, action)
    return found[0]


def test_the_committed_document_is_exactly_what_the_generator_gives() -> None:
    regenerated = contract_yaml(SchemaStore.load(SCHEMAS), document_dir=DOCS)
    assert COMMITTED.read_text(encoding="utf-8") == regenerated, (
        "docs/asyncapi.yaml is stale or was edited: run `lovhub admin asyncapi` and commit it"
    )


def test_the_document_says_it_is_generated() -> None:
    assert COMMITTED.read_text(encoding="utf-8").startswith(GENERATED_HEADER)


def test_every_topic_is_a_channel_once(document: dict[str, Any]) -> None:
    addresses = sorted(c["address"] for c in document["channels"].values())
    assert addresses == sorted(EXPECTED_ACCESS)
    assert {spec.name for spec in hub_topics()} <= set(addresses)


@pytest.mark.parametrize("topic", sorted(EXPECTED_ACCESS))
def test_who_may_write_and_read_each_topic(document: dict[str, Any], topic: str) -> None:
    writers, readers = EXPECTED_ACCESS[topic]
    for action, expected in (("send", writers), ("receive", readers)):
        operation = _operation(document, topic, action)
        listed = {grant["principal"] for grant in operation["x-lovhub-acls"]}
        assert listed == expected, (topic, action)
        assert operation["security"] == [{"$ref": "#/components/securitySchemes/scramSha512"}]
        assert "User:lovhub-admin" in operation["description"]


def test_a_recipient_reads_only_under_its_own_group_prefix(document: dict[str, Any]) -> None:
    receive = _operation(document, "lov.provider.{providerId}.v1", "receive")
    (grant,) = receive["x-lovhub-acls"]
    assert grant["consumerGroups"] == ["ALLOW READ GROUP PREFIXED {providerId}."]


def test_topic_bindings_carry_the_topology_configuration(document: dict[str, Any]) -> None:
    agency = _channel(document, AGENCY_EVENTS)["bindings"]["kafka"]
    assert agency["partitions"] == 6
    assert agency["replicas"] == 3
    assert agency["topicConfiguration"] == {
        "cleanup.policy": ["delete"],
        "message.timestamp.type": "LogAppendTime",
        "min.insync.replicas": 2,
        "retention.ms": 400 * DAY_MS,
    }
    registry = _channel(document, RECIPIENT_REGISTRY)["bindings"]["kafka"]
    assert registry["partitions"] == 1
    assert registry["topicConfiguration"]["cleanup.policy"] == ["compact"]
    assert registry["topicConfiguration"]["retention.ms"] == -1
    delivery = _channel(document, "lov.thirdparty.{recipientId}.v1")["bindings"]["kafka"]
    assert delivery["topicConfiguration"]["retention.ms"] == 30 * DAY_MS


def test_record_keys_are_described(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    assert messages["JobseekerEvent.v3"]["bindings"]["kafka"]["key"]["type"] == "string"
    assert messages["DeadLetterRecord.v1"]["bindings"]["kafka"]["key"]["type"] == "null"
    assert messages["AuditDecision.v1"]["bindings"]["kafka"]["key"]["type"] == ["string", "null"]


def test_every_schema_version_is_a_message_referencing_its_file(document: dict[str, Any]) -> None:
    avro_refs = {
        message["payload"]["schema"]["$ref"]
        for message in document["components"]["messages"].values()
        if message["payload"].get("schemaFormat") == AVRO_SCHEMA_FORMAT
    }
    files = {f"../schemas/{p.relative_to(SCHEMAS).as_posix()}" for p in SCHEMAS.glob("*/*.avsc")}
    assert avro_refs == files
    for ref in avro_refs:
        schema = json.loads((DOCS / ref).read_text(encoding="utf-8"))
        assert f"{schema['namespace']}.{schema['name']}" in TOP_LEVEL_SCHEMAS


def test_a_single_object_header_is_published_per_version(document: dict[str, Any]) -> None:
    # C3 01 and the fingerprint pinned by tests/unit/codec/test_evolution.py.
    messages = document["components"]["messages"]
    headers = {name: m.get("x-lovhub-single-object-header") for name, m in messages.items()}
    assert headers["JobseekerEvent.v1"] == "c301" + "37d128cb9d7e581a"
    assert headers["JobseekerEvent.v3"] == "c301" + "65000d7a0dbffc88"


def test_a_topic_without_a_contract_stops_the_generation() -> None:
    with pytest.raises(ContractError, match=r"lov\.hub\.unheard-of\.v1"):
        content_of("lov.hub.unheard-of.v1")
