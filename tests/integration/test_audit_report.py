"""`lovhub audit report`: exactly the deliveries the reference model predicts for one person,
and nothing about anyone else."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient

from lovhub.synthetic import Scenario
from tests.support.broker import TestBroker
from tests.support.cli import run_lovhub
from tests.support.expected import expected_deliveries_of
from tests.support.hubrun import (
    HubTopics,
    audit_outcomes,
    lovhub_env,
    run_worker_until_idle,
    start_run,
)


def _registrations(scenario: Scenario) -> dict[str, list[str]]:
    """Jobseeker id -> the personal ids on their registrations."""
    found: dict[str, list[str]] = {}
    for event in scenario.events:
        if event is not None and event["event_type"] == "REGISTRATION":
            found.setdefault(event["jobseeker_id"], []).append(event["body"][1]["personal_id"])
    return found


CASE = "AF-2026/000123"


def _report(env: dict[str, str], topics: HubTopics, *args: str, stdin: str | None = None) -> Any:
    return run_lovhub(
        topics.lookup_env(env),
        "audit",
        "report",
        "--audit-topic",
        topics.audit,
        "--agency-topic",
        topics.source,
        "--recipients",
        "file",
        *topics.lookup_args(CASE),
        *args,
        stdin=stdin,
    )


def test_report_lists_exactly_the_predicted_deliveries(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    settings = kafka_broker.admin_settings
    world, topics, scenario = start_run(kafka_admin, settings, jobseekers=30, seed=5)
    run_worker_until_idle(settings, world, topics, tmp_path / "state", f"test-{topics.run}")
    env = lovhub_env(settings, world, tmp_path)

    people = _registrations(scenario)
    predicted = {j: expected_deliveries_of(world, scenario, j) for j in people}
    recipients_of = {j: {r for _, r in d} for j, d in predicted.items()}
    chosen = max(people, key=lambda j: (len(recipients_of[j]), len(predicted[j])))
    assert len(recipients_of[chosen]) >= 2, "the chosen person's data went to several recipients"
    personal_id = people[chosen][0]
    events = {e["event_id"]: e for e in scenario.events if e is not None}

    result = _report(
        env, topics, "--jobseeker", "-", "--format", "json", "--lang", "en", stdin=personal_id
    )
    assert result.returncode == 0, result.stderr
    assert personal_id not in result.stderr
    report = json.loads(result.stdout)
    listed = Counter(
        (d["recipient_id"], d["event_type"], d["occurred_at"]) for d in report["deliveries"]
    )
    # A consent event delivers nothing itself: what is listed under it is its status answer.
    answer = {"CONSENT_GIVEN": "REGISTRATION_STATUS"}
    expected = Counter(
        (
            recipient,
            answer.get(events[e]["event_type"], events[e]["event_type"]),
            events[e]["occurred_at"].isoformat(),
        )
        for e, recipient in predicted[chosen]
    )
    assert listed == expected
    times = [d["decided_at"] for d in report["deliveries"]]
    assert times == sorted(times, reverse=True), "newest first"
    assert {r["recipient_id"] for r in report["recipients"]} == recipients_of[chosen]
    names = {r.id: r.name for r in world.recipients.recipients}
    assert all(r["name"] == names[r["recipient_id"]] for r in report["recipients"])

    # Withheld lines: exactly the person's own withheld decisions that name a recipient.
    pseudonym = world.pseudonymiser().for_audit(chosen)
    _, decisions = audit_outcomes(settings, topics)
    own_withheld = [
        d
        for d in decisions
        if d["jobseeker_audit_pseudonym"] == pseudonym
        and d["outcome"] == "WITHHELD"
        and d["recipient_id"]
    ]
    assert len(report["withheld"]) == len(own_withheld)
    consent_based = [d for d in report["deliveries"] if d["legal_basis"] == "CONSENT"]
    assert all(d["consent_id"] for d in consent_based)

    # The same person by agency id, in every rendering; nothing names anyone else.
    others = [j for j in people if j != chosen]
    others_pids = [pid for j in others for pid in people[j]]
    html_file = tmp_path / "report.html"
    page = _report(
        env, topics, "--jobseeker-id", chosen, "--format", "html", "--out", str(html_file)
    )
    assert page.returncode == 0, page.stderr
    html = html_file.read_text(encoding="utf-8")
    assert '<html lang="sv">' in html
    # The personal id from stdin, as an operator should pass it (not in shell history); and
    # the operators' tools never load the hub worker's signing key (the lookup chain has its
    # own role's key): the file is not even there.
    readonly = {**env, "LOVHUB_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "no-such.key")}
    told = _report(readonly, topics, "--jobseeker", "-", "--format", "text", stdin=personal_id)
    assert told.returncode == 0, told.stderr
    text = told.stdout
    replayed = run_lovhub(
        topics.lookup_env(readonly),
        "audit",
        "replay",
        "--audit-topic",
        topics.audit,
        "--jobseeker-id",
        chosen,
        *topics.lookup_args(CASE),
    )
    assert replayed.returncode == 0, replayed.stderr
    lines = [json.loads(line) for line in replayed.stdout.splitlines() if line.strip()]
    assert lines
    assert all(d["jobseeker_audit_pseudonym"] == pseudonym for d in lines)
    for rendering in (html, text, result.stdout):
        assert not any(j in rendering for j in others)
        assert not any(pid in rendering for pid in others_pids)
        for recipient in recipients_of[chosen]:
            assert names[str(recipient)] in rendering
    assert text.count("\n* ") >= len(expected)

    # Issue 10, finding 18b: an agency id the hub never saw is not "nothing was shared".
    never = f"never-seen-{topics.run}"
    assert never not in people
    for lang, says in (
        ("sv", "Navet har inga uppgifter om dig alls"),
        ("en", "The hub has no record of you at all"),
    ):
        unknown = _report(env, topics, "--jobseeker-id", never, "--lang", lang)
        assert unknown.returncode == 0, unknown.stderr
        assert says in unknown.stdout
        assert "No data about you has been shared" not in unknown.stdout
        assert "Inga uppgifter om dig har lämnats ut" not in unknown.stdout
        assert "no record" in unknown.stderr
    as_json = json.loads(_report(env, topics, "--jobseeker-id", never, "--format", "json").stdout)
    assert (as_json["record_found"], as_json["deliveries"]) == (False, [])
    assert json.loads(result.stdout)["record_found"] is True
