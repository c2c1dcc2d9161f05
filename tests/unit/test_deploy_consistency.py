"""The deployment files agree with the source of truth, services/lovhub/provisioning/topology.py.

``deploy/k8s/`` renders ``hub_topics()`` and ``hub_acls()`` as Strimzi resources and
``deploy/docker-compose.yml`` configures the broker the hub expects; nothing keeps them in step
but these tests. They read the files and run the broker entrypoint's `render` step (bash, which
writes server.properties to a temporary directory): no Docker, no Kubernetes, no broker.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from lovhub.provisioning.recipients import recipient_topics
from lovhub.provisioning.strimzi import recipient_resources
from lovhub.provisioning.topology import (
    AclSpec,
    agency_acls,
    hub_acls,
    hub_topics,
    recipient_acls,
    reports_acls,
)
from lovhub.settings import HubSettings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker" / "kafka-entrypoint.sh"

STRIMZI_API = "kafka.strimzi.io/v1"
STRIMZI_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
K8S_REPLICATION_FACTOR = 3
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"

# The defaults, not whatever LOVHUB_* variables the test run happens to have.
HUB: str = HubSettings.model_fields["hub_principal"].default
ADMIN: str = HubSettings.model_fields["admin_principal"].default
REPORTS: str = HubSettings.model_fields["reports_principal"].default
AGENCY: str = HubSettings.model_fields["agency_principal"].default

# Strimzi's spelling of Kafka's ACL vocabulary (KafkaUser .spec.authorization.acls[]).
STRIMZI_RESOURCE = {
    "topic": "TOPIC",
    "group": "GROUP",
    "transactionalId": "TRANSACTIONAL_ID",
    "cluster": "CLUSTER",
}
STRIMZI_PATTERN = {"literal": "LITERAL", "prefix": "PREFIXED"}
STRIMZI_OPERATION = {
    "Read": "READ",
    "Write": "WRITE",
    "Create": "CREATE",
    "Delete": "DELETE",
    "Alter": "ALTER",
    "Describe": "DESCRIBE",
    "ClusterAction": "CLUSTER_ACTION",
    "AlterConfigs": "ALTER_CONFIGS",
    "DescribeConfigs": "DESCRIBE_CONFIGS",
    "IdempotentWrite": "IDEMPOTENT_WRITE",
    "All": "ALL",
}

AclKey = tuple[str, str, str, str, str, str]


# --- loading ------------------------------------------------------------------------------


def _load_all(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def _load_one(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    assert isinstance(doc, dict), f"{path} is not a YAML mapping"
    return doc


def _kustomization() -> dict[str, Any]:
    return _load_one(K8S / "kustomization.yaml")


@pytest.fixture(scope="module")
def k8s_docs() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for name in _kustomization()["resources"]:
        docs.extend(_load_all(K8S / name))
    return docs


def _of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc.get("kind") == kind]


def _single(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in _of_kind(docs, kind) if name is None or d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load_one(COMPOSE_FILE)


def _env(service: dict[str, Any]) -> dict[str, str]:
    """A compose service's environment as a dict, whichever of the two forms it uses."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def _container_env(container: dict[str, Any]) -> dict[str, Any]:
    """A Kubernetes container's env: plain values as str, valueFrom entries as their dict."""
    return {e["name"]: e["value"] if "value" in e else e["valueFrom"] for e in container["env"]}


def _strimzi_value(value: object) -> str:
    """A Strimzi ``config`` value as Kafka would read it (YAML gives ints and bools)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _interpolate(value: str) -> str:
    """Compose's interpolation with only the required (``${VAR:?message}``) variables set.

    A required variable (every password) gets a synthetic value naming it; any other
    ``${VAR:-default}`` takes its default.
    """

    def one(match: re.Match[str]) -> str:
        name, operator, rest = match[1], match[2], match[3]
        if operator in (":?", "?"):
            return f"synthetic-{name.lower().replace('_', '-')}"
        return rest or ""

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}", one, value)


def _read_properties(path: Path) -> dict[str, str]:
    props: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            props[key.strip()] = value.strip()
    return props


@pytest.fixture(scope="module")
def broker_env(compose: dict[str, Any]) -> dict[str, str]:
    """The broker container's environment as compose would pass it with no .env file."""
    return {key: _interpolate(value) for key, value in _env(compose["services"]["kafka"]).items()}


