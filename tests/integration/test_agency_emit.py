"""The agency's way in, end to end (issue 14): ``lovhub generate --jobseekers 1000 |
lovhub emit`` run as an agency principal feeds a running hub worker; every line is on the
agency topic keyed by its jobseeker id; the hub decides exactly what an in-process
reference pipeline decides over the same records; ``lovhub audit reconcile`` balances; and
the agency principal can neither read anything back nor write anywhere else."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import TopicAuthorizationFailedError

from lovhub.codec import JOBSEEKER_EVENT, codec_for
from lovhub.credentials_file import write_credentials
from lovhub.provisioning.hub import provision_agency_system
from lovhub.provisioning.topology import AGENCY_PRINCIPAL_PREFIX
from lovhub.synthetic import build_world
from tests.support.acl_probes import read_refused, remove_principals, write_probe
from tests.support.broker import TestBroker
from tests.support.cli import LOVHUB, run_lovhub
from tests.support.hubrun import (
    HubTopics,
    audit_outcomes,
    lovhub_env,
    oracle_outcomes,
    read_all,
)

JOBSEEKERS = 1000
PASSWORD = "test-only-agency-emit-password"


def test_generate_piped_to_emit_as_the_agency_feeds_a_running_hub_and_the_books_balance(
    kafka_broker: TestBroker,
    kafka_admin: KafkaAdminClient,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = kafka_broker.admin_settings
    world = build_world()
    topics = HubTopics.fresh()
    topics.create(kafka_admin, world)
    principal = unique_name(f"{AGENCY_PRINCIPAL_PREFIX}emit")
    provision_agency_system(kafka_admin, principal, password=PASSWORD, topic=topics.source)
    login = tmp_path / "agency.json"
    write_credentials(login, principal, PASSWORD)
    hub_env = lovhub_env(admin, world, tmp_path)
    # The agency's shell has the broker's address and its own login file, nothing more.
    agency_env = {
        k: v for k, v in hub_env.items() if not k.startswith(("LOVHUB_KAFKA_SASL", "KAFKA_SASL"))
    }
    worker_log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            LOVHUB,
            *topics.run_args(group=f"test-{topics.run}", worker_dir=tmp_path / "worker"),
            "--idle-exit",
            "15",
        ],
        env=hub_env,
        stdout=worker_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        # generate | emit, as the README shows it, without a shell.
        generate_log = tmp_path / "generate.log"
        agency = {**agency_env, "COLUMNS": "240"}
        generate = subprocess.Popen(
            [LOVHUB, "generate", "--jobseekers", str(JOBSEEKERS), "--seed", "17"],
            env=agency,
            stdout=subprocess.PIPE,
            stderr=generate_log.open("w"),
        )
        emit = subprocess.Popen(
            [LOVHUB, "emit", "--password-file", str(login), "--topic", topics.source],
            stdin=generate.stdout,
            env=agency,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert generate.stdout is not None
        generate.stdout.close()  # emit holds the pipe now: generate sees it close
        _, emitted = emit.communicate(timeout=600)
        assert emit.returncode == 0, emitted[-3000:]
        assert generate.wait(timeout=60) == 0, generate_log.read_text(encoding="utf-8")
        assert "warning" not in emitted, "emit ran as the agency principal"
        worker.wait(timeout=600)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, worker_log.read_text(encoding="utf-8")[-3000:]

    records = read_all(admin, topics.source)
    sent = int(emitted.split("sent ")[1].split(" events")[0].replace(",", ""))
    assert len(records) == sent > JOBSEEKERS * 5
    codec = codec_for(None)
    people = set()
    for record in records:
        event = codec.decode(record.value, JOBSEEKER_EVENT)
        assert record.key == event["jobseeker_id"].encode()
        people.add(event["jobseeker_id"])
    assert len(people) == JOBSEEKERS

    counted, _ = audit_outcomes(admin, topics)
    assert counted == oracle_outcomes(world, topics, records)
    reconciled = run_lovhub(hub_env, *topics.reconcile_args())
    output = reconciled.stdout + reconciled.stderr
    assert reconciled.returncode == 0, output
    assert "books: balanced" in output

    agency_login = kafka_broker.settings_for(principal, PASSWORD)
    try:
        for topic in (
            topics.audit,
            topics.dead_letter,
            topics.recipient(world.recipients.providers()[0]),
        ):
            with pytest.raises(TopicAuthorizationFailedError):
                write_probe(agency_login, topic)
        for topic in (topics.source, topics.audit):
            assert read_refused(agency_login, topic, caplog)
    finally:
        remove_principals(kafka_admin, principal)
    assert json.loads(login.read_text(encoding="utf-8"))["username"] == principal
