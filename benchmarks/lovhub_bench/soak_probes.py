"""What the soak samples besides latency: a process's memory and CPU from ``/proc``, the
consumer lag of the worker's group, and the size of the worker's state on disk."""

from __future__ import annotations

import os
from pathlib import Path

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec

from lovhub.kafka import admin_client
from lovhub.settings import KafkaSettings

__all__ = ["GroupLag", "ProcessProbe", "directory_mb"]

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ProcessProbe:
    """Resident memory and CPU time of one process (Linux ``/proc``; ``"self"`` for this one)."""

    def __init__(self, pid: int | str) -> None:
        self._proc = Path("/proc") / str(pid)

    def _status_mb(self, field: str) -> float:
        for line in (self._proc / "status").read_text(encoding="utf-8").splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
        return 0.0

    def rss_mb(self) -> float:
        """Resident set size now (every thread of the process: Python, RocksDB, the clients)."""
        return self._status_mb("VmRSS")

    def peak_rss_mb(self) -> float:
        return self._status_mb("VmHWM")

    def cpu_seconds(self) -> float:
        """User plus system CPU time of every thread so far."""
        stat = (self._proc / "stat").read_text(encoding="utf-8")
        fields = stat[
            stat.rindex(")") + 2 :
        ].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime


class GroupLag:
    """Records of ``topic`` that consumer group ``group`` has not committed yet: the sum over
    partitions of the end offset minus the committed offset (0 where nothing is committed:
    the soak's topic is its own, created empty)."""

    def __init__(self, settings: KafkaSettings, topic: str, partitions: int, group: str) -> None:
        self._admin: KafkaAdminClient = admin_client(settings)
        self._partitions = [TopicPartition(topic, p) for p in range(partitions)]
        self._group = group

    def ends(self) -> dict[TopicPartition, int]:
        specs = dict.fromkeys(self._partitions, OffsetSpec.LATEST)
        found = self._admin.list_partition_offsets(specs)
        return {tp: found[tp].offset for tp in self._partitions}

    def committed(self) -> dict[TopicPartition, int]:
        offsets = self._admin.list_group_offsets({self._group: list(self._partitions)})
        mine = offsets.get(self._group, {})
        return {tp: max(0, mine[tp].offset) if tp in mine else 0 for tp in self._partitions}

    def lag(self) -> tuple[int, int]:
        """(records not committed, records committed) over every partition."""
        committed = self.committed()  # first: a commit between the two reads never goes < 0
        ends = self.ends()
        done = sum(committed.values())
        return sum(ends.values()) - done, done

    def close(self) -> None:
        self._admin.close()


def directory_mb(path: Path) -> float:
    """Bytes of every file under ``path`` (the worker's RocksDB store), in MB."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:  # RocksDB removes files while it compacts
                continue
    return total / 1024 / 1024
