from __future__ import annotations

from collections.abc import Iterator

import pytest

from lovhub.codec import (
    Codec,
    ConfluentCodec,
    SchemaRegistryClient,
    SchemaStore,
    SingleObjectCodec,
    default_store,
)
from tests.unit.codec.fake_registry import FakeSchemaRegistry


@pytest.fixture(scope="session")
def store() -> SchemaStore:
    return default_store()


@pytest.fixture
def registry() -> Iterator[FakeSchemaRegistry]:
    with FakeSchemaRegistry() as fake:
        yield fake


@pytest.fixture(scope="session")
def shared_registry() -> Iterator[FakeSchemaRegistry]:
    with FakeSchemaRegistry() as fake:
        yield fake


@pytest.fixture(params=["single-object", "confluent"])
def codec(
    request: pytest.FixtureRequest, store: SchemaStore, shared_registry: FakeSchemaRegistry
) -> Codec:
    """Each test using this runs once per wire format (a fresh codec, so empty caches)."""
    if request.param == "single-object":
        return SingleObjectCodec(store)
    return ConfluentCodec(store, SchemaRegistryClient(shared_registry.url))
