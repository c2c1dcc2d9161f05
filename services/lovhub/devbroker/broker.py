"""A real single-node Apache Kafka 4 broker (KRaft) run from Maven jars, without Docker.

``up`` is idempotent: a running broker is reported, not started twice. Data survives
``down``/``up``; ``reset`` removes it. The admin principal's credentials are written to a
0600 connection file that :func:`lovhub.settings.load_kafka_settings` picks up.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lovhub.devbroker.config import (
    BrokerCredentials,
    BrokerLayout,
    load_or_create_credentials,
    render_log4j2,
    render_server_properties,
)
from lovhub.devbroker.errors import BrokerError, BrokerStartError, PortInUseError
from lovhub.devbroker.jars import classpath, resolve_jars
from lovhub.devbroker.process import (
    is_port_free,
    pid_is_running,
    process_cmdline,
    terminate_group,
)
from lovhub.devbroker.tls import BrokerTls, ensure_broker_tls
from lovhub.devbroker.tools import find_java
from lovhub.private_files import create_private, write_private
from lovhub.settings import (
    DevBrokerSettings,
    HubPrincipals,
    KafkaSettings,
    SecurityProtocol,
    cache_dir,
    state_dir,
)

__all__ = [
    "BrokerStatus",
    "LocalBroker",
    "UpResult",
    "kafka_cluster_id",
    "storage_format_invocation",
]

_READY_LINE = "Kafka Server started"
_JVM_OPTIONS = ("-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-Djava.awt.headless=true")

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap_servers: str
    connection_file: Path
    state_dir: Path
    detail: str
    tls_bootstrap_servers: str | None = None  # the SASL_SSL listener
    ca_file: Path | None = None  # what its clients trust (LOVHUB_KAFKA_SSL_CAFILE)


@dataclass(frozen=True, slots=True)
class UpResult:
    status: BrokerStatus
    started: bool
    seconds_to_ready: float


def kafka_cluster_id() -> str:
    """Kafka's cluster ids are url-safe base64 UUIDs; ones starting with '-' are avoided."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not candidate.startswith("-"):
            return candidate


def _argfile_quote(argument: str) -> str:
    if any(char in argument for char in "\n\r\0"):
        raise BrokerError("a broker command argument contains a line break or NUL")
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def storage_format_invocation(
    java_command: list[str],
    *,
    cluster_id: str,
    server_properties: Path,
    credentials: BrokerCredentials,
    argfile: Path,
    standalone: bool = True,
) -> tuple[list[str], str]:
    """The storage-format step's argv and the text of the java argument file it reads.

    ``--add-scram`` takes the admin's SCRAM credential only as an argument, and a process's
    arguments are readable by every local user (``ps``, ``/proc/<pid>/cmdline``). So
    everything after the ``java`` executable goes into an argument file (the java launcher
    expands ``@file`` itself, before the JVM starts), which the caller writes 0600 and
    deletes after the run: the argv holds the file's path, never the password.
    """
    java, *java_arguments = java_command
    scram = f"SCRAM-SHA-512=[name={credentials.admin_user},password={credentials.admin_password}]"
    arguments = [
        *java_arguments,
        "format",
        "--cluster-id",
        cluster_id,
        "--config",
        str(server_properties),
        *(["--standalone"] if standalone else []),  # a cluster's quorum is in its config
        "--add-scram",
        scram,
    ]
    text = "\n".join(_argfile_quote(argument) for argument in arguments) + "\n"
    return [java, f"@{argfile}"], text


