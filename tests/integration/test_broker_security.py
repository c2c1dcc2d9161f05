"""The broker admits only authenticated principals, and only to what their ACLs allow."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import struct
from collections.abc import Callable, Iterator

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError as AioKafkaError
from kafka import KafkaAdminClient
from kafka.errors import (
    GroupAuthorizationFailedError,
    TopicAuthorizationFailedError,
)

from lovhub.kafka import client_config, consumer, producer
from lovhub.kafka.aio import aio_client_config
from lovhub.provisioning.apply import ensure_scram_user
from tests.support.broker import TestBroker


def test_admin_authenticates_with_scram_and_round_trips_a_record(
    kafka_broker: TestBroker, new_topic: Callable[..., str]
) -> None:
    topic = new_topic("scram")
    with_producer = producer(kafka_broker.admin_settings)
    with_producer.send(topic, key=b"k", value=b"hello").get(timeout=30)
    with_producer.close()
    reader = consumer(kafka_broker.admin_settings, topic, consumer_timeout_ms=10_000)
    values = [record.value for record in reader]
    reader.close()
    assert values == [b"hello"]


def test_wrong_password_is_refused(
    kafka_broker: TestBroker, caplog: pytest.LogCaptureFixture
) -> None:
    """aiokafka reports the broker's SASL answer directly (kafka-python may only see the
    disconnect that follows it), so it is the client this test speaks through."""
    wrong = kafka_broker.settings_for(
        kafka_broker.admin_settings.sasl_username or "", "not-the-password"
    )

    async def connect() -> None:
        client = AIOKafkaProducer(**aio_client_config(wrong), request_timeout_ms=10_000)
        try:
            await client.start()
        finally:
            await client.stop()

    with caplog.at_level(logging.ERROR), pytest.raises(AioKafkaError):
        asyncio.run(connect())
    assert "SaslAuthenticationFailed" in caplog.text


def _kafka_request_frame(api_key: int, api_version: int, correlation_id: int) -> bytes:
    client_id = b"lovhub-probe"
    header = struct.pack(">hhih", api_key, api_version, correlation_id, len(client_id))
    body = header + client_id + struct.pack(">i", 0)  # Metadata v0: an empty topic list
    return struct.pack(">i", len(body)) + body


def test_unauthenticated_client_gets_no_metadata(kafka_broker: TestBroker) -> None:
    """A client that skips SASL gets its connection closed, not an answer."""
    host, port = kafka_broker.bootstrap_servers.split(",")[0].rsplit(":", 1)
    metadata_request = _kafka_request_frame(api_key=3, api_version=0, correlation_id=7)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(metadata_request)
        answer = connection.recv(4096)
    assert answer == b""


@pytest.fixture
def principal_without_acls(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> Iterator[tuple[str, str]]:
    name, password = unique_name("test-noacl"), secrets.token_urlsafe(16)
    ensure_scram_user(kafka_admin, name, password)
    yield name, password
    from kafka.admin import ScramMechanism, UserScramCredentialDeletion

    kafka_admin.alter_user_scram_credentials(
        [UserScramCredentialDeletion(name, ScramMechanism.SCRAM_SHA_512)]
    )


def test_principal_without_acls_authenticates_but_cannot_write(
    kafka_broker: TestBroker,
    new_topic: Callable[..., str],
    principal_without_acls: tuple[str, str],
) -> None:
    topic = new_topic("noacl-write")
    settings = kafka_broker.settings_for(*principal_without_acls)
    writer = producer(settings, max_block_ms=10_000, enable_idempotence=False)
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            writer.send(topic, b"forbidden").get(timeout=20)
    finally:
        writer.close(timeout=5)


def test_principal_without_acls_cannot_read(
    kafka_broker: TestBroker,
    new_topic: Callable[..., str],
    principal_without_acls: tuple[str, str],
    unique_name: Callable[[str], str],
) -> None:
    topic = new_topic("noacl-read")
    admin_writer = producer(kafka_broker.admin_settings)
    admin_writer.send(topic, b"secret").get(timeout=30)
    admin_writer.close()
    settings = kafka_broker.settings_for(*principal_without_acls)
    reader = consumer(settings, topic, group_id=unique_name("test-noacl-group"))

    def poll_for_a_while() -> None:
        for _ in range(20):
            reader.poll(timeout_ms=500)

    try:
        with pytest.raises((TopicAuthorizationFailedError, GroupAuthorizationFailedError)):
            poll_for_a_while()
    finally:
        reader.close()


def test_client_config_carries_scram_settings(kafka_broker: TestBroker) -> None:
    config = client_config(kafka_broker.admin_settings)
    if kafka_broker.kind != "external":
        assert config["security_protocol"] == "SASL_PLAINTEXT"
        assert config["sasl_mechanism"] == "SCRAM-SHA-512"
