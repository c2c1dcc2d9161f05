"""`lovhub run --http-port` on the real broker: /readyz answers 503 until the worker has
joined its group and restored its partitions, then 200; /metrics parses with the Prometheus
client's parser and counts exactly the records decided and the decisions the audit topic
holds; /healthz is 200 while it runs."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from kafka import KafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from tests.support.broker import TestBroker
from tests.support.cli import LOVHUB
from tests.support.hubrun import audit_outcomes, lovhub_env, start_run


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(port: int, path: str) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None  # not listening yet


def _metrics(port: int) -> dict[str, list]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def test_probes_and_metrics_of_a_running_hub_worker(
    kafka_broker: TestBroker, kafka_admin: KafkaAdminClient, tmp_path: Path
) -> None:
    admin = kafka_broker.admin_settings
    world, topics, scenario = start_run(kafka_admin, admin, jobseekers=30, seed=4)
    port = _free_port()
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            LOVHUB,
            *topics.run_args(group=f"test-{topics.run}", worker_dir=tmp_path / "worker"),
            "--http-port",
            str(port),
            "--http-host",
            "127.0.0.1",
        ],
        env=lovhub_env(admin, world, tmp_path),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        seen: list[int | None] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not seen or seen[-1] != 200):
            seen.append(_status(port, "/readyz"))
            time.sleep(0.05)
        answered = [status for status in seen if status is not None]
        assert answered[-1] == 200, log.read_text(encoding="utf-8")[-2000:]
        assert answered[0] == 503, "not ready before it has joined and restored"
        assert set(answered) == {503, 200}

        expected = len(scenario.records)
        samples: dict[str, list] = {}
        while time.monotonic() < deadline:
            samples = _metrics(port)
            if samples["lovhub_events_total"][0].value == expected:
                break
            time.sleep(0.5)
        assert samples["lovhub_events_total"][0].value == expected
        assert _status(port, "/healthz") == 200
        counted, _ = audit_outcomes(admin, topics)
        by_outcome: Counter[tuple[str, str]] = Counter()
        for (outcome, reason, _), count in counted.items():
            by_outcome[(outcome, reason or "")] += count
        assert {
            (s.labels["outcome"], s.labels["reason"]): s.value
            for s in samples["lovhub_decisions_total"]
        } == dict(by_outcome)
        delivered = sum(s.value for s in samples["lovhub_deliveries_total"])
        assert delivered == by_outcome.total() - sum(
            n for (outcome, _), n in by_outcome.items() if outcome != "DELIVERED"
        )
        assert sum(s.value for s in samples["lovhub_dead_letters_total"]) == sum(
            scenario.invalid.values()
        )
        assert samples["lovhub_fail_closed"][0].value == 0
        assert samples["lovhub_batch_seconds_count"][0].value >= 1
        assert {s.labels["partition"] for s in samples["lovhub_consumer_lag"]} <= {"0", "1", "2"}
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert worker.returncode == 0, log.read_text(encoding="utf-8")[-2000:]
