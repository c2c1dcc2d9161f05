"""A raw pass-through service: the floor the hub worker's latency is measured against.

Run as its own process, as the hub worker is (``python -m lovhub_bench.passthrough_service``,
started by :func:`lovhub_bench.procs.running_passthrough`): it reads ``--source`` in a
consumer group and forwards every record unchanged (key, value, headers) to ``--sink``, with
no logic at all. Its Kafka clients have the worker's settings (lovhub.worker): aiokafka, a
consumer reading committed in batches of up to 2,000 records (``getmany`` waiting at most
200 ms), producers with acks=all, idempotence and linger 5 ms. Two ways of writing a batch:

- plain (the throughput baseline's loop, :func:`lovhub_bench.drain.drain_passthrough`):
  every record sent, every acknowledgement awaited, then the input offsets committed;
- ``--transactional``, the hub's way: one transactional producer per source partition
  (opened when the partition is assigned, as the worker fences and opens its writers), and
  each batch's share of a partition forwarded in one transaction that also carries that
  partition's input offset; the shares of a batch are written concurrently, as the
  worker's are. Its output is read committed, like the hub's.

The hub does more inside a transaction (a second round of acknowledgements for the audit
and changelog records, before the commit), and decides each event; what the transactional
pass-through costs is what any transactional consume-and-produce service costs here.

It writes ``--ready-file`` once it owns partitions and their producers are open, and stops
cleanly on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition

from lovhub.kafka.aio import aio_client_config
from lovhub.settings import KafkaSettings, load_kafka_settings

__all__ = ["MAX_BATCH", "PassThrough", "main", "transactional_id"]

MAX_BATCH = 2000  # the worker's default --max-batch
POLL_MS = 200  # the worker's getmany timeout
LINGER_MS = 5  # the worker's producers
TRANSACTION_TIMEOUT_MS = 30_000  # the worker's (lovhub.worker.transactions)


def transactional_id(group: str, partition: int) -> str:
    """One id per (group, source partition), as the worker has."""
    return f"{group}.txn.{partition}"


class PassThrough:
    """Forwards ``source`` to ``sink`` batch by batch until stopped."""

    def __init__(
        self,
        settings: KafkaSettings,
        *,
        source: str,
        sink: str,
        group: str,
        transactional: bool,
        ready_file: Path | None = None,
    ) -> None:
        self._config = aio_client_config(settings)
        self.source, self.sink, self.group = source, sink, group
        self.transactional = transactional
        self.ready_file = ready_file
        self.forwarded = 0
        self._stopping = asyncio.Event()
        self._plain: AIOKafkaProducer | None = None
        self._writers: dict[int, AIOKafkaProducer] = {}

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            **self._config,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=MAX_BATCH,
            isolation_level="read_committed",
        )
        if not self.transactional:
            self._plain = self._producer()
            await self._plain.start()
        await consumer.start()
        consumer.subscribe([self.source], listener=_OpenWriters(self))
        try:
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=POLL_MS, max_records=MAX_BATCH)
                self._note_ready(consumer)
                if batch:
                    await self._forward(consumer, batch)
        finally:
            await consumer.stop()
            await self.close_writers(list(self._writers))
            if self._plain is not None:
                await self._plain.stop()

    def _producer(self, partition: int | None = None) -> AIOKafkaProducer:
        extra: dict[str, Any] = {}
        if partition is not None:
            extra = {
                "transactional_id": transactional_id(self.group, partition),
                "transaction_timeout_ms": TRANSACTION_TIMEOUT_MS,
            }
        return AIOKafkaProducer(
            **self._config, acks="all", enable_idempotence=True, linger_ms=LINGER_MS, **extra
        )

    async def open_writers(self, partitions: Sequence[int]) -> None:
        fresh = [p for p in partitions if p not in self._writers]
        producers = {p: self._producer(p) for p in fresh}
        await asyncio.gather(*(producer.start() for producer in producers.values()))
        self._writers.update(producers)

    async def close_writers(self, partitions: Sequence[int]) -> None:
        closing = [self._writers.pop(p) for p in partitions if p in self._writers]
        await asyncio.gather(*(producer.stop() for producer in closing), return_exceptions=True)

    def _note_ready(self, consumer: AIOKafkaConsumer) -> None:
        if self.ready_file is None or self.ready_file.exists():
            return
        owned = {tp.partition for tp in consumer.assignment()}
        if owned and (not self.transactional or owned <= set(self._writers)):
            self.ready_file.write_text("ready\n", encoding="utf-8")

    async def _forward(
        self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Any]]
    ) -> None:
        if self.transactional:
            await asyncio.gather(*(self._forward_share(tp, rs) for tp, rs in batch.items() if rs))
        else:
            assert self._plain is not None
            futures = [
                await self._plain.send(self.sink, r.value, key=r.key, headers=list(r.headers))
                for records in batch.values()
                for r in records
            ]
            await asyncio.gather(*futures)
            await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in batch.items() if rs})
        self.forwarded += sum(len(records) for records in batch.values())

    async def _forward_share(self, tp: TopicPartition, records: list[Any]) -> None:
        """One partition's share of a batch in one transaction with its input offset."""
        producer = self._writers[tp.partition]
        await producer.begin_transaction()
        futures = [
            await producer.send(self.sink, r.value, key=r.key, headers=list(r.headers))
            for r in records
        ]
        await asyncio.gather(*futures)
        await producer.send_offsets_to_transaction({tp: records[-1].offset + 1}, self.group)
        await producer.commit_transaction()


class _OpenWriters(ConsumerRebalanceListener):  # type: ignore[misc]
    """Open a transactional producer per assigned partition before fetching from it."""

    def __init__(self, service: PassThrough) -> None:
        self._service = service

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._service.close_writers([tp.partition for tp in revoked])

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        if self._service.transactional:
            await self._service.open_writers([tp.partition for tp in assigned])


async def _serve(service: PassThrough) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, service.stop)
    await service.run()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--transactional", action="store_true")
    parser.add_argument("--ready-file", type=Path)
    args = parser.parse_args(argv)
    service = PassThrough(
        load_kafka_settings(),
        source=args.source,
        sink=args.sink,
        group=args.group,
        transactional=args.transactional,
        ready_file=args.ready_file,
    )
    asyncio.run(_serve(service))


if __name__ == "__main__":
    main()
