"""A real three-broker (or N-broker) KRaft cluster on one machine, from the same jars as the
single local broker: each node is broker and controller, with its own directory and ports,
one static controller quorum, one cluster id and one admin credential. For tests and
experiments that need replication (RF 3, ``min.insync.replicas`` 2) and leader failover.

Node ``i`` (from 1) listens for clients on ``base_port + 10*(i-1)`` and for controllers on
the port after it. ``kill`` stops one node hard (SIGKILL), as a crash would.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from lovhub.devbroker.broker import LocalBroker, kafka_cluster_id
from lovhub.devbroker.config import BrokerLayout, load_or_create_credentials
from lovhub.devbroker.errors import BrokerError, PortInUseError
from lovhub.devbroker.jars import resolve_jars
from lovhub.devbroker.process import is_port_free, terminate_group
from lovhub.devbroker.tools import find_java
from lovhub.private_files import write_private
from lovhub.settings import DEFAULT_DEV_CLUSTER_PORT, KafkaSettings, SecurityProtocol, cache_dir

__all__ = ["DEFAULT_CLUSTER_PORT", "ClusterStatus", "LocalCluster"]

DEFAULT_CLUSTER_PORT = DEFAULT_DEV_CLUSTER_PORT
_PORT_STEP = 10


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    running: tuple[int, ...]  # node ids whose broker is up
    nodes: int
    bootstrap_servers: str
    connection_file: Path


class LocalCluster:
    def __init__(
        self,
        root: Path,
        *,
        nodes: int = 3,
        base_port: int = DEFAULT_CLUSTER_PORT,
        host: str = "127.0.0.1",
        admin_user: str = "lovhub-admin",
        jar_cache: Path | None = None,
        progress: object = None,
    ) -> None:
        if nodes < 1:
            raise ValueError("a cluster needs at least one node")
        self.root, self.host, self.admin_user = root, host, admin_user
        self.jar_cache = jar_cache or cache_dir()
        self._progress = progress if callable(progress) else (lambda _msg: None)
        ports = [(base_port + _PORT_STEP * i, base_port + _PORT_STEP * i + 1) for i in range(nodes)]
        voters = ",".join(f"{i + 1}@{host}:{controller}" for i, (_, controller) in enumerate(ports))
        credentials = load_or_create_credentials(BrokerLayout(root, 0, 0), admin_user)
        cluster_id = self._cluster_id()
        self.brokers = [
            LocalBroker(
                BrokerLayout(
                    root / f"node-{i + 1}",
                    client,
                    controller,
                    host,
                    node_id=i + 1,
                    voters=voters,
                ),
                jar_cache=self.jar_cache,
                admin_user=admin_user,
                cluster_id=cluster_id,
                credentials=credentials,
            )
            for i, (client, controller) in enumerate(ports)
        ]

    def _cluster_id(self) -> str:
        """One id for every node, made once (their formatted storage records it)."""
        path = self.root / "cluster-id"
        if path.is_file():
            return path.read_text(encoding="ascii").strip()
        self.root.mkdir(parents=True, exist_ok=True)
        cluster_id = kafka_cluster_id()
        path.write_text(cluster_id + "\n", encoding="ascii")
        return cluster_id

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(b.layout.bootstrap_servers for b in self.brokers)

    @property
    def connection_file(self) -> Path:
        return self.root / "connection.json"

    def node(self, node_id: int) -> LocalBroker:
        return self.brokers[node_id - 1]

    def admin_settings(self) -> KafkaSettings:
        credentials = self.brokers[0].credentials()
        return KafkaSettings.model_validate(
            {
                "LOVHUB_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
                "LOVHUB_KAFKA_SECURITY_PROTOCOL": SecurityProtocol.SASL_PLAINTEXT,
                "LOVHUB_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
                "LOVHUB_KAFKA_SASL_USERNAME": credentials.admin_user,
                "LOVHUB_KAFKA_SASL_PASSWORD": credentials.admin_password,
            }
        )

    def status(self) -> ClusterStatus:
        running = tuple(b.layout.node_id for b in self.brokers if b.status().running)
        return ClusterStatus(
            running, len(self.brokers), self.bootstrap_servers, self.connection_file
        )

    def up(self, timeout: float = 180.0) -> float:
        """Start every node that is not running (together: a quorum needs a majority) and
        wait until all are ready; the seconds it took."""
        stopped = [b for b in self.brokers if not b.status().running]
        if not stopped:
            return 0.0
        for broker in stopped:
            for port in (broker.layout.client_port, broker.layout.controller_port):
                if not is_port_free(self.host, port):
                    raise PortInUseError(
                        f"port {port} on {self.host} is taken: choose another base port"
                    )
        java = find_java()
        jars = resolve_jars(self.jar_cache, progress=self._progress)
        started = time.monotonic()
        launched = []
        for broker in stopped:
            broker.prepare(java, jars, broker.credentials())
            launched.append((broker, *broker.launch(java, jars)))
        for broker, pid, offset in launched:
            broker.wait_until_ready(pid, offset, started + timeout)
            self._progress(f"node {broker.layout.node_id} ready")
        self._write_connection_file()
        return time.monotonic() - started

    def kill(self, node_id: int) -> None:
        """Stop one node at once (SIGKILL), as a crash or a lost machine would."""
        broker = self.node(node_id)
        pid = broker.status().pid
        if pid is None:
            raise BrokerError(f"node {node_id} is not running")
        terminate_group(pid, 0.0, first_signal=signal.SIGKILL)
        broker.layout.pid_file.unlink(missing_ok=True)

    def down(self, *, clean: bool = True) -> None:
        """Stop every node: all asked at once (one at a time, the last ones would wait for
        a quorum that is already shutting down), or killed when not ``clean``."""
        live = [(b, b.status().pid) for b in self.brokers]
        for broker, pid in live:
            if pid is None:
                continue
            if clean:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGTERM)
            else:
                self.kill(broker.layout.node_id)
        for broker, _ in live:
            broker.down()

    def _write_connection_file(self) -> None:
        credentials = self.brokers[0].credentials()
        connection = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "username": credentials.admin_user,
            "password": credentials.admin_password,
        }
        write_private(self.connection_file, json.dumps(connection, indent=2))
