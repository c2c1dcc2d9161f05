"""Operators' lookups leave a trace (issue 15, part 4), on the real broker.

`lovhub audit report` and `audit replay` naming a person are refused without `--case` (and
with a personal id in it), appending and showing nothing; with it, the lookup is on the
lookup chain (operator from the Kafka login, the case, the command, the person by audit
pseudonym only) before anything is shown, the person's access report lists it, `audit
verify` checks the chain and its signed checkpoints and finds a changed lookup. A lookup
that cannot be recorded shows nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient

from lovhub.audit import ChainHead, link
from lovhub.audit.canonical import canonical_encoder
from lovhub.codec import OPERATOR_LOOKUP, codec_for, default_store
from lovhub.settings import KafkaSettings
from lovhub.synthetic import Scenario, build_world
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.hubrun import (
    HubTopics,
    lovhub_env,
    produce_all,
    read_all,
    run_worker_until_idle,
    start_run,
)

CASE = "AF-2026/000777"
CODEC = codec_for(None)
ENCODE = canonical_encoder(default_store(), OPERATOR_LOOKUP)


def _registrations(scenario: Scenario) -> dict[str, str]:
    """Jobseeker id -> the personal id on their first registration."""
    found: dict[str, str] = {}
    for event in scenario.events:
        if event is not None and event["event_type"] == "REGISTRATION":
            found.setdefault(event["jobseeker_id"], event["body"][1]["personal_id"])
    return found


def _chain(settings: KafkaSettings, topic: str) -> list[tuple[bytes, dict[str, Any]]]:
    """The lookup chain's records in offset order: raw value and decoded."""
    records = sorted(read_all(settings, topic), key=lambda r: r.offset)
    assert all(r.partition == 0 for r in records)
    return [(r.value, CODEC.decode(r.value, OPERATOR_LOOKUP)) for r in records]


def _runner(env: dict[str, str], topics: HubTopics) -> Callable[..., Any]:
    def lovhub(command: str, *args: str, stdin: str | None = None) -> Any:
        scope = ["--audit-topic", topics.audit]
        if command in ("report", "replay"):
            scope += ["--agency-topic", topics.source]
        if command == "report":
            scope += ["--recipients", "file"]
        return run_lovhub(env, "audit", command, *scope, *args, stdin=stdin)

    return lovhub


def _verify(env: dict[str, str], topics: HubTopics, topic: str, *extra: str) -> Any:
    result = run_lovhub(
        env,
        "audit",
        "verify",
        "--topic",
        topic,
        "--checkpoint-topic",
        topics.checkpoints,
        "--role",
        "operator-lookup",
        "--json",
        *extra,
    )
    return result.returncode, json.loads(result.stdout)