class LocalBroker:
    """One local broker, described by its layout (directory and ports)."""

    def __init__(
        self,
        layout: BrokerLayout,
        *,
        jar_cache: Path | None = None,
        admin_user: str = "lovhub-admin",
        progress: Progress = lambda _msg: None,
        cluster_id: str | None = None,
        credentials: BrokerCredentials | None = None,
    ) -> None:
        """``cluster_id`` and ``credentials``: shared by every node of a cluster (given by
        :class:`~lovhub.devbroker.cluster.LocalCluster`); a single broker makes its own."""
        self._cluster_id = cluster_id
        self._credentials = credentials
        self.layout = layout
        self.jar_cache = jar_cache or cache_dir()
        self.admin_user = admin_user
        self.progress = progress

    @classmethod
    def default(cls, progress: Progress = lambda _msg: None) -> LocalBroker:
        port = DevBrokerSettings.from_environment().dev_broker_port
        layout = BrokerLayout(
            root=state_dir() / "broker",
            client_port=port,
            controller_port=port + 1,
            tls_port=port + 2,
        )
        admin_user = HubPrincipals().admin_principal
        return cls(layout, admin_user=admin_user, progress=progress)

    # -- queries -------------------------------------------------------------------------

    def _recorded_pid(self) -> int | None:
        try:
            return int(self.layout.pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None

    def _live_pid(self) -> int | None:
        """The broker's pid if the recorded process is alive and really is this broker."""
        pid = self._recorded_pid()
        if pid is None or not pid_is_running(pid):
            return None
        cmdline = process_cmdline(pid)
        if "kafka.Kafka" not in cmdline or str(self.layout.server_properties) not in cmdline:
            return None
        return pid

    def status(self) -> BrokerStatus:
        pid = self._live_pid()
        if pid is None:
            detail = "stopped"
        elif is_port_free(self.layout.host, self.layout.client_port):
            detail = "process alive but not listening yet (starting or shutting down)"
        else:
            detail = "running"
        return BrokerStatus(
            running=pid is not None and detail == "running",
            pid=pid,
            bootstrap_servers=self.layout.bootstrap_servers,
            connection_file=self.layout.connection_file,
            state_dir=self.layout.root,
            detail=detail,
            tls_bootstrap_servers=self.layout.tls_bootstrap_servers,
            ca_file=self.layout.tls_dir / "ca.crt" if self.layout.tls_port is not None else None,
        )

    def credentials(self) -> BrokerCredentials:
        if self._credentials is not None:
            return self._credentials
        return load_or_create_credentials(self.layout, self.admin_user)

    def admin_settings(self) -> KafkaSettings:
        credentials = self.credentials()
        return KafkaSettings.model_validate(
            {
                "LOVHUB_KAFKA_BOOTSTRAP_SERVERS": self.layout.bootstrap_servers,
                "LOVHUB_KAFKA_SECURITY_PROTOCOL": SecurityProtocol.SASL_PLAINTEXT,
                "LOVHUB_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
                "LOVHUB_KAFKA_SASL_USERNAME": credentials.admin_user,
                "LOVHUB_KAFKA_SASL_PASSWORD": credentials.admin_password,
            }
        )

    # -- lifecycle -----------------------------------------------------------------------

    def up(self, timeout: float = 120.0) -> UpResult:
        if self._live_pid() is not None:
            return UpResult(self.status(), started=False, seconds_to_ready=0.0)
        ports = (self.layout.client_port, self.layout.controller_port, self.layout.tls_port)
        for port in (p for p in ports if p is not None):
            if not is_port_free(self.layout.host, port):
                raise PortInUseError(
                    f"port {port} on {self.layout.host} is taken by another process; stop it or "
                    "choose other ports with LOVHUB_DEV_BROKER_PORT (client port; the "
                    "controller uses the next one, the TLS listener the one after)"
                )
        java = find_java()
        jars = resolve_jars(self.jar_cache, progress=self.progress)
        credentials = self.credentials()
        self.prepare(java, jars, credentials)
        started_at = time.monotonic()
        pid, log_offset = self._launch(java, jars)
        self._wait_until_ready(pid, log_offset, started_at + timeout)
        seconds = time.monotonic() - started_at
        self._write_connection_file(credentials)
        return UpResult(self.status(), started=True, seconds_to_ready=seconds)

    def prepare(self, java: Path, jars: Path, credentials: BrokerCredentials) -> None:
        """Write the configs and, on the first start, format the storage."""
        self._write_configs(credentials)
        if not (self.layout.data_dir / "meta.properties").exists():
            self._format_storage(java, jars, credentials)

    def launch(self, java: Path, jars: Path) -> tuple[int, int]:
        """Start the JVM (after :meth:`prepare`); its pid and the log offset to wait from."""
        return self._launch(java, jars)

    def wait_until_ready(self, pid: int, log_offset: int, deadline: float) -> None:
        self._wait_until_ready(pid, log_offset, deadline)

    def down(self, timeout: float = 60.0) -> bool:
        """Stop the broker; True if it was running. Data is kept."""
        pid = self._live_pid()
        if pid is None:
            self.layout.pid_file.unlink(missing_ok=True)
            return False
        clean = terminate_group(pid, timeout)
        if not clean:
            self.progress(f"broker did not stop within {timeout:.0f}s and was killed")
        self.layout.pid_file.unlink(missing_ok=True)
        return True

    def reset(self) -> None:
        """Stop the broker and delete all its data and credentials."""
        self.down()
        shutil.rmtree(self.layout.root, ignore_errors=True)

    # -- steps of up ---------------------------------------------------------------------

    def tls(self) -> BrokerTls | None:
        """The TLS listener's CA and keystore (made on first use), None without a TLS port."""
        if self.layout.tls_port is None:
            return None
        return ensure_broker_tls(self.layout.tls_dir, self.layout.host)

    def tls_admin_settings(self) -> KafkaSettings | None:
        """The admin over the SASL_SSL listener, verifying the broker against its CA."""
        tls = self.tls()
        if tls is None:
            return None
        return self.admin_settings().model_copy(
            update={
                "bootstrap_servers": self.layout.tls_bootstrap_servers,
                "security_protocol": SecurityProtocol.SASL_SSL,
                "ssl_cafile": tls.ca_file,
            }
        )

    def _write_configs(self, credentials: BrokerCredentials) -> None:
        self.layout.log_dir.mkdir(parents=True, exist_ok=True)
        tls = self.tls()
        properties = render_server_properties(
            self.layout, credentials, tls.keystore_file if tls else None
        )
        write_private(self.layout.server_properties, properties)
        self.layout.log4j2_properties.write_text(render_log4j2(self.layout), encoding="utf-8")

    def _java_command(self, java: Path, jars: Path, main_class: str) -> list[str]:
        return [
            str(java),
            *_JVM_OPTIONS,
            f"-Dkafka.logs.dir={self.layout.log_dir}",
            f"-Dlog4j2.configurationFile={self.layout.log4j2_properties}",
            "-cp",
            classpath(jars),
            main_class,
        ]

    def _format_storage(self, java: Path, jars: Path, credentials: BrokerCredentials) -> None:
        self.progress("formatting broker storage (first start)")
        argfile = self.layout.root / "storage-format.args"
        argfile.unlink(missing_ok=True)  # a leftover from a crashed format; create_private refuses
        command, argfile_text = storage_format_invocation(
            self._java_command(java, jars, "kafka.tools.StorageTool"),
            cluster_id=self._cluster_id or kafka_cluster_id(),
            server_properties=self.layout.server_properties,
            credentials=credentials,
            argfile=argfile,
            standalone=self.layout.voters is None,
        )
        create_private(argfile, argfile_text)
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
        finally:
            argfile.unlink(missing_ok=True)
        if result.returncode != 0:
            # The tool echoes its arguments on some errors; keep the password out of ours.
            output = (result.stdout + result.stderr).replace(credentials.admin_password, "***")
            tail = "\n".join(output.strip().splitlines()[-10:])
            raise BrokerStartError(f"formatting the broker's storage failed:\n{tail}")

    def _launch(self, java: Path, jars: Path) -> tuple[int, int]:
        log_offset = self.layout.server_log.stat().st_size if self.layout.server_log.exists() else 0
        stdout_path = self.layout.log_dir / "broker.out"
        with stdout_path.open("ab") as stdout:
            command = self._java_command(java, jars, "kafka.Kafka")
            process = subprocess.Popen(
                [*command, str(self.layout.server_properties)],
                stdout=stdout,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the CLI; `down` stops the whole group
                cwd=self.layout.root,
            )
        self.layout.pid_file.write_text(str(process.pid), encoding="utf-8")
        return process.pid, log_offset

    def _wait_until_ready(self, pid: int, log_offset: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            if not pid_is_running(pid):
                raise BrokerStartError(
                    f"the broker exited during start-up; see {self.layout.server_log} and "
                    f"{self.layout.log_dir / 'broker.out'}"
                )
            if self._log_since(log_offset).find(_READY_LINE) >= 0 and not is_port_free(
                self.layout.host, self.layout.client_port
            ):
                return
            time.sleep(0.1)
        terminate_group(pid, 10)
        self.layout.pid_file.unlink(missing_ok=True)
        raise BrokerStartError(
            f"the broker was not ready within the time limit; see {self.layout.server_log}"
        )

    def _log_since(self, offset: int) -> str:
        try:
            with self.layout.server_log.open("rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def _write_connection_file(self, credentials: BrokerCredentials) -> None:
        connection = {
            "bootstrap_servers": self.layout.bootstrap_servers,
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "username": credentials.admin_user,
            "password": credentials.admin_password,
        }
        tls = self.tls()
        if tls is not None:
            connection["tls_bootstrap_servers"] = str(self.layout.tls_bootstrap_servers)
            connection["ssl_cafile"] = str(tls.ca_file)
        write_private(self.layout.connection_file, json.dumps(connection, indent=2))


def require_running(broker: LocalBroker) -> BrokerStatus:
    status = broker.status()
    if not status.running:
        raise BrokerError(f"the local broker is {status.detail}; start it with `lovhub dev up`")
    return status
