"""The broker stops (or freezes) mid-run and comes back (issue 12, parts 3 and 5).

The test starts a broker of its own (it must be able to stop it; the suite's shared broker
serves every other test). A `lovhub run` worker decides a synthetic stream; the broker is
stopped for ``OUTAGE_SECONDS`` and started again on the same data, or frozen (SIGSTOP: its
connections stay open and nothing answers) past the group's session timeout and resumed.
Measured and held to:
- `lovhub health` turns unhealthy within seconds of the outage, naming the broker, and
  healthy again once the worker writes again;
- the worker costs little CPU while the broker is away (bounded, backed-off reconnects) and
  logs a bounded number of lines (state changes, not one line per attempt);
- the judge (tests.support.judge) finds nothing lost, altered or delivered against the
  reference, and every chain verifies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from lovhub.devbroker import BrokerLayout, LocalBroker, free_port_pair
from lovhub.devbroker.process import is_port_free
from lovhub.kafka import admin_client
from tests.support.expected import expected_outcomes
from tests.support.hubrun import lovhub_env, start_run
from tests.support.judge import judge

LOVHUB = str(Path(sys.executable).parent / "lovhub")
OUTAGE_SECONDS = 15.0
HEALTH_RED_WITHIN_SECONDS = 8.0
MAX_OUTAGE_CPU_SHARE = 0.25  # of one core, over the outage
MAX_OUTAGE_LOG_LINES = 40


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    client_port, controller_port = free_port_pair()
    tls_port = next(p for p in range(controller_port + 1, 65000) if is_port_free("127.0.0.1", p))
    broker = LocalBroker(
        BrokerLayout(tmp_path / "broker", client_port, controller_port, tls_port=tls_port)
    )
    broker.up(timeout=180)
    try:
        yield broker
    finally:
        broker.down()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _health(worker_dir: Path) -> dict[str, object]:
    try:
        return dict(json.loads((worker_dir / "health.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _lovhub_health(env: dict[str, str], worker_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LOVHUB, "health", "--worker-dir", str(worker_dir), "--max-age", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _wait(condition: object, what: str, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _committed(admin: KafkaAdminClient, group: str, topic: str) -> int:
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    except KafkaError:  # the test's own admin client reconnecting after the restart
        return -1
    return sum(m.offset for tp, m in offsets.items() if tp.topic == topic)


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8", errors="replace").splitlines())


def _stop(broker: LocalBroker, how: str) -> None:
    if how == "stopped":
        broker.down()
        return
    pid = broker.status().pid
    assert pid is not None
    os.killpg(pid, signal.SIGSTOP)  # frozen: connections stay open, nothing answers


def _start(broker: LocalBroker, how: str) -> float:
    """Seconds until the broker answers again."""
    if how == "stopped":
        return broker.up(timeout=180).seconds_to_ready
    pid = broker.status().pid
    assert pid is not None
    os.killpg(pid, signal.SIGCONT)
    return 0.0


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_a_broker_outage_costs_no_spin_and_loses_nothing(
    own_broker: LocalBroker, tmp_path: Path, how: str
) -> None:
    settings = own_broker.admin_settings()
    admin = admin_client(settings)
    world, topics, scenario = start_run(admin, settings, jobseekers=1500, seed=811)
    env = lovhub_env(settings, world, tmp_path)
    worker_dir = tmp_path / "worker"
    log_path = tmp_path / "worker.log"
    group = f"test-{topics.run}"
    worker = subprocess.Popen(
        [LOVHUB, *topics.run_args(group=group, worker_dir=worker_dir), "--max-batch", "200"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("w"),
    )
    try:
        _wait(lambda: int(_health(worker_dir).get("events", 0)) >= 2000, "the first decisions")
        lines_before = _lines(log_path)
        cpu_before = _cpu_seconds(worker.pid)
        _stop(own_broker, how)
        stopped_at = time.monotonic()
        red_after: float | None = None
        reason = ""
        while time.monotonic() - stopped_at < OUTAGE_SECONDS:
            report = _health(worker_dir)
            if red_after is None and report.get("healthy") is False:
                red_after = time.monotonic() - stopped_at
                reason = str(report.get("reason"))
            time.sleep(0.1)
        checked = _lovhub_health(env, worker_dir)
        cpu_share = (_cpu_seconds(worker.pid) - cpu_before) / (time.monotonic() - stopped_at)
        outage_lines = _lines(log_path) - lines_before
        back_in = _start(own_broker, how)
        _wait(
            lambda: _committed(admin, group, topics.source) >= len(scenario.records),
            "the rest of the stream after the restart",
        )
        drained_after = time.monotonic() - stopped_at - OUTAGE_SECONDS
        _wait(lambda: _health(worker_dir).get("healthy") is True, "health green again", 60)
    finally:
        if how == "frozen":
            _start(own_broker, how)  # never leave a frozen broker behind a failed test
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
        admin.close()
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    print(
        f"broker {how} {OUTAGE_SECONDS:.0f}s: health red after {red_after}s ({reason!r}); "
        f"worker CPU {cpu_share:.0%} of a core; {outage_lines} log lines; broker back in "
        f"{back_in:.1f}s; drained {drained_after:.1f}s after it"
    )
    assert worker.returncode == 0, log_text[-4000:]
    assert red_after is not None, "lovhub health stayed green through the outage"
    assert red_after <= HEALTH_RED_WITHIN_SECONDS, (red_after, reason)
    assert "broker" in reason, reason
    assert checked.returncode == 1, checked.stdout
    assert "unhealthy" in checked.stdout, checked.stdout
    assert cpu_share <= MAX_OUTAGE_CPU_SHARE, f"{cpu_share:.0%} of a core while the broker is away"
    assert outage_lines <= MAX_OUTAGE_LOG_LINES, log_text[-6000:]
    verdict = judge(settings, world, topics)
    print(verdict.summary())
    assert verdict.events == len(scenario.records)
    assert verdict.clean, verdict.summary()
    assert verdict.outcomes == expected_outcomes(world, scenario), "and the reference model"
