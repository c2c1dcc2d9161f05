"""The latency benchmark's floor, the raw pass-through service, on the real broker: it
forwards every record unchanged, commits its input offsets, and (transactional) writes in
transactions that a read-committed reader sees committed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lovhub.kafka import consumer, producer
from lovhub_bench.kafkaops import TopicBook
from lovhub_bench.procs import running_passthrough
from lovhub_bench.soak_probes import GroupLag
from tests.support.broker import TestBroker

PARTITIONS = 2
RECORDS = [
    (f"AS-{n % 7:09d}".encode(), f"value {n}".encode(), [("trace_id", f"t{n}".encode())])
    for n in range(60)
]


def _read_all(kafka_broker: TestBroker, topic: str, expected: int) -> list[tuple]:
    reader = consumer(kafka_broker.admin_settings, topic, consumer_timeout_ms=1000)
    seen: list[tuple] = []
    deadline = time.monotonic() + 30
    try:
        while len(seen) < expected and time.monotonic() < deadline:
            seen += [(r.key, r.value, list(r.headers)) for r in reader]
    finally:
        reader.close()
    return seen


@pytest.mark.parametrize("transactional", [False, True], ids=["plain", "transactional"])
def test_the_pass_through_forwards_every_record_unchanged_and_commits_its_input(
    kafka_broker: TestBroker,
    new_topic: Callable[..., str],
    unique_name: Callable[[str], str],
    tmp_path: Path,
    transactional: bool,
) -> None:
    settings = kafka_broker.admin_settings
    source, sink = new_topic("pt-source", PARTITIONS), new_topic("pt-sink", PARTITIONS)
    group = unique_name("lovhub-bench-passthrough")
    book = TopicBook(settings)
    try:
        with running_passthrough(
            settings,
            book,
            source=source,
            sink=sink,
            group=group,
            transactional=transactional,
            directory=tmp_path,
        ) as service:
            writer = producer(settings)
            for key, value, headers in RECORDS:
                writer.send(source, key=key, value=value, headers=headers)
            writer.flush()
            writer.close()
            forwarded = _read_all(kafka_broker, sink, len(RECORDS))
            assert service.poll() is None, "the service is still running"
        input_lag = GroupLag(settings, source, PARTITIONS, group)
        sink_offsets = GroupLag(settings, sink, PARTITIONS, group)
        try:
            committed = sum(input_lag.committed().values())
            written = sum(sink_offsets.ends().values())
        finally:
            input_lag.close()
            sink_offsets.close()
    finally:
        book.clean_up()
    assert sorted(forwarded) == sorted(RECORDS), "every record, key, value and headers unchanged"
    assert committed == len(RECORDS), "the input offsets are committed after forwarding"
    if transactional:
        # Each committed transaction leaves a commit marker, which takes an offset.
        assert written > len(RECORDS), "the transactional pass-through writes in transactions"
    else:
        assert written == len(RECORDS), "the plain pass-through writes no transaction markers"
