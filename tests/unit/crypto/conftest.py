"""Keys and clocks for the crypto tests. Every key here is generated per test session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lovhub.crypto import (
    MLKEM768_X25519,
    X25519,
    FakeClock,
    RecipientPrivateKey,
    RecordDecryptor,
    RecordEncryptor,
    SealedRecord,
    Suite,
    Value,
    generate_key_pair,
)

VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2027, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
RECIPIENT = "jobbcoach-syd"
OTHER_RECIPIENT = "coachbolaget"
TOPIC = "lov.provider.jobbcoach-syd.v1"
EVENT = "6f1c2a3e-5b7d-4c9e-8f00-1a2b3c4d5e6f"
SUITES = [X25519, MLKEM768_X25519]

FIELDS: list[tuple[str, Value]] = [
    ("body.given_name", "Åsa"),
    ("body.birth_year", 1987),
    ("body.health.needs_adaptation", True),
    ("body.contact.phone", None),
    ("body.languages", ["sv", "en"]),
]
PATHS = [path for path, _ in FIELDS]

_KEYS: dict[tuple[str, str], RecipientPrivateKey] = {}


def key_for(suite: Suite, label: str = "main") -> RecipientPrivateKey:
    """One key per (suite, label), generated once per session: key generation is slow-ish."""
    if (suite.suite_id, label) not in _KEYS:
        _KEYS[suite.suite_id, label] = generate_key_pair(
            suite, valid_from=VALID_FROM, valid_to=VALID_TO
        )
    return _KEYS[suite.suite_id, label]


@pytest.fixture(params=SUITES, ids=lambda suite: suite.name)
def suite(request: pytest.FixtureRequest) -> Suite:
    selected: Suite = request.param
    return selected


@pytest.fixture
def private_key(suite: Suite) -> RecipientPrivateKey:
    return key_for(suite)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def seal(key: RecipientPrivateKey, clock: FakeClock) -> SealedRecord:
    """FIELDS sealed for RECIPIENT as event EVENT on TOPIC."""
    return RecordEncryptor(RECIPIENT, key.public_key(), clock=clock).seal_record(
        TOPIC, EVENT, FIELDS
    )


def open_one(
    decryptor: RecordDecryptor, sealed: SealedRecord, index: int = 0, **where: str
) -> Value:
    """Open one field of ``sealed`` where it belongs, or where ``where`` says."""
    assert sealed.wrapped_key is not None
    return decryptor.open_field(
        sealed.wrapped_key,
        sealed.envelopes[index],
        topic=where.get("topic", TOPIC),
        event_id=where.get("event_id", EVENT),
        path=where.get("path", PATHS[index]),
    )
