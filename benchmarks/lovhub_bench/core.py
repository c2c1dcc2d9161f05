"""Benchmark 1, core: the pure hub pipeline in-process, one core, no Kafka.

Per event: decode, validate, decide, minimise, pseudonymise, encrypt, encode the recipient
records, build the audit decisions and chain them (``finish_audit``), as the worker does.
The breakdown runs the same events through less of that work: without encryption (see
:mod:`lovhub_bench.plaintext`), without ``finish_audit`` (no audit hash chain or audit
encoding), and decode only. Rates are per CPU second of this process (what one core does,
even on a busy machine) and per wall second.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from lovhub.audit import ChainHead
from lovhub.codec import JOBSEEKER_EVENT, CodecError
from lovhub.core import JobseekerState
from lovhub.core.outputs import SourcePosition
from lovhub.pipeline import HubPipeline
from lovhub.service.collector import tune_collector

__all__ = ["CoreRun", "run_core", "time_decode_only"]

Record = tuple[bytes | None, bytes]


@dataclass(frozen=True)
class CoreRun:
    events: int
    cpu_seconds: float
    wall_seconds: float
    outcomes: Counter[str]
    deliveries: int

    @property
    def per_cpu_second(self) -> float:
        return self.events / self.cpu_seconds if self.cpu_seconds > 0 else 0.0

    @property
    def per_wall_second(self) -> float:
        return self.events / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def audits(self) -> int:
        return sum(self.outcomes.values())


def run_core(pipeline: HubPipeline, records: list[Record], *, chain: bool = True) -> CoreRun:
    """Process ``records`` as one partition, in order, as the worker would (in a process
    whose collector is tuned as ``lovhub run`` tunes its own)."""
    tune_collector()
    states: dict[bytes, JobseekerState] = {}
    outcomes: Counter[str] = Counter()
    deliveries = 0
    head = ChainHead()
    empty = JobseekerState()
    process, finish = pipeline.process, pipeline.finish_audit
    wall, cpu = time.perf_counter(), time.process_time()
    for offset, (key, value) in enumerate(records):
        result = process(
            value, key, SourcePosition("bench", 0, offset), states.get(key or b"", empty)
        )
        if result.state is not None:
            states[key or b""] = result.state
        deliveries += len(result.deliveries)
        for pending in result.audits:
            outcomes[pending.decision["outcome"]] += 1
            if chain:
                index = pending.delivery_index
                where = None if index is None else ("bench.recipient", 0, deliveries + index)
                _, head = finish(pending, where, head)
    return CoreRun(
        events=len(records),
        cpu_seconds=time.process_time() - cpu,
        wall_seconds=time.perf_counter() - wall,
        outcomes=outcomes,
        deliveries=deliveries,
    )


def time_decode_only(pipeline: HubPipeline, records: list[Record]) -> CoreRun:
    """Only the Avro decoding of each input record (the floor of any per-event work)."""
    decode: Callable[[bytes, str], object] = pipeline.codec.decode
    wall, cpu = time.perf_counter(), time.process_time()
    for _, value in records:
        with contextlib.suppress(CodecError):
            decode(value, JOBSEEKER_EVENT)
    return CoreRun(
        events=len(records),
        cpu_seconds=time.process_time() - cpu,
        wall_seconds=time.perf_counter() - wall,
        outcomes=Counter(),
        deliveries=0,
    )
