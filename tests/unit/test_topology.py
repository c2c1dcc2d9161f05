from __future__ import annotations

from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AUDIT,
    DEAD_LETTER,
    AclOperation,
    PatternType,
    ResourceKind,
    hub_acls,
    hub_topics,
    min_insync_replicas,
)


def test_topic_names_are_unique_and_versioned() -> None:
    names = [spec.name for spec in hub_topics()]
    assert len(names) == len(set(names))
    assert all(name.endswith(".v1") for name in names)


def test_audit_is_kept_forever_and_registry_is_compacted() -> None:
    specs = {spec.name: spec for spec in hub_topics()}
    assert specs[AUDIT].configs(3)["retention.ms"] == "-1"
    assert specs["lov.hub.recipients.v1"].configs(3)["cleanup.policy"] == "compact"


def test_min_insync_replicas_leaves_one_replica_of_slack() -> None:
    assert [min_insync_replicas(rf) for rf in (1, 2, 3, 5)] == [1, 1, 2, 4]


def test_hub_may_not_write_agency_input_or_read_dead_letters() -> None:
    acls = hub_acls("lovhub-hub")
    literal = {(a.name, a.operation) for a in acls if a.pattern is PatternType.LITERAL}
    assert (AGENCY_EVENTS, AclOperation.READ) in literal
    assert (AGENCY_EVENTS, AclOperation.WRITE) not in literal
    assert (DEAD_LETTER, AclOperation.READ) not in literal


def test_hub_acls_never_use_wildcards_or_cluster_rights() -> None:
    for acl in hub_acls("lovhub-hub"):
        assert acl.name not in ("*", "")
        assert acl.resource is not ResourceKind.CLUSTER
        assert acl.principal == "User:lovhub-hub"
