from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lovhub.provisioning.topology import (
    AGENCY_EVENTS,
    AUDIT,
    DEAD_LETTER,
    AclOperation,
    AclSpec,
    PatternType,
    ResourceKind,
    hub_acls,
    hub_topics,
    is_onboarding_rule,
    min_insync_replicas,
    onboarding_acls,
    provider_report_topic,
    provider_topic,
    reports_acls,
    thirdparty_topic,
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


def _covers(rule_name: str, pattern: PatternType, topic: str) -> bool:
    """Kafka's matching, written out: a literal rule names the topic, a prefix starts it."""
    return topic == rule_name if pattern is PatternType.LITERAL else topic.startswith(rule_name)


def _may(rules: tuple[AclSpec, ...], operation: AclOperation, topic: str) -> bool:
    return any(
        r.resource is ResourceKind.TOPIC
        and r.operation is operation
        and _covers(r.name, r.pattern, topic)
        for r in rules
    )


@given(recipient=st.from_regex(r"[a-z][a-z0-9-]{1,30}[a-z0-9]", fullmatch=True))
def test_no_service_principal_can_forge_reports_or_deliveries_it_does_not_make(
    recipient: str,
) -> None:
    """Issue 10, finding 11: the hub's prefix WRITE on lov.provider. covered every report
    topic. Base rules grant no recipient topic at all; onboarding grants exactly one each."""
    hub, reports = hub_acls("lovhub-hub"), reports_acls("lovhub-reports")
    reports_topic, delivery = provider_report_topic(recipient), provider_topic(recipient)
    assert not _may(hub, AclOperation.WRITE, reports_topic)
    assert not _may(hub, AclOperation.WRITE, delivery)
    assert not _may(hub, AclOperation.READ, reports_topic)
    assert not _may(reports, AclOperation.WRITE, delivery)
    assert not _may(reports, AclOperation.READ, delivery)
    assert not _may(reports, AclOperation.READ, AGENCY_EVENTS)
    onboarded = onboarding_acls(
        recipient, provider=True, hub_principal="lovhub-hub", reports_principal="lovhub-reports"
    )
    assert _may(onboarded, AclOperation.WRITE, delivery)
    assert not _may(onboarded, AclOperation.WRITE, reports_topic)
    assert all(is_onboarding_rule(rule) for rule in onboarded)
    assert not any(is_onboarding_rule(rule) for rule in (*hub, *reports))
    third_party = onboarding_acls(
        recipient, provider=False, hub_principal="lovhub-hub", reports_principal="lovhub-reports"
    )
    assert [(r.principal, r.name) for r in third_party] == [
        ("User:lovhub-hub", thirdparty_topic(recipient))
    ]


def test_no_service_principal_has_any_rule_on_the_lookup_chain() -> None:
    """Issue 15, part 4: the operators' lookups are written and read by the admin principal
    only; the hub, the report processor, the agency and recipients cannot read who looked
    up whom, nor write a lookup."""
    from lovhub.provisioning.topology import (
        CHAINED_AUDIT_TOPICS,
        LOOKUP_AUDIT,
        agency_acls,
        recipient_acls,
    )

    everyone = (
        *hub_acls("lovhub-hub"),
        *reports_acls("lovhub-reports"),
        *agency_acls("lovhub-agency"),
        *recipient_acls("nya-vagar", provider=True),
        *recipient_acls("forsakring-alfa", provider=False),
        *onboarding_acls(
            "nya-vagar", provider=True, hub_principal="lovhub-hub", reports_principal="r"
        ),
    )
    assert LOOKUP_AUDIT.startswith("lov.hub.audit.")
    assert LOOKUP_AUDIT in CHAINED_AUDIT_TOPICS, "`audit verify` checks it by default"
    assert not [r for r in everyone if _covers(r.name, r.pattern, LOOKUP_AUDIT)]
    specs = {spec.name: spec for spec in hub_topics()}
    assert specs[LOOKUP_AUDIT].partitions == 1, "one chain, one writer"
    assert specs[LOOKUP_AUDIT].configs(3)["retention.ms"] == "-1"
