"""aiokafka client options from settings (the hub worker's clients are asynchronous)."""

from __future__ import annotations

import ssl
from typing import Any

from lovhub.kafka.outage import back_off_metadata_updates
from lovhub.settings import KafkaSettings, SecurityProtocol

__all__ = ["aio_client_config"]


def aio_client_config(settings: KafkaSettings) -> dict[str, Any]:
    """Every aiokafka client lovhub makes is configured here, so this is also where the
    outage backoff is installed (lovhub.kafka.outage)."""
    back_off_metadata_updates()
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": str(settings.security_protocol),
        "client_id": "lovhub-hub",
    }
    if settings.uses_sasl():
        config["sasl_mechanism"] = settings.sasl_mechanism
        config["sasl_plain_username"] = settings.sasl_username
        config["sasl_plain_password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
    if settings.security_protocol in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL):
        context = ssl.create_default_context(
            cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None
        )
        config["ssl_context"] = context
    return config
