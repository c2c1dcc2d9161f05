"""A hub worker process that restores its state and reports (run by :mod:`lovhub_bench.state`).

    python -m lovhub_bench.restore_probe CHANGELOG AUDIT PARTITIONS STATE_DIR

Builds the worker as ``lovhub run`` does (materials from the environment), restores every
partition from the changelog, checks the store answers, and prints one JSON line: seconds
spent, resident memory before and after, peak resident memory. No personal data is printed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

_STARTED = time.perf_counter()


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str]) -> None:
    changelog, audit, partitions, state = argv[1], argv[2], int(argv[3]), Path(argv[4])
    from lovhub.kafka.aio import aio_client_config
    from lovhub.runtime import hub_pipeline, load_materials
    from lovhub.settings import load_kafka_settings
    from lovhub.worker import HubWorker
    from lovhub.worker.runner import WorkerTopics
    from lovhub.worker.store import StateStore

    materials = load_materials()
    pipeline = hub_pipeline(materials, audit_topic=audit)
    store = StateStore(state, materials.hub_state_keys())
    worker = HubWorker(
        pipeline,
        client_config=aio_client_config(load_kafka_settings()),
        topics=WorkerTopics("unused", audit, changelog),
        group_id="lovhub-bench-restore",
        store=store,
    )
    setup = time.perf_counter()
    rss_before = _rss_mb("VmRSS")
    asyncio.run(worker.restore_state(list(range(partitions))))
    restored = time.perf_counter()
    checkpoints = [store.checkpoint(p) for p in range(partitions)]
    report = {
        "setup_s": round(setup - _STARTED, 3),
        "restore_s": round(restored - setup, 3),
        "rss_before_restore_mb": round(rss_before, 1),
        "rss_after_restore_mb": round(_rss_mb("VmRSS"), 1),
        "peak_rss_mb": round(_rss_mb("VmHWM"), 1),
        "changelog_records": sum(c + 1 for c in checkpoints if c is not None),
    }
    store.close()
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(sys.argv)
