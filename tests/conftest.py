"""Fixtures shared by all tests. Kafka fixtures give a real broker or fail loudly."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from lovhub.compiled import stale_reason
from lovhub.kafka import admin_client
from tests.support.broker import TestBroker, provide_broker


def pytest_configure(config: pytest.Config) -> None:
    # Extension modules built from older sources would test old code (lovhub.compiled).
    reason = stale_reason()
    if reason is not None:
        pytest.exit(f"the compiled hot path is stale ({reason}): run `make compile`", returncode=4)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestBroker]:
    root: Path = tmp_path_factory.mktemp("kafka")
    try:
        context = provide_broker(root)
        broker = context.__enter__()
    except Exception as error:  # the message names the cause; the test errors, never skips
        pytest.fail(
            "no Kafka broker for the integration tests: set KAFKA_BOOTSTRAP_SERVERS, or run a "
            f"Docker engine, or install Java 17+ and Maven for the local broker ({error!r})",
            pytrace=False,
        )
    try:
        yield broker
    finally:
        context.__exit__(None, None, None)


@pytest.fixture
def kafka_admin(kafka_broker: TestBroker) -> Iterator[KafkaAdminClient]:
    client = admin_client(kafka_broker.admin_settings)
    yield client
    client.close()


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Names that no other test uses: tests never share topics, groups or principals."""

    def make(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    return make


@pytest.fixture
def new_topic(
    kafka_admin: KafkaAdminClient, unique_name: Callable[[str], str]
) -> Iterator[Callable[..., str]]:
    """Create a topic private to this test; it is deleted afterwards."""
    created: list[str] = []

    def create(prefix: str = "test", partitions: int = 1) -> str:
        name = unique_name(f"test.{prefix}")
        kafka_admin.create_topics(
            {name: {"num_partitions": partitions, "replication_factor": 1}},
            wait_for_metadata=True,
        )
        created.append(name)
        return name

    yield create
    if created:
        kafka_admin.delete_topics(created, raise_errors=False)
