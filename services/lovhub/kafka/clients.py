"""kafka-python clients built from :class:`~lovhub.settings.KafkaSettings`."""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from lovhub.settings import KafkaSettings

__all__ = ["admin_client", "client_config", "consumer", "producer"]


def client_config(settings: KafkaSettings) -> dict[str, Any]:
    """Connection and authentication options common to every kafka-python client."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "security_protocol": str(settings.security_protocol),
        "client_id": "lovhub",
    }
    if settings.uses_sasl():
        config["sasl_mechanism"] = settings.sasl_mechanism
        config["sasl_plain_username"] = settings.sasl_username
        config["sasl_plain_password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
    if settings.ssl_cafile is not None:
        config["ssl_cafile"] = str(settings.ssl_cafile)
    return config


def admin_client(settings: KafkaSettings, **overrides: Any) -> KafkaAdminClient:
    return KafkaAdminClient(**{**client_config(settings), **overrides})


def producer(settings: KafkaSettings, **overrides: Any) -> KafkaProducer:
    defaults: dict[str, Any] = {"acks": "all", "enable_idempotence": True, "linger_ms": 5}
    return KafkaProducer(**{**client_config(settings), **defaults, **overrides})


def consumer(settings: KafkaSettings, *topics: str, **overrides: Any) -> KafkaConsumer:
    # The hub writes its evidence in transactions: a reader that is not told to read
    # committed would also see aborted attempts (retried under the same ids).
    defaults: dict[str, Any] = {
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
    }
    return KafkaConsumer(*topics, **{**client_config(settings), **defaults, **overrides})
