from __future__ import annotations

from pathlib import Path

import pytest

from lovhub.devbroker.config import (
    BrokerCredentials,
    BrokerLayout,
    load_or_create_credentials,
    render_server_properties,
)
from lovhub.devbroker.errors import MissingToolError
from lovhub.devbroker.tools import parse_java_major


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


@pytest.fixture
def layout(tmp_path: Path) -> BrokerLayout:
    return BrokerLayout(root=tmp_path, client_port=29092, controller_port=29093)


def test_only_sasl_listeners_on_loopback(layout: BrokerLayout) -> None:
    props = _properties(
        render_server_properties(layout, BrokerCredentials("lovhub-admin", "a", "c"))
    )
    assert props["listeners"] == "CLIENT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    protocols = dict(item.split(":") for item in props["listener.security.protocol.map"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}
    assert props["listener.name.client.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"


def test_authorizer_denies_by_default_and_admin_is_super_user(layout: BrokerLayout) -> None:
    props = _properties(
        render_server_properties(layout, BrokerCredentials("lovhub-admin", "a", "c"))
    )
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert "User:lovhub-admin" in props["super.users"].split(";")
    assert props["auto.create.topics.enable"] == "false"


def test_credentials_are_generated_once_and_kept_private(layout: BrokerLayout) -> None:
    first = load_or_create_credentials(layout, "lovhub-admin")
    second = load_or_create_credentials(layout, "lovhub-admin")
    assert first == second
    assert len(first.admin_password) >= 24
    assert first.admin_password != first.controller_password
    assert layout.credentials_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_392"', 8),
        ('openjdk version "21" 2023-09-19', 21),
    ],
)
def test_java_versions_are_read(output: str, major: int) -> None:
    assert parse_java_major(output) == major


def test_unreadable_java_version_is_a_missing_tool() -> None:
    with pytest.raises(MissingToolError):
        parse_java_major("something else entirely")


def test_a_cluster_node_names_the_static_quorum_and_replicates_internal_topics() -> None:
    from lovhub.devbroker.broker import storage_format_invocation
    from lovhub.devbroker.config import BrokerCredentials, BrokerLayout, render_server_properties

    voters = "1@127.0.0.1:29301,2@127.0.0.1:29311,3@127.0.0.1:29321"
    layout = BrokerLayout(Path("/tmp/n2"), 29310, 29311, node_id=2, voters=voters)
    credentials = BrokerCredentials("admin", "a-password", "c-password")
    lines = render_server_properties(layout, credentials).splitlines()
    properties = dict(line.split("=", 1) for line in lines if "=" in line and line[0] != "#")
    assert properties["node.id"] == "2"
    assert properties["controller.quorum.voters"] == voters
    assert "controller.quorum.bootstrap.servers" not in properties
    assert properties["offsets.topic.replication.factor"] == "3"
    assert properties["transaction.state.log.min.isr"] == "2"
    assert properties["min.insync.replicas"] == "2"
    _, text = storage_format_invocation(
        ["java", "-cp", "x", "kafka.tools.StorageTool"],
        cluster_id="abc",
        server_properties=Path("/tmp/n2/server.properties"),
        credentials=credentials,
        argfile=Path("/tmp/args"),
        standalone=False,
    )
    assert '"--standalone"' not in text, "a static quorum is formatted without --standalone"
    single = render_server_properties(BrokerLayout(Path("/tmp/n"), 1, 2), credentials)
    assert "offsets.topic.replication.factor=1" in single
