"""Where the test suite's real Kafka broker comes from.

Order: an external broker when ``KAFKA_BOOTSTRAP_SERVERS`` is set (credentials from the usual
``LOVHUB_KAFKA_*`` / ``KAFKA_SASL_*`` variables); else a broker in Docker through testcontainers
when a Docker engine answers; else the project's own local broker from Maven jars, in a
temporary directory on free ports. If none can be had the Kafka tests fail; they never skip.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lovhub.devbroker import BrokerLayout, LocalBroker, free_port_pair
from lovhub.settings import KafkaSettings, SecurityProtocol

__all__ = ["TestBroker", "provide_broker"]


@dataclass(frozen=True)
class TestBroker:
    """A running broker and the super-user settings to reach it."""

    __test__ = False  # not a test class, despite the name

    kind: str
    admin_settings: KafkaSettings
    # The admin over a SASL_SSL listener, verifying the broker's certificate (None: unknown).
    tls_settings: KafkaSettings | None = None

    @property
    def bootstrap_servers(self) -> str:
        return self.admin_settings.bootstrap_servers

    def settings_for(self, username: str, password: str) -> KafkaSettings:
        return self.admin_settings.with_credentials(username, password)

    def admin_environment(self, state_dir: Path) -> dict[str, str]:
        """This process's environment plus what a ``lovhub`` subprocess needs to reach
        the broker as the admin, with its local state in ``state_dir``."""
        settings = self.admin_settings
        assert settings.sasl_password is not None
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
            "LOVHUB_KAFKA_SASL_USERNAME": settings.sasl_username or "",
            "LOVHUB_KAFKA_SASL_PASSWORD": settings.sasl_password.get_secret_value(),
            "LOVHUB_STATE_DIR": str(state_dir),
        }


def _docker_engine_answers() -> bool:
    if os.environ.get("LOVHUB_TEST_NO_DOCKER"):
        return False
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
    except Exception:  # any failure means: no usable engine here
        return False
    return True


def _another_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def provide_broker(tmp_root: Path) -> Iterator[TestBroker]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get(
        "LOVHUB_KAFKA_BOOTSTRAP_SERVERS"
    ):
        settings = KafkaSettings()  # type: ignore[call-arg]  # from the environment
        settings.check()
        tls = os.environ.get("KAFKA_TLS_BOOTSTRAP_SERVERS")
        tls_settings = None
        if tls and os.environ.get("KAFKA_TLS_CAFILE"):
            tls_settings = settings.model_copy(
                update={
                    "bootstrap_servers": tls,
                    "security_protocol": SecurityProtocol.SASL_SSL,
                    "ssl_cafile": Path(os.environ["KAFKA_TLS_CAFILE"]),
                }
            )
        yield TestBroker("external", settings, tls_settings)
        return
    if _docker_engine_answers():
        from tests.support.container import scram_kafka_container

        with scram_kafka_container() as settings:
            yield TestBroker("testcontainers", settings)
        return
    client_port, controller_port = free_port_pair()
    layout = BrokerLayout(
        tmp_root / "broker", client_port, controller_port, tls_port=_another_free_port()
    )
    broker = LocalBroker(layout)
    broker.up(timeout=180)
    try:
        yield TestBroker("local", broker.admin_settings(), broker.tls_admin_settings())
    finally:
        broker.down()
