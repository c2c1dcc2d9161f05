"""The hub worker's readiness: ready only once it has joined its group and restored every
partition it owns, and never while stopping; its liveness follows the loop's last turn."""

from __future__ import annotations

import asyncio
import time

from aiokafka import TopicPartition

from lovhub.worker import HubWorker
from lovhub.worker.batch import BatchWork
from lovhub.worker.runner import WorkerTopics


class _Assigned:
    def __init__(self, *partitions: int) -> None:
        self.partitions = partitions

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition("agency", p) for p in self.partitions}


def _worker() -> HubWorker:
    return HubWorker(
        object(),  # type: ignore[arg-type]  # never called: only the probes are asked
        client_config={},
        topics=WorkerTopics("agency", "audit", "changelog"),
        group_id="lovhub-test",
        store=object(),  # type: ignore[arg-type]
    )


def test_ready_only_when_joined_and_every_owned_partition_is_restored() -> None:
    worker = _worker()
    assert worker.readiness().reason == "starting"
    worker.consumer = _Assigned(0, 1, 2)  # type: ignore[assignment]
    worker._stopping = asyncio.Event()
    assert worker.readiness().reason == "joining the consumer group"
    worker.joined = True
    worker.restored = {0, 2}
    assert worker.readiness() == worker.readiness().__class__(False, "restoring 1 partitions")
    worker.restored.add(1)
    assert worker.readiness().ok
    worker.stop()
    assert worker.readiness().reason == "stopping"


def test_alive_while_the_loop_turns() -> None:
    worker = _worker()
    worker.beat()
    assert worker.liveness().ok
    worker.turned_at = time.monotonic() - 3600
    assert not worker.liveness().ok


class _AiokafkaLikeConsumer(_Assigned):
    """Answers highwater only for assigned partitions and asserts otherwise, as aiokafka
    0.14's consumer does."""

    def highwater(self, tp: TopicPartition) -> int:
        assert tp in self.assignment(), "Partition is not assigned"
        return 100 + tp.partition


def test_lag_is_observed_only_for_partitions_still_assigned() -> None:
    worker = _worker()
    work = BatchWork()
    for partition in (0, 1):
        part = work.part(partition)
        part.commit, part.committed = 90, True
    # Partition 1 was revoked while its share was written (a successor fenced it).
    worker._observe_lag(_AiokafkaLikeConsumer(0), work)  # type: ignore[arg-type]
    lag = {
        sample.labels["partition"]: sample.value
        for metric in worker.metrics.registry.collect()
        for sample in metric.samples
        if sample.name == "lovhub_consumer_lag"
    }
    assert lag == {"0": 10.0}
