"""A SCRAM- and ACL-enabled Kafka in Docker, configured from deploy/docker-compose.yml.

Used by the test fixtures only when a Docker engine answers. The broker's environment and
entrypoint are read from the compose file's ``kafka`` service, so tests exercise the same
security set-up that compose deploys; only the host listener is moved to a free port.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from lovhub.devbroker import free_port_pair
from lovhub.settings import KafkaSettings

__all__ = ["scram_kafka_container"]

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "docker-compose.yml"
ADMIN_PASSWORD = "test-only-admin-password"
_DEFAULT = re.compile(r"\$\{[A-Z_]+:-([^}]*)\}")


def _kafka_service() -> dict[str, Any]:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    service: dict[str, Any] = compose["services"]["kafka"]
    return service


def _resolved(value: object) -> str:
    """Compose's ``${VAR:-default}`` becomes the default."""
    return _DEFAULT.sub(lambda match: match.group(1), str(value))


@contextlib.contextmanager
def scram_kafka_container() -> Iterator[KafkaSettings]:
    from testcontainers.core.container import DockerContainer

    service = _kafka_service()
    host_port, _ = free_port_pair()
    environment = {key: _resolved(value) for key, value in service["environment"].items()}
    environment["LOVHUB_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    environment["KAFKA_ADVERTISED_LISTENERS"] = (
        f"CLIENT://localhost:9092,HOST://localhost:{host_port}"
    )
    container = DockerContainer(service["image"])
    for key, value in environment.items():
        container = container.with_env(key, value)
    entrypoint_script = REPO / "deploy" / "docker" / "kafka-entrypoint.sh"
    container = (
        container.with_volume_mapping(str(entrypoint_script), "/opt/lovhub/kafka-entrypoint.sh")
        .with_bind_ports(29092, host_port)
        .with_kwargs(entrypoint=["bash", "/opt/lovhub/kafka-entrypoint.sh"])
        .with_command("start")
    )
    with container:
        _wait_healthy(container)
        yield KafkaSettings.model_validate(
            {
                "LOVHUB_KAFKA_BOOTSTRAP_SERVERS": f"localhost:{host_port}",
                "LOVHUB_KAFKA_SASL_USERNAME": environment["LOVHUB_ADMIN_PRINCIPAL"],
                "LOVHUB_KAFKA_SASL_PASSWORD": ADMIN_PASSWORD,
            }
        )


def _wait_healthy(container: Any, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = container.exec(["bash", "/opt/lovhub/kafka-entrypoint.sh", "healthcheck"])
        if result.exit_code == 0:
            return
        time.sleep(2)
    raise RuntimeError("the Kafka container did not become healthy in time")
