"""Kafka client construction from settings: the only place that knows about SASL and TLS."""

from lovhub.kafka.clients import admin_client, client_config, consumer, producer

__all__ = ["admin_client", "client_config", "consumer", "producer"]
