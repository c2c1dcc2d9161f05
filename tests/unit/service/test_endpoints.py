"""The services' HTTP endpoints: /metrics in the Prometheus text format (read back with the
Prometheus client's own parser), /healthz and /readyz answering 200 or 503 from the probes
asked at each request, anything else 404; and JSON log lines."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families

from lovhub.service import Probe, ServiceEndpoints
from lovhub.service.logs import JsonLines, configure_logging


def _get(port: int, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.fixture
def state() -> dict[str, Probe]:
    return {"live": Probe(True), "ready": Probe(False, "restoring 3 partitions")}


@pytest.fixture
def served(state: dict[str, Probe]) -> Iterator[tuple[int, Counter]]:
    registry = CollectorRegistry()
    events = Counter("lovhub_events", "Agency records decided.", registry=registry)
    endpoints = ServiceEndpoints(
        registry,
        live=lambda: state["live"],
        ready=lambda: state["ready"],
        port=0,
        host="127.0.0.1",
    ).start()
    try:
        yield endpoints.port, events
    finally:
        endpoints.stop()


def test_metrics_are_the_registrys_in_the_prometheus_text_format(
    served: tuple[int, Counter],
) -> None:
    port, events = served
    events.inc(41)
    status, content_type, body = _get(port, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(body)}
    (sample,) = [s for s in families["lovhub_events"].samples if s.name == "lovhub_events_total"]
    assert sample.value == 41


def test_probes_answer_from_the_state_at_each_request(
    served: tuple[int, Counter], state: dict[str, Probe]
) -> None:
    port, _ = served
    assert _get(port, "/healthz")[0] == 200
    status, content_type, body = _get(port, "/readyz")
    assert (status, content_type) == (503, "application/json")
    assert json.loads(body) == {"ok": False, "reason": "restoring 3 partitions"}
    state["ready"] = Probe(True)
    state["live"] = Probe(False, "the worker loop has not turned for 75s")
    assert _get(port, "/readyz")[0] == 200
    status, _, body = _get(port, "/healthz")
    assert status == 503
    assert json.loads(body)["reason"] == "the worker loop has not turned for 75s"


def test_other_paths_are_not_found(served: tuple[int, Counter]) -> None:
    assert _get(served[0], "/admin")[0] == 404


def test_json_log_lines_carry_time_level_logger_and_message() -> None:
    record = logging.LogRecord(
        "lovhub.worker", logging.ERROR, __file__, 1, "holding %s[%d]", ("t", 2), None
    )
    line = json.loads(JsonLines().format(record))
    assert line["level"] == "error"
    assert line["logger"] == "lovhub.worker"
    assert line["message"] == "holding t[2]"
    assert line["time"].endswith("+00:00")


def test_the_log_format_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        monkeypatch.setenv("LOVHUB_LOG_FORMAT", "json")
        assert configure_logging() == "json"
        assert isinstance(root.handlers[0].formatter, JsonLines)
        monkeypatch.setenv("LOVHUB_LOG_FORMAT", "xml")
        with pytest.raises(Exception, match="LOVHUB_LOG_FORMAT"):
            configure_logging()
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_a_loop_is_alive_until_it_has_not_turned_for_the_stall_limit() -> None:
    from lovhub.service import STALL_SECONDS, loop_liveness

    alive = loop_liveness(100.0, 100.0 + STALL_SECONDS, what="worker loop", reason="holding")
    assert alive == Probe(True, "holding")
    stuck = loop_liveness(100.0, 100.0 + STALL_SECONDS + 5, what="worker loop")
    assert stuck == Probe(False, f"the worker loop has not turned for {STALL_SECONDS + 5:.0f}s")
