"""The files of a local single-node KRaft broker: layout, server.properties, log4j2.

Clients reach the broker through a SASL_PLAINTEXT listener with SCRAM-SHA-512 on 127.0.0.1
and, when the layout has a TLS port, a SASL_SSL listener with the same SCRAM login whose
certificate a CA of the broker's own signs (:mod:`lovhub.devbroker.tls`). The controller
listener also sits on loopback and uses SASL PLAIN, because SCRAM credentials live in the
metadata log that the controller itself serves; its static ``lovhub-controller`` identity
is a super user so the broker can talk to its own controller.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from lovhub.private_files import write_private

__all__ = [
    "CONTROLLER_PRINCIPAL",
    "BrokerCredentials",
    "BrokerLayout",
    "load_or_create_credentials",
    "render_log4j2",
    "render_server_properties",
]

CONTROLLER_PRINCIPAL = "lovhub-controller"


@dataclass(frozen=True, slots=True)
class BrokerLayout:
    """Where one local broker keeps its files, and the ports it listens on."""

    root: Path
    client_port: int
    controller_port: int
    host: str = "127.0.0.1"
    tls_port: int | None = None  # a SASL_SSL listener as well (lovhub.devbroker.tls)
    # In a cluster (lovhub.devbroker.cluster): this node's id and every controller, as
    # "1@host:port,2@host:port,..." (a static quorum); None: a single node of its own.
    node_id: int = 1
    voters: str | None = None

    @property
    def cluster_size(self) -> int:
        return 1 if self.voters is None else len(self.voters.split(","))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def server_properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def log4j2_properties(self) -> Path:
        return self.root / "log4j2.properties"

    @property
    def pid_file(self) -> Path:
        return self.root / "broker.pid"

    @property
    def credentials_file(self) -> Path:
        return self.root / "credentials.json"

    @property
    def connection_file(self) -> Path:
        """What clients need: bootstrap address and the admin principal's credentials."""
        return self.root / "connection.json"

    @property
    def server_log(self) -> Path:
        return self.log_dir / "server.log"

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.client_port}"

    @property
    def tls_dir(self) -> Path:
        return self.root / "tls"

    @property
    def tls_bootstrap_servers(self) -> str | None:
        return None if self.tls_port is None else f"{self.host}:{self.tls_port}"


@dataclass(frozen=True, slots=True)
class BrokerCredentials:
    admin_user: str
    admin_password: str
    controller_password: str


def load_or_create_credentials(layout: BrokerLayout, admin_user: str) -> BrokerCredentials:
    """The broker's secrets are generated once, then reused so formatted data stays valid."""
    if layout.credentials_file.exists():
        data = json.loads(layout.credentials_file.read_text(encoding="utf-8"))
        return BrokerCredentials(**data)
    credentials = BrokerCredentials(
        admin_user=admin_user,
        admin_password=secrets.token_urlsafe(24),
        controller_password=secrets.token_urlsafe(24),
    )
    write_private(
        layout.credentials_file,
        json.dumps(
            {
                "admin_user": credentials.admin_user,
                "admin_password": credentials.admin_password,
                "controller_password": credentials.controller_password,
            },
            indent=2,
        ),
    )
    return credentials


def _jaas(module: str, **options: str) -> str:
    rendered = " ".join(f'{key}="{value}"' for key, value in options.items())
    return f"{module} required {rendered};"


def render_server_properties(
    layout: BrokerLayout, credentials: BrokerCredentials, keystore: Path | None = None
) -> str:
    """``keystore``: the TLS listener's PEM keystore (needed when the layout has a TLS port)."""
    scram_login = _jaas(
        "org.apache.kafka.common.security.scram.ScramLoginModule",
        username=credentials.admin_user,
        password=credentials.admin_password,
    )
    plain_login = _jaas(
        "org.apache.kafka.common.security.plain.PlainLoginModule",
        username=CONTROLLER_PRINCIPAL,
        password=credentials.controller_password,
        **{f"user_{CONTROLLER_PRINCIPAL}": credentials.controller_password},
    )
    host, client, controller = layout.host, layout.client_port, layout.controller_port
    quorum = (
        {"controller.quorum.bootstrap.servers": f"{host}:{controller}"}
        if layout.voters is None
        else {"controller.quorum.voters": layout.voters}
    )
    replicas = str(min(layout.cluster_size, 3))
    min_isr = str(max(1, min(layout.cluster_size, 3) - 1))
    properties = {
        "process.roles": "broker,controller",
        "node.id": str(layout.node_id),
        **quorum,
        "listeners": f"CLIENT://{host}:{client},CONTROLLER://{host}:{controller}",
        "advertised.listeners": f"CLIENT://{host}:{client}",
        "listener.security.protocol.map": "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "CLIENT",
        "sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
        "listener.name.client.sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "listener.name.client.scram-sha-512.sasl.jaas.config": scram_login,
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": plain_login,
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": f"User:{credentials.admin_user};User:{CONTROLLER_PRINCIPAL}",
        "allow.everyone.if.no.acl.found": "false",
        "auto.create.topics.enable": "false",
        "log.dirs": str(layout.data_dir),
        "num.partitions": "1",
        "offsets.topic.replication.factor": replicas,
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": min_isr,
        "transaction.state.log.num.partitions": "6",
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": min_isr,
        "default.replication.factor": replicas,
        "min.insync.replicas": min_isr,
        "group.initial.rebalance.delay.ms": "0",
        "group.consumer.min.session.timeout.ms": "6000",
    }
    if layout.tls_port is not None:
        if keystore is None:
            raise ValueError("a TLS port needs the broker's keystore")
        properties["listeners"] += f",TLS://{host}:{layout.tls_port}"
        properties["advertised.listeners"] += f",TLS://{host}:{layout.tls_port}"
        properties["listener.security.protocol.map"] += ",TLS:SASL_SSL"
        properties["listener.name.tls.sasl.enabled.mechanisms"] = "SCRAM-SHA-512"
        properties["listener.name.tls.scram-sha-512.sasl.jaas.config"] = scram_login
        properties["listener.name.tls.ssl.keystore.type"] = "PEM"
        properties["listener.name.tls.ssl.keystore.location"] = str(keystore)
        properties["listener.name.tls.ssl.client.auth"] = "none"
    lines = ["# Written by `lovhub dev up`; regenerated on every start.", ""]
    lines += [f"{key}={value}" for key, value in properties.items()]
    return "\n".join(lines) + "\n"


def render_log4j2(layout: BrokerLayout) -> str:
    return "\n".join(
        [
            "status = warn",
            "appender.file.type = File",
            "appender.file.name = FILE",
            f"appender.file.fileName = {layout.server_log}",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = FILE",
            "logger.kafka.name = org.apache.kafka",
            "logger.kafka.level = INFO",
            "logger.state.name = state.change.logger",
            "logger.state.level = WARN",
            "",
        ]
    )