def test_a_lookup_without_a_case_is_refused_and_one_with_it_is_on_the_verified_chain(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    tmp_path: Path,
    new_topic: Callable[..., str],
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, scenario = start_run(kafka_admin, settings, jobseekers=12, seed=15)
    run_worker_until_idle(settings, world, topics, tmp_path / "state", f"test-{topics.run}")
    env = topics.lookup_env(lovhub_env(settings, world, tmp_path))
    audit = _runner(env, topics)
    lookups = ["--lookup-topic", topics.lookups]
    people = _registrations(scenario)
    chosen, other = sorted(people)[:2]
    personal_id = people[chosen]
    pseudonym = world.pseudonymiser().for_audit(chosen)

    # Without --case: refused as a usage error before the personal id is even read;
    # nothing shown, nothing appended.
    refused = audit("report", "--jobseeker", "-", *lookups, stdin=personal_id)
    assert refused.returncode == 2, refused.stderr
    assert "CASE_REQUIRED" in refused.stderr
    assert refused.stdout == ""
    replay_refused = audit("replay", "--jobseeker-id", chosen, *lookups)
    assert replay_refused.returncode == 2, replay_refused.stderr
    assert "CASE_REQUIRED" in replay_refused.stderr
    assert replay_refused.stdout == ""
    # A personal id in the case reference: refused, not repeated.
    smuggled = audit(
        "report", "--jobseeker", "-", "--case", f"Dnr {personal_id}", *lookups, stdin=personal_id
    )
    assert smuggled.returncode == 2, smuggled.stderr
    assert "CASE_REFERENCE_INVALID" in smuggled.stderr
    assert personal_id not in smuggled.stdout + smuggled.stderr
    assert _chain(settings, topics.lookups) == []

    # With --case: the lookup is on the chain, and the report lists it as its own.
    done = audit(
        "report",
        "--jobseeker",
        "-",
        "--case",
        CASE,
        "--format",
        "json",
        "--lang",
        "en",
        *lookups,
        stdin=personal_id,
    )
    assert done.returncode == 0, done.stderr
    assert f"lookup #0 recorded on {topics.lookups}" in done.stderr
    [(raw, first)] = _chain(settings, topics.lookups)
    assert first["operator"] == settings.sasl_username
    assert first["case_reference"] == CASE
    assert first["command"] == "ACCESS_REPORT"
    assert first["jobseeker_audit_pseudonyms"] == [pseudonym]
    assert first["sequence"] == 0
    assert personal_id.encode() not in raw
    assert chosen.encode() not in raw, "the agency's jobseeker id is never in clear"
    shown = json.loads(done.stdout)
    assert shown["record_found"] is True
    assert shown["lookups"] == [
        {
            "looked_up_at": first["looked_up_at"].isoformat(),
            "case_reference": CASE,
            "operator": settings.sasl_username,
            "command": "ACCESS_REPORT",
            "command_text": "Report of who has received data about you (access report)",
            "this_report": True,
        }
    ]

    # A replay naming the person is a lookup too.
    replayed = audit("replay", "--jobseeker-id", chosen, "--case", "AF-2026/000778", *lookups)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.strip()
    # The person's next report lists both earlier lookups and its own, newest first.
    again = audit(
        "report", "--jobseeker-id", chosen, "--case", "AF-2026/000779", "--format", "json", *lookups
    )
    assert again.returncode == 0, again.stderr
    chain = [record for _, record in _chain(settings, topics.lookups)]
    assert [(r["command"], r["case_reference"]) for r in chain] == [
        ("ACCESS_REPORT", CASE),
        ("REPLAY", "AF-2026/000778"),
        ("ACCESS_REPORT", "AF-2026/000779"),
    ]
    assert all(r["jobseeker_audit_pseudonyms"] == [pseudonym] for r in chain)
    listed = json.loads(again.stdout)["lookups"]
    assert [(k["case_reference"], k["this_report"]) for k in listed] == [
        ("AF-2026/000779", True),
        ("AF-2026/000778", False),
        (CASE, False),
    ]
    # Someone else's report names no lookup of this person.
    theirs = audit(
        "report", "--jobseeker-id", other, "--case", "AF-2026/000780", "--format", "json", *lookups
    )
    assert theirs.returncode == 0, theirs.stderr
    assert [k["case_reference"] for k in json.loads(theirs.stdout)["lookups"]] == ["AF-2026/000780"]

    # `audit verify` checks the chain's links and its signed checkpoints (the lookup key).
    code, verified = _verify(env, topics, topics.lookups)
    assert code == 0, verified
    [partition] = verified["partitions"]
    assert partition["records_verified"] == 4
    assert partition["checkpoints_checked"] >= 4, "every lookup is checkpointed"

    # A lookup changed afterwards (another case), written to a copy as the admin could:
    # found at its offset.
    values = [value for value, _ in _chain(settings, topics.lookups)]
    changed = {**chain[1], "case_reference": "AF-2026/999999"}
    copy = new_topic("lookups-tampered")
    produce_all(
        settings,
        copy,
        [
            (None, CODEC.encode(OPERATOR_LOOKUP, changed) if n == 1 else v)
            for n, v in enumerate(values)
        ],
    )
    code, tampered = _verify(env, topics, copy, "--copy-of", topics.lookups)
    assert code == 1
    assert (
        tampered["partitions"][0]["first_break"]["offset"],
        tampered["partitions"][0]["first_break"]["kind"],
    ) == (1, "MODIFIED")
    # Re-hashed and re-linked so every link agrees: the signed checkpoints still disagree.
    head, relinked = ChainHead(bytes(chain[0]["hash"]), 1), [values[0]]
    for record in [changed, *chain[2:]]:
        linked, head = link({**record}, head, ENCODE)
        relinked.append(CODEC.encode(OPERATOR_LOOKUP, linked))
    forged = new_topic("lookups-relinked")
    produce_all(settings, forged, [(None, value) for value in relinked])
    code, relinked_result = _verify(env, topics, forged, "--copy-of", topics.lookups)
    assert code == 1
    assert relinked_result["partitions"][0]["first_break"]["kind"] == "CHECKPOINT_MISMATCH"
    # A faithful copy verifies.
    faithful = new_topic("lookups-copy")
    produce_all(settings, faithful, [(None, value) for value in values])
    assert _verify(env, topics, faithful, "--copy-of", topics.lookups)[0] == 0


def test_a_lookup_that_cannot_be_recorded_shows_nothing(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics = build_world(), HubTopics.fresh()
    topics.create(kafka_admin, world)
    env = topics.lookup_env(lovhub_env(settings, world, tmp_path))
    audit = _runner(env, topics)
    never = f"js-never-{topics.run}"
    report = ["--jobseeker-id", never, "--case", CASE, "--format", "json"]

    # An id the hub never saw: no decision, but the lookup is recorded and listed.
    first = audit("report", *report, "--lookup-topic", topics.lookups)
    assert first.returncode == 0, first.stderr
    shown = json.loads(first.stdout)
    assert shown["record_found"] is False
    assert [k["this_report"] for k in shown["lookups"]] == [True]

    # A forger appends a lookup that does not extend the signed chain: the next lookup is
    # not recorded (RESUME_REFUSED), so nothing is shown.
    [(_, recorded)] = _chain(settings, topics.lookups)
    fake, _ = link({**recorded, "case_reference": "AF-FORGED"}, ChainHead(), ENCODE)
    produce_all(settings, topics.lookups, [(None, CODEC.encode(OPERATOR_LOOKUP, fake))])
    refused = audit("report", *report, "--lookup-topic", topics.lookups)
    assert refused.returncode == 1
    assert "LOOKUP_NOT_RECORDED" in refused.stderr
    assert "RESUME_REFUSED" in refused.stderr
    assert refused.stdout == ""
    assert len(_chain(settings, topics.lookups)) == 2, "nothing appended after the forgery"

    # No lookup topic at all: refused the same way.
    absent = audit("report", *report, "--lookup-topic", f"test.{topics.run}.no-lookups")
    assert absent.returncode == 1
    assert "LOOKUP_NOT_RECORDED" in absent.stderr
    assert absent.stdout == ""
