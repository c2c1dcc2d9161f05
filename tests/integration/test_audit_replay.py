"""`lovhub audit replay`: filters, including a person given by personal identity number."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient

from lovhub.codec import OPERATOR_LOOKUP, codec_for
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import (
    HubTopics,
    audit_outcomes,
    lovhub_env,
    read_all,
    run_worker_until_idle,
    start_run,
)


def _replay(
    env: dict[str, str], topics: HubTopics, *args: str, stdin: str | None = None
) -> tuple[list[dict[str, Any]], str]:
    # Naming a person is a lookup: it needs a case and is recorded on the lookup chain.
    person = any(a in ("--jobseeker", "--jobseeker-id") for a in args)
    result = run_lovhub(
        topics.lookup_env(env),
        "audit",
        "replay",
        "--audit-topic",
        topics.audit,
        "--agency-topic",
        topics.source,
        *(topics.lookup_args("AF-2026/000456") if person else []),
        *args,
        stdin=stdin,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line], result.stderr


def test_replay_filters(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, scenario = start_run(kafka_admin, settings, jobseekers=20, seed=8)
    run_worker_until_idle(settings, world, topics, tmp_path / "state", f"test-{topics.run}")
    env = lovhub_env(settings, world, tmp_path)
    _, decisions = audit_outcomes(settings, topics)

    everything, summary = _replay(env, topics)
    assert len(everything) == len(decisions)
    assert f"{len(decisions)} decisions" in summary

    delivered_to, _ = _replay(
        env, topics, "--recipient", "forsakring-alfa", "--outcome", "delivered"
    )
    assert len(delivered_to) == sum(
        d["recipient_id"] == "forsakring-alfa" and d["outcome"] == "DELIVERED" for d in decisions
    )
    assert all(d["recipient_id"] == "forsakring-alfa" for d in delivered_to)

    withdrawn, _ = _replay(
        env, topics, "--reason", "CONSENT_WITHDRAWN", "--event-type", "REGISTRATION"
    )
    assert len(withdrawn) == sum(
        d["reason_code"] == "CONSENT_WITHDRAWN" and d["event_type"] == "REGISTRATION"
        for d in decisions
    )

    registration = next(e for e in scenario.events if e and e["event_type"] == "REGISTRATION")
    person = registration["jobseeker_id"]
    pseudonym = world.pseudonymiser().for_audit(person)
    own = [d for d in decisions if d["jobseeker_audit_pseudonym"] == pseudonym]
    by_number, summary = _replay(
        env, topics, "--jobseeker", "-", stdin=registration["body"][1]["personal_id"]
    )
    assert own
    assert sorted(d["decision_id"] for d in by_number) == sorted(d["decision_id"] for d in own)
    assert registration["body"][1]["personal_id"] not in summary
    by_id, _ = _replay(env, topics, "--jobseeker-id", person)
    assert [d["decision_id"] for d in by_id] == [d["decision_id"] for d in by_number]

    cutoff = sorted(d["decided_at"] for d in decisions)[len(decisions) // 2]
    later, _ = _replay(env, topics, "--since", cutoff.isoformat())
    assert len(later) == sum(d["decided_at"] >= cutoff for d in decisions)

    stranger = "190001010016"  # valid, and on no registration of this scenario
    assert all(e is None or stranger not in str(e) for e in scenario.events)
    missing = run_lovhub(
        topics.lookup_env(env),
        "audit",
        "replay",
        "--audit-topic",
        topics.audit,
        "--agency-topic",
        topics.source,
        "--jobseeker",
        "-",
        *topics.lookup_args("AF-2026/000456"),
        stdin=stranger,
    )
    assert missing.returncode == 1
    assert "PERSON_NOT_FOUND" in missing.stderr
    assert stranger not in missing.stderr + missing.stdout
    # The lookups were recorded, the one that found no one too, with no pseudonym.
    lookups = [
        codec_for(None).decode(r.value, OPERATOR_LOOKUP)
        for r in sorted(read_all(settings, topics.lookups), key=lambda r: r.offset)
    ]
    assert [(k["command"], k["jobseeker_audit_pseudonyms"]) for k in lookups] == [
        ("REPLAY", [pseudonym]),
        ("REPLAY", [pseudonym]),
        ("REPLAY", []),
    ]
    assert all(stranger.encode() not in r.value for r in read_all(settings, topics.lookups))

    table = run_lovhub(
        env,
        "audit",
        "replay",
        "--audit-topic",
        topics.audit,
        "--format",
        "table",
        "--outcome",
        "rejected",
    )
    assert table.returncode == 0, table.stderr
    assert "REJECTED" in table.stdout