@pytest.fixture(scope="module")
def broker_properties(
    broker_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """server.properties exactly as the broker's entrypoint renders it from that environment."""
    bash = shutil.which("bash")
    assert bash, "bash is needed to run deploy/docker/kafka-entrypoint.sh"
    config_dir = tmp_path_factory.mktemp("kafka-config")
    env = {**broker_env, "LOVHUB_KAFKA_CONFIG_DIR": str(config_dir), "PATH": os.environ["PATH"]}
    result = subprocess.run(
        [bash, str(ENTRYPOINT), "render"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return _read_properties(config_dir / "server.properties")


def _listeners(spec: str) -> dict[str, tuple[str, int]]:
    """``NAME://host:port,...`` -> {NAME: (host, port)}."""
    out: dict[str, tuple[str, int]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        match = re.fullmatch(r"([A-Za-z0-9_]+)://(.*):(\d+)", item)
        assert match, f"cannot parse listener {item!r}"
        out[match[1]] = (match[2], int(match[3]))
    return out


def _protocol_map(spec: str) -> dict[str, str]:
    return dict(item.split(":", 1) for item in spec.split(","))


# --- Kubernetes (Strimzi) --------------------------------------------------------------------


def test_every_k8s_manifest_is_in_the_kustomization() -> None:
    listed = set(_kustomization()["resources"])
    on_disk = {p.name for p in K8S.glob("*.y*ml")} - {"kustomization.yaml"}
    assert listed == on_disk


def test_strimzi_resources_use_the_v1_api_and_one_cluster(k8s_docs: list[dict[str, Any]]) -> None:
    kafka = _single(k8s_docs, "Kafka")
    cluster = kafka["metadata"]["name"]
    for doc in k8s_docs:
        if doc["kind"] not in STRIMZI_KINDS:
            continue
        assert doc["apiVersion"] == STRIMZI_API, doc["metadata"]["name"]
        if doc["kind"] != "Kafka":
            labels = doc["metadata"].get("labels", {})
            assert labels.get("strimzi.io/cluster") == cluster, doc["metadata"]["name"]


def _hub_partitions(k8s_docs: list[dict[str, Any]]) -> int:
    """Partitions the hub workers are told about; the topics must be made with that many."""
    deployment = _single(k8s_docs, "Deployment", "lovhub-hub")
    env = _container_env(deployment["spec"]["template"]["spec"]["containers"][0])
    return int(env.get("LOVHUB_PARTITIONS", HubSettings.model_fields["partitions"].default))


def test_k8s_topics_are_exactly_the_hub_topics(k8s_docs: list[dict[str, Any]]) -> None:
    topics = _of_kind(k8s_docs, "KafkaTopic")
    names = [t["spec"].get("topicName", t["metadata"]["name"]) for t in topics]
    assert not [n for n, count in Counter(names).items() if count > 1], "duplicate KafkaTopic"

    actual = {
        name: {
            "partitions": t["spec"]["partitions"],
            "replicas": t["spec"]["replicas"],
            "config": {k: _strimzi_value(v) for k, v in t["spec"].get("config", {}).items()},
        }
        for name, t in zip(names, topics, strict=True)
    }
    expected = {
        spec.name: {
            "partitions": spec.partitions,
            "replicas": K8S_REPLICATION_FACTOR,
            "config": spec.configs(K8S_REPLICATION_FACTOR),
        }
        for spec in hub_topics(_hub_partitions(k8s_docs))
    }
    assert actual == expected


def test_k8s_hub_workers_use_the_replication_factor_of_the_topics(
    k8s_docs: list[dict[str, Any]],
) -> None:
    deployment = _single(k8s_docs, "Deployment", "lovhub-hub")
    env = _container_env(deployment["spec"]["template"]["spec"]["containers"][0])
    assert env["LOVHUB_REPLICATION_FACTOR"] == str(K8S_REPLICATION_FACTOR)
    pools = _of_kind(k8s_docs, "KafkaNodePool")
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    assert brokers >= K8S_REPLICATION_FACTOR


def _strimzi_acls(user: dict[str, Any]) -> list[AclKey]:
    principal = f"User:{user['metadata']['name']}"
    authorization = user["spec"]["authorization"]
    assert authorization["type"] == "simple"
    keys: list[AclKey] = []
    for rule in authorization["acls"]:
        assert rule.get("type", "allow") == "allow"
        assert "operation" not in rule, "the singular `operation` is gone in the v1 API"
        resource = rule["resource"]
        for operation in rule["operations"]:
            keys.append(
                (
                    principal,
                    STRIMZI_RESOURCE[resource["type"]],
                    resource.get("name", ""),
                    STRIMZI_PATTERN[resource.get("patternType", "literal")],
                    STRIMZI_OPERATION[operation],
                    rule.get("host", "*"),
                )
            )
    return keys


def _spec_key(spec: AclSpec) -> AclKey:
    return (
        spec.principal,
        str(spec.resource),
        spec.name,
        str(spec.pattern),
        str(spec.operation),
        spec.host,
    )


@pytest.mark.parametrize(
    ("principal", "rules"),
    [(HUB, hub_acls(HUB)), (REPORTS, reports_acls(REPORTS)), (AGENCY, agency_acls(AGENCY))],
)
def test_k8s_service_user_acls_are_exactly_their_topology_rules(
    k8s_docs: list[dict[str, Any]], principal: str, rules: tuple[AclSpec, ...]
) -> None:
    user = _single(k8s_docs, "KafkaUser", principal)
    actual = _strimzi_acls(user)
    assert len(actual) == len(set(actual)), "an ACL is listed twice"
    assert set(actual) == {_spec_key(spec) for spec in rules}


def test_k8s_users_authenticate_with_scram(k8s_docs: list[dict[str, Any]]) -> None:
    for name in (HUB, REPORTS, AGENCY, ADMIN):
        user = _single(k8s_docs, "KafkaUser", name)
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    admin = _single(k8s_docs, "KafkaUser", ADMIN)
    assert "authorization" not in admin["spec"], "a super user needs no ACLs"


def test_k8s_kafka_cluster_is_secured(k8s_docs: list[dict[str, Any]]) -> None:
    kafka = _single(k8s_docs, "Kafka")["spec"]["kafka"]
    assert kafka["listeners"], "no listener"
    for listener in kafka["listeners"]:
        assert listener["tls"] is True, listener["name"]
        assert listener["authentication"]["type"] == "scram-sha-512", listener["name"]
    authorization = kafka["authorization"]
    assert authorization["type"] == "simple"
    assert authorization["superUsers"] == [ADMIN]
    config = {k: _strimzi_value(v) for k, v in kafka.get("config", {}).items()}
    assert config.get("allow.everyone.if.no.acl.found", "false") == "false"
    assert (
        config["min.insync.replicas"]
        == hub_topics()[0].configs(K8S_REPLICATION_FACTOR)["min.insync.replicas"]
    )


def test_k8s_kafka_is_three_kraft_nodes(k8s_docs: list[dict[str, Any]]) -> None:
    pools = _of_kind(k8s_docs, "KafkaNodePool")
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    assert (controllers, brokers) == (3, 3)


def test_k8s_hub_deployment(k8s_docs: list[dict[str, Any]]) -> None:
    kafka = _single(k8s_docs, "Kafka")
    cluster = kafka["metadata"]["name"]
    (scram,) = [
        item
        for item in kafka["spec"]["kafka"]["listeners"]
        if item["authentication"]["type"] == "scram-sha-512"
    ]
    deployment = _single(k8s_docs, "Deployment", "lovhub-hub")
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"] == ["run"]
    env = _container_env(container)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == f"{cluster}-kafka-bootstrap:{scram['port']}"
    assert env["LOVHUB_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["LOVHUB_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["LOVHUB_KAFKA_SASL_USERNAME"] == HUB
    # The Secret the User Operator creates for the KafkaUser of that name.
    assert env["LOVHUB_KAFKA_SASL_PASSWORD"] == {"secretKeyRef": {"name": HUB, "key": "password"}}
    ca_file = Path(env["LOVHUB_KAFKA_SSL_CAFILE"])
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    (ca_volume,) = [n for n, path in mounts.items() if Path(path) == ca_file.parent]
    assert volumes[ca_volume]["secret"]["secretName"] == f"{cluster}-cluster-ca-cert"

    assert container["resources"]["requests"]
    assert container["resources"]["limits"]
    # The probes are the worker's own endpoints, on the port it is told to serve them.
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == int(env["LOVHUB_HTTP_PORT"])
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    template = deployment["spec"]["template"]["metadata"]
    assert template["annotations"]["prometheus.io/port"] == env["LOVHUB_HTTP_PORT"]
    assert env["LOVHUB_LOG_FORMAT"] == "json"
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0


def test_k8s_pdb_covers_the_hub_workers(k8s_docs: list[dict[str, Any]]) -> None:
    deployment = _single(k8s_docs, "Deployment", "lovhub-hub")
    pdb = _single(k8s_docs, "PodDisruptionBudget")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = pdb["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    assert selector == deployment["spec"]["selector"]["matchLabels"]
    assert 0 < pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"]


# --- Docker Compose --------------------------------------------------------------------------


def test_compose_broker_is_the_official_image_in_kraft_mode(
    compose: dict[str, Any], broker_env: dict[str, str], broker_properties: dict[str, str]
) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:4.3.1"
    props = broker_properties
    assert set(props["process.roles"].split(",")) == {"broker", "controller"}
    assert props["controller.listener.names"] in _listeners(props["listeners"])
    assert broker_env.get("CLUSTER_ID"), "KRaft storage needs a cluster id"
    # The custom entrypoint (it adds the SCRAM admin at format time) is mounted where it is run.
    mounted = {
        volume.split(":")[1]: volume.split(":")[0]
        for volume in kafka["volumes"]
        if volume.startswith("./")
    }
    run_path = kafka["entrypoint"][-1]
    assert (DEPLOY / mounted[run_path]).resolve() == ENTRYPOINT.resolve()
    assert kafka["healthcheck"]["test"][-2:] == [run_path, "healthcheck"]


def test_compose_broker_authenticates_every_connection(
    compose: dict[str, Any], broker_properties: dict[str, str]
) -> None:
    props = broker_properties
    listeners = _listeners(props["listeners"])
    protocols = _protocol_map(props["listener.security.protocol.map"])
    # No unauthenticated listener at all.
    assert {name: protocols[name] for name in listeners} == dict.fromkeys(
        listeners, "SASL_PLAINTEXT"
    )
    controller = props["controller.listener.names"]
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    for name in listeners:
        if name == controller:
            continue
        jaas = props[f"listener.name.{name.lower()}.scram-sha-512.sasl.jaas.config"]
        assert jaas.startswith("org.apache.kafka.common.security.scram.ScramLoginModule ")
    # The controller cannot use SCRAM (it serves the credentials): PLAIN, with a static identity.
    assert props["sasl.mechanism.controller.protocol"] == "PLAIN"
    assert props[f"listener.name.{controller.lower()}.sasl.enabled.mechanisms"] == "PLAIN"
    controller_jaas = props[f"listener.name.{controller.lower()}.plain.sasl.jaas.config"]
    assert controller_jaas.startswith("org.apache.kafka.common.security.plain.PlainLoginModule ")
    # What clients are not told about (controller, the broker talking to itself) is loopback.
    advertised = _listeners(props["advertised.listeners"])
    inter_broker = props["inter.broker.listener.name"]
    for name, (host, _port) in listeners.items():
        if name in {controller, inter_broker}:
            assert host in {"127.0.0.1", "localhost"}, f"{name} is reachable from outside"
    clients = set(advertised) - {inter_broker}
    assert clients, "no listener for clients"
    # Only client listeners are published.
    by_port = {port: name for name, (_host, port) in listeners.items()}
    for mapping in compose["services"]["kafka"].get("ports", []):
        container_port = int(str(mapping).rsplit(":", 1)[-1].split("/")[0])
        assert by_port[container_port] in clients, f"port {container_port} is not for clients"


def test_compose_broker_denies_by_default(broker_properties: dict[str, str]) -> None:
    props = broker_properties
    assert props["authorizer.class.name"] == STANDARD_AUTHORIZER
    assert props["allow.everyone.if.no.acl.found"] == "false"
    super_users = props["super.users"].split(";")
    assert f"User:{ADMIN}" in super_users
    assert f"User:{HUB}" not in super_users
    assert "User:ANONYMOUS" not in super_users
    assert props.get("auto.create.topics.enable") == "false"


def test_compose_broker_logs_in_to_itself_as_super_users(
    broker_env: dict[str, str], broker_properties: dict[str, str]
) -> None:
    props = broker_properties
    super_users = props["super.users"].split(";")
    inter_broker = props["inter.broker.listener.name"].lower()
    assert props["sasl.mechanism.inter.broker.protocol"] == "SCRAM-SHA-512"
    inter_broker_jaas = props[f"listener.name.{inter_broker}.scram-sha-512.sasl.jaas.config"]
    user = re.search(r'username="([^"]+)"', inter_broker_jaas)
    assert user, "the inter-broker listener has no login"
    assert f"User:{user[1]}" in super_users
    controller = props["controller.listener.names"].lower()
    controller_jaas = props[f"listener.name.{controller}.plain.sasl.jaas.config"]
    user = re.search(r'username="([^"]+)"', controller_jaas)
    assert user, "the controller listener has no login"
    assert f"User:{user[1]}" in super_users
    # Secrets reach server.properties through the entrypoint, never as KAFKA_* variables.
    password = broker_env["LOVHUB_ADMIN_PASSWORD"]
    assert password
    leaked = [k for k, v in broker_env.items() if k.startswith("KAFKA_") and password in v]
    assert not leaked
    assert not [k for k in broker_env if k.startswith("KAFKA_") and "PASSWORD" in k]


def test_compose_broker_has_single_node_replication(broker_properties: dict[str, str]) -> None:
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "default.replication.factor",
        "min.insync.replicas",
    ):
        assert broker_properties[key] == "1", key


def _password_ref(value: str) -> str:
    """``${LOVHUB_X_PASSWORD:?message}`` -> ``LOVHUB_X_PASSWORD``."""
    match = re.fullmatch(r"\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}", value)
    assert match, f"{value!r} is not taken from an environment variable"
    return match[1]


def _client_env(compose: dict[str, Any], props: dict[str, str], service: str) -> dict[str, str]:
    env = _env(compose["services"][service])
    assert env["LOVHUB_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert env["LOVHUB_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["LOVHUB_REPLICATION_FACTOR"] == "1"
    # The bootstrap address is one the broker advertises to clients, with SCRAM.
    advertised = _listeners(props["advertised.listeners"])
    advertised.pop(props["inter.broker.listener.name"], None)
    by_address = {f"{host}:{port}": name for name, (host, port) in advertised.items()}
    name = by_address.get(env["KAFKA_BOOTSTRAP_SERVERS"])
    assert name, f"{env['KAFKA_BOOTSTRAP_SERVERS']} is not a client listener of the broker"
    assert _protocol_map(props["listener.security.protocol.map"])[name] == "SASL_PLAINTEXT"
    assert f"listener.name.{name.lower()}.scram-sha-512.sasl.jaas.config" in props
    return env


def test_compose_passwords_are_required_and_have_no_defaults(compose: dict[str, Any]) -> None:
    # Issue 10, finding 14b: a fallback password in the compose file is a password everyone
    # who reads the repository knows; compose must refuse to start until each one is set.
    references = re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}", COMPOSE_FILE.read_text())
    passwords = [(name, rest) for name, rest in references if "PASSWORD" in name]
    assert passwords, "the compose file takes no password from the environment"
    assert [name for name, rest in passwords if not rest.startswith(":?")] == []
    for service_name, service in compose["services"].items():
        for key, value in _env(service).items():
            if "PASSWORD" in key:
                assert re.fullmatch(r"\$\{[A-Z0-9_]*PASSWORD:\?[^}]+\}", value), (
                    f"{service_name}: {key} is not a required variable"
                )


def test_compose_init_runs_admin_init_as_the_admin(
    compose: dict[str, Any], broker_properties: dict[str, str]
) -> None:
    init = compose["services"]["init"]
    assert init["command"] == ["admin", "init"]
    env = _client_env(compose, broker_properties, "init")
    assert env["LOVHUB_KAFKA_SASL_USERNAME"] == ADMIN
    broker_env = _env(compose["services"]["kafka"])
    assert _password_ref(env["LOVHUB_KAFKA_SASL_PASSWORD"]) == _password_ref(
        broker_env["LOVHUB_ADMIN_PASSWORD"]
    )
    assert broker_env.get("LOVHUB_ADMIN_PRINCIPAL", ADMIN) == ADMIN
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert compose["services"]["kafka"]["healthcheck"]["test"]


def test_compose_hub_runs_as_the_hub_principal(
    compose: dict[str, Any], broker_properties: dict[str, str]
) -> None:
    hub = compose["services"]["hub"]
    assert hub["command"] == ["run"]
    env = _client_env(compose, broker_properties, "hub")
    assert env["LOVHUB_KAFKA_SASL_USERNAME"] == HUB
    assert env.get("LOVHUB_HUB_PRINCIPAL", HUB) == HUB
    # init sets the hub principal's password from the same variable the hub logs in with.
    init_env = _env(compose["services"]["init"])
    assert _password_ref(env["LOVHUB_KAFKA_SASL_PASSWORD"]) == _password_ref(
        init_env["LOVHUB_HUB_PASSWORD"]
    )
    # init, then the registry seed, then the hub: the hub reads its recipients from the registry.
    seed = compose["services"]["registry-seed"]
    assert seed["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert hub["depends_on"]["registry-seed"]["condition"] == "service_completed_successfully"
    assert hub["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_compose_report_processor_runs_as_its_own_principal(
    compose: dict[str, Any], broker_properties: dict[str, str]
) -> None:
    reports = compose["services"]["reports"]
    assert reports["command"] == ["run-reports"]
    env = _client_env(compose, broker_properties, "reports")
    assert env["LOVHUB_KAFKA_SASL_USERNAME"] == REPORTS
    init_env = _env(compose["services"]["init"])
    assert _password_ref(env["LOVHUB_KAFKA_SASL_PASSWORD"]) == _password_ref(
        init_env["LOVHUB_REPORTS_PASSWORD"]
    )


def test_compose_seeds_the_registry_as_the_admin(
    compose: dict[str, Any], broker_properties: dict[str, str]
) -> None:
    seed = compose["services"]["registry-seed"]
    assert seed["command"][:2] == ["recipient", "import"]
    env = _client_env(compose, broker_properties, "registry-seed")
    assert env["LOVHUB_KAFKA_SASL_USERNAME"] == ADMIN
    # Recipient changes are checkpointed with the lifecycle role's own key.
    assert env["LOVHUB_LIFECYCLE_SIGNING_KEY_FILE"] == "/etc/lovhub/lifecycle-signing.key"


@pytest.mark.parametrize("service", ["hub", "reports"])
def test_compose_hub_services_have_every_start_up_file(
    compose: dict[str, Any], broker_properties: dict[str, str], service: str
) -> None:
    env = _client_env(compose, broker_properties, service)
    assert env["LOVHUB_KAFKA_SASL_USERNAME"] == {"hub": HUB, "reports": REPORTS}[service]
    for variable in (
        "LOVHUB_OPERATOR_PUBLIC_KEY_FILE",
        "LOVHUB_HUB_SECRET_FILE",
        "LOVHUB_AUDIT_SIGNING_KEY_FILE",
    ):
        assert env[variable].startswith("/etc/lovhub/"), variable
    assert "./hub-files:/etc/lovhub:ro" in compose["services"][service]["volumes"]
    # The state key seals the held facts: the hub worker's alone.
    has_state_key = env.get("LOVHUB_STATE_KEY_FILE") == "/etc/lovhub/state-keys.json"
    assert has_state_key == (service == "hub")


def test_compose_builds_the_lovhub_image_from_the_dockerfile(compose: dict[str, Any]) -> None:
    for name in ("init", "registry-seed", "reports", "hub"):
        build = compose["services"][name]["build"]
        assert (DEPLOY / build["context"]).resolve() == REPO
        assert (REPO / build["dockerfile"]).resolve() == DOCKERFILE.resolve()


# --- Dockerfile ------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical: list[str] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    assert not current, "dangling line continuation"
    out = []
    for item in logical:
        instruction, _, args = item.partition(" ")
        out.append((instruction.upper(), args.strip()))
    return out


def _stages() -> list[list[tuple[str, str]]]:
    """Instructions per build stage, FROM resolved with the ARG defaults before it."""
    args: dict[str, str] = {}
    stages: list[list[tuple[str, str]]] = []
    for instruction, value in _dockerfile_instructions():
        if instruction == "ARG" and not stages:
            name, _, default = value.partition("=")
            args[name] = default
        if instruction == "FROM":
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m[1], m[0]), value.split()[0])
            stages.append([("FROM", image)])
        elif stages:
            stages[-1].append((instruction, value))
    return stages


def _is_pip_install(words: list[str]) -> bool:
    return any(
        word.rsplit("/", 1)[-1] in {"pip", "pip3"} and words[i + 1 : i + 2] == ["install"]
        for i, word in enumerate(words)
    )


def test_dockerfile_installs_the_package_with_the_constraints_file() -> None:
    stages = _stages()
    assert all(stage[0] == ("FROM", "python:3.11-slim") for stage in stages)
    installs = []
    for stage in stages:
        copied: set[str] = set()
        for instruction, value in stage:
            if instruction == "COPY":
                copied.update(shlex.split(value)[:-1])
            if instruction == "RUN" and "pip install" in value:
                for command in value.split("&&"):
                    words = shlex.split(command)
                    if not _is_pip_install(words):
                        continue
                    installs.append(words)
                    pairs = set(pairwise(words))
                    constrained = {("-c", "constraints.txt"), ("--constraint", "constraints.txt")}
                    assert pairs & constrained, f"not installed with -c constraints.txt: {words}"
                    assert "constraints.txt" in copied, "constraints.txt is not copied first"
                    assert "." in words, "the package itself is not installed"
    assert installs, "no pip install"


def test_dockerfile_runs_lovhub_as_non_root() -> None:
    final = _stages()[-1]
    users = [value for instruction, value in final if instruction == "USER"]
    assert users, "no USER: the image would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    (entrypoint,) = [value for instruction, value in final if instruction == "ENTRYPOINT"]
    assert yaml.safe_load(entrypoint) == ["lovhub"]


def test_k8s_report_processor_is_a_single_writer_with_the_hub_files(
    k8s_docs: list[dict[str, Any]],
) -> None:
    hub = _single(k8s_docs, "Deployment", "lovhub-hub")
    reports = _single(k8s_docs, "Deployment", "lovhub-reports")
    # One instance, never two during a rollout: it is the report audit chain's only writer.
    assert reports["spec"]["replicas"] == 1
    assert reports["spec"]["strategy"]["type"] == "Recreate"
    (container,) = reports["spec"]["template"]["spec"]["containers"]
    (hub_container,) = hub["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["run-reports"]
    env = _container_env(container)
    # Its own login (issue 10, finding 11) and signing key (finding 6); the rest as the hub's.
    own = {
        "LOVHUB_KAFKA_SASL_USERNAME",
        "LOVHUB_KAFKA_SASL_PASSWORD",
        "LOVHUB_AUDIT_SIGNING_KEY_FILE",
        "LOVHUB_REPORTS_SIGNING_KEY_FILE",
        "LOVHUB_STATE_KEY_FILE",
    }
    assert env["LOVHUB_KAFKA_SASL_USERNAME"] == REPORTS
    assert env["LOVHUB_KAFKA_SASL_PASSWORD"]["secretKeyRef"]["name"] == REPORTS
    hub_env = _container_env(hub_container)
    assert {k: v for k, v in env.items() if k not in own} == {
        k: v for k, v in hub_env.items() if k not in own
    }
    assert "LOVHUB_AUDIT_SIGNING_KEY_FILE" not in env  # never the hub worker's key
    assert "LOVHUB_REPORTS_SIGNING_KEY_FILE" not in hub_env
    for variable in (
        "LOVHUB_OPERATOR_PUBLIC_KEY_FILE",
        "LOVHUB_HUB_SECRET_FILE",
        "LOVHUB_REPORTS_SIGNING_KEY_FILE",
    ):
        assert env[variable].startswith("/etc/lovhub/hub/"), variable
    # Only the hub worker holds the state key (the report processor reads assignments,
    # which are not sealed, from the same changelog).
    assert "LOVHUB_STATE_KEY_FILE" not in env
    assert hub_env["LOVHUB_STATE_KEY_FILE"] == "/etc/lovhub/hub/state-keys.json"
    for deployment, keys in (
        (hub, {"audit-signing.key", "state-keys.json"}),
        (reports, {"reports-signing.key"}),
    ):
        (files,) = [
            v["secret"]
            for v in deployment["spec"]["template"]["spec"]["volumes"]
            if v.get("secret", {}).get("secretName") == "lovhub-hub-files"
        ]
        projected = {item["key"] for item in files["items"]}
        assert projected == {"operator.pub", "hub-secret.hex", *keys}, deployment["metadata"]
    assert "LOVHUB_RECIPIENTS_FILE" not in env  # recipients come from the registry topic


@pytest.mark.parametrize("provider", [True, False])
def test_recipient_manifests_grant_exactly_recipient_acls(provider: bool) -> None:
    resources = recipient_resources("jobbcoach-syd", provider=provider, partitions=6)
    user = _single(resources, "KafkaUser", "jobbcoach-syd")
    assert user["apiVersion"] == STRIMZI_API
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    actual = _strimzi_acls(user)
    expected = recipient_acls("jobbcoach-syd", provider=provider)
    assert sorted(actual) == sorted(_spec_key(spec) for spec in expected)
    topics = {t["metadata"]["name"]: t for t in _of_kind(resources, "KafkaTopic")}
    wanted = recipient_topics("jobbcoach-syd", provider=provider, partitions=6)
    assert set(topics) == {spec.name for spec in wanted}
    for spec in wanted:
        assert topics[spec.name]["spec"]["config"] == spec.configs(K8S_REPLICATION_FACTOR)
        assert topics[spec.name]["metadata"]["labels"]["strimzi.io/cluster"] == "lovhub"


def test_service_users_for_strimzi_carry_each_recipients_literal_rules() -> None:
    """`lovhub admin k8s-service-users`: what the User Operator must hold once recipients
    are onboarded: the base rules of deploy/k8s/kafka-users.yaml plus exactly one literal
    rule per recipient topic a service touches."""
    from typer.testing import CliRunner

    from lovhub.cli.main import app

    result = CliRunner().invoke(
        app,
        ["admin", "k8s-service-users", "--provider", "jobbcoach-syd", "--third-party", "fa"],
    )
    assert result.exit_code == 0, result.output
    users = {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(result.output)}
    assert set(users) == {HUB, REPORTS}
    hub_rules = set(_strimzi_acls(users[HUB])) - {_spec_key(s) for s in hub_acls(HUB)}
    report_rules = set(_strimzi_acls(users[REPORTS])) - {
        _spec_key(s) for s in reports_acls(REPORTS)
    }
    user, reader = f"User:{HUB}", f"User:{REPORTS}"
    assert hub_rules == {
        (user, "TOPIC", "lov.provider.jobbcoach-syd.v1", "LITERAL", "WRITE", "*"),
        (user, "TOPIC", "lov.thirdparty.fa.v1", "LITERAL", "WRITE", "*"),
    }
    assert report_rules == {
        (reader, "TOPIC", "lov.provider.jobbcoach-syd.reports.v1", "LITERAL", "READ", "*")
    }


def _image_env(stage: list[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction, value in stage:
        if instruction == "ENV":
            for word in shlex.split(value.replace("\\\n", " ")):
                name, _, setting = word.partition("=")
                found[name] = setting
    return found


def test_the_image_names_its_schema_and_policy_directories_where_it_copies_them() -> None:
    """Settings, not a walk up the tree, tell the installed package where its files are."""
    final = _stages()[-1]
    env = _image_env(final)
    (workdir,) = [v for i, v in final if i == "WORKDIR"][-1:]
    copied = {
        str(Path(workdir) / shlex.split(value)[-1]).rstrip("/")
        for instruction, value in final
        if instruction == "COPY"
    }
    assert env["LOVHUB_SCHEMA_DIR"] in copied
    assert env["LOVHUB_POLICY_DIR"] in copied
