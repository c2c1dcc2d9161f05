"""Probing what the broker lets a principal do, as the isolation tests need it."""

from __future__ import annotations

from lovhub.kafka import producer
from lovhub.settings import KafkaSettings

__all__ = ["write_probe"]


def write_probe(settings: KafkaSettings, topic: str) -> None:
    """Write one probe record as ``settings``' principal; the broker's refusal raises
    ``TopicAuthorizationFailedError``. Without idempotence, so the refusal names the topic
    rather than the producer id."""
    writer = producer(settings, max_block_ms=15_000, enable_idempotence=False)
    try:
        writer.send(topic, key=b"probe", value=b"probe").get(timeout=30)
    finally:
        writer.close(timeout=5)
