"""Reports back to the agency on the real broker: `lovhub report` as the provider, then
`lovhub run-reports` as the hub. Valid reports reach the agency with the jobseeker's agency
id; others are dead-lettered (sealed) and both are audited on a verifiable chain."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from typer.testing import CliRunner

from lovhub.audit import verify_chain
from lovhub.audit.canonical import canonical_audit_encoder
from lovhub.cli.main import app
from lovhub.codec import (
    AGENCY_PROVIDER_REPORT,
    AUDIT_DECISION,
    DEAD_LETTER_RECORD,
    codec_for,
    default_store,
)
from lovhub.credentials_file import write_credentials
from lovhub.kafka import admin_client
from lovhub.settings import KafkaSettings
from lovhub.synthetic import Scenario, World
from tests.support.broker import TestBroker
from tests.support.hubrun import lovhub_env, read_all, run_worker_until_idle, start_run
from tests.support.recipients import RecipientNamedTopics, provisioned, unique_world

CODEC = codec_for(None)


@dataclass(frozen=True)
class ReportWorld:
    world: World
    topics: RecipientNamedTopics
    scenario: Scenario
    ids: dict[str, str]  # seed id -> this test's id
    settings: dict[str, KafkaSettings]  # this test's id -> its credentials
    directory: Path

    def assigned(self, provider: str) -> list[tuple[str, dt.date]]:
        """(jobseeker id, assignment start) of every assignment to ``provider``."""
        return [
            (event["jobseeker_id"], event["body"][1]["valid_from"])
            for event in self.scenario.events
            if event is not None
            and event["event_type"] == "ASSIGNMENT_STARTED"
            and event["body"][1]["provider_id"] == provider
        ]


@pytest.fixture(scope="module")
def report_world(
    kafka_broker: TestBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReportWorld]:
    admin: KafkaAdminClient = admin_client(kafka_broker.admin_settings)
    directory = tmp_path_factory.mktemp("reports")
    world, ids = unique_world(directory / "policy")
    topics = RecipientNamedTopics.fresh()
    _, _, scenario = start_run(
        admin,
        kafka_broker.admin_settings,
        jobseekers=30,
        seed=11,
        invalid_rate=0.0,
        world=world,
        topics=topics,
    )
    run_worker_until_idle(
        kafka_broker.admin_settings, world, topics, directory / "state", f"lovhub-{topics.run}"
    )
    with ExitStack() as stack:
        settings = {
            ids[seed]: stack.enter_context(provisioned(kafka_broker, admin, ids[seed]))
            for seed in ("jobbcoach-syd", "karriarbron")
        }
        yield ReportWorld(world, topics, scenario, ids, settings, directory)
    admin.close()


def send_report(run: ReportWorld, provider: str, tmp_path: Path, *args: str) -> str:
    """`lovhub report` as the provider; returns the report id it sent."""
    password_file = tmp_path / f"{provider}.password"
    password = run.settings[provider].sasl_password
    assert password is not None
    write_credentials(password_file, provider, password.get_secret_value())
    report_id = str(uuid.uuid4())
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--recipient",
            provider,
            "--password-file",
            str(password_file),
            "--report-id",
            report_id,
            *args,
        ],
        env={
            "KAFKA_BOOTSTRAP_SERVERS": run.settings[provider].bootstrap_servers,
            "LOVHUB_KAFKA_SECURITY_PROTOCOL": str(run.settings[provider].security_protocol),
        },
    )
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert report_id in result.stdout
    return report_id


def test_reports_are_forwarded_or_dead_lettered_and_always_audited(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    report_world: ReportWorld,
    tmp_path: Path,
) -> None:
    run = report_world
    coach, bridge = run.ids["jobbcoach-syd"], run.ids["karriarbron"]
    pseudonyms = run.world.pseudonymiser()
    coach_assigned = run.assigned(coach)
    bridge_assigned = run.assigned(bridge)
    assert coach_assigned, "the scenario must assign someone to jobbcoach-syd"
    assert bridge_assigned, "the scenario must assign someone to karriarbron"
    jobseeker, started = coach_assigned[0]
    coach_ids = {j for j, _ in coach_assigned}
    stranger = next(j for j, _ in bridge_assigned if j not in coach_ids)

    valid = send_report(
        run,
        coach,
        tmp_path,
        "--type",
        "activity",
        "--jobseeker",
        pseudonyms.for_recipient(coach, jobseeker),
        "--date",
        started.isoformat(),
        "--activity-code",
        "KROM-01",
        "--minutes",
        "60",
        "--note",
        "synthetic note",
    )
    # The pseudonym a provider would derive for someone never assigned to it names nobody.
    not_assigned = send_report(
        run,
        coach,
        tmp_path,
        "--type",
        "absence",
        "--jobseeker",
        pseudonyms.for_recipient(coach, stranger),
        "--date",
        started.isoformat(),
    )
    # karriarbron's contract has no lov.follow-up: activity reports are not its to send.
    bridge_jobseeker, bridge_started = bridge_assigned[0]
    not_contracted = send_report(
        run,
        bridge,
        tmp_path,
        "--type",
        "activity",
        "--jobseeker",
        pseudonyms.for_recipient(bridge, bridge_jobseeker),
        "--date",
        bridge_started.isoformat(),
        "--activity-code",
        "KROM-01",
        "--minutes",
        "30",
    )

    private = f"test.{run.topics.run}"
    agency, dead_letter, audit = f"{private}.agency-reports", f"{private}.dlq", f"{private}.rep"
    checkpoints = f"{private}.checkpoints"
    kafka_admin.create_topics(
        {
            agency: {"num_partitions": 3, "replication_factor": 1},
            dead_letter: {"num_partitions": 1, "replication_factor": 1},
            audit: {"num_partitions": 1, "replication_factor": 1},
            checkpoints: {"num_partitions": 1, "replication_factor": 1},
        },
        wait_for_metadata=True,
    )
    pattern = (
        "^lov\\.provider\\.(" + "|".join(map(re.escape, (coach, bridge))) + ")\\.reports\\.v1$"
    )
    result = CliRunner().invoke(
        app,
        [
            "run-reports",
            "--group",
            f"lovhub-reports-{run.topics.run}",
            "--reports-pattern",
            pattern,
            "--changelog-topic",
            run.topics.changelog,
            "--agency-topic",
            agency,
            "--dead-letter-topic",
            dead_letter,
            "--audit-topic",
            audit,
            "--checkpoint-topic",
            checkpoints,
            "--idle-exit",
            "4",
        ],
        env=lovhub_env(kafka_broker.admin_settings, run.world, tmp_path / "hub"),
    )
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert "3 reports, 1 forwarded to the agency, 2 rejected" in " ".join(result.stderr.split())

    settings = kafka_broker.admin_settings
    forwarded = read_all(settings, agency)
    assert len(forwarded) == 1
    agency_report = CODEC.decode(forwarded[0].value, AGENCY_PROVIDER_REPORT)
    assert agency_report["report_id"] == valid
    assert agency_report["jobseeker_id"] == jobseeker
    assert forwarded[0].key == jobseeker.encode()
    assert agency_report["provider_id"] == coach
    assert agency_report["body"][1]["note"] == "synthetic note"

    letters = {}
    for record in read_all(settings, dead_letter):
        assert b"synthetic" not in record.value
        assert pseudonyms.for_recipient(coach, stranger).encode() not in record.value
        letter = CODEC.decode(record.value, DEAD_LETTER_RECORD)
        letters[letter["dead_letter_id"]] = letter
    assert sorted(letter["reason"] for letter in letters.values()) == ["NOT_ASSIGNED", "OTHER"]

    records = read_all(settings, audit)
    decisions = {d["event_id"]: d for d in (CODEC.decode(r.value, AUDIT_DECISION) for r in records)}
    assert set(decisions) == {valid, not_assigned, not_contracted}
    delivered = decisions[valid]
    assert (delivered["outcome"], delivered["reason_code"]) == ("DELIVERED", None)
    assert delivered["event_type"] == "PROVIDER_REPORT"
    assert delivered["recipient_id"] == coach
    assert delivered["jobseeker_audit_pseudonym"] == pseudonyms.for_audit(jobseeker)
    assert (
        delivered["delivery_topic"],
        delivered["delivery_partition"],
        delivered["delivery_offset"],
    ) == (agency, forwarded[0].partition, forwarded[0].offset)
    refused = decisions[not_assigned]
    assert (refused["outcome"], refused["reason_code"]) == ("REJECTED", "NOT_ASSIGNED")
    assert refused["recipient_id"] == coach
    assert refused["dead_letter_id"] in letters
    outside = decisions[not_contracted]
    assert (outside["outcome"], outside["reason_code"]) == (
        "REJECTED",
        "REPORT_TYPE_NOT_CONTRACTED",
    )
    assert outside["recipient_id"] == bridge
    assert outside["jobseeker_audit_pseudonym"] is None  # refused before the lookup

    chain: list[tuple[int, dict[str, Any]]] = [
        (r.offset, CODEC.decode(r.value, AUDIT_DECISION)) for r in records
    ]
    broken, _, _ = verify_chain(chain, canonical_audit_encoder(default_store()))
    assert broken is None
    assert [d["sequence"] for _, d in chain] == [0, 1, 2]
    assert read_all(settings, checkpoints), "the report chain is covered by signed checkpoints"
    verify = ["audit", "verify", "--topic", audit, "--checkpoint-topic", checkpoints]
    env = lovhub_env(kafka_broker.admin_settings, run.world, tmp_path / "hub")
    verified = CliRunner().invoke(app, [*verify, "--role", "report-processor"], env=env)
    assert verified.exit_code == 0, verified.output
    # Signed with the report processor's own key: as the hub worker's chain they are forged
    # (one key per writer role, issue 10, finding 6).
    as_hub = CliRunner().invoke(app, [*verify, "--role", "hub-worker", "--json"], env=env)
    assert as_hub.exit_code == 1, as_hub.output
    assert "CHECKPOINT_FORGED" in as_hub.output
