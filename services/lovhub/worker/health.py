"""What the worker reports about itself, and how it signs checkpoints (its settings)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lovhub.audit.checkpoints import CheckpointCadence
from lovhub.audit.signing import SigningKey
from lovhub.provisioning.topology import AUDIT_CHECKPOINTS

__all__ = ["Checkpointing", "WorkerHealth"]


@dataclass
class WorkerHealth:
    healthy: bool = True
    reason: str = ""
    events: int = 0
    deliveries: int = 0
    audits: int = 0
    dead_letters: int = 0
    checkpoints: int = 0
    write_failures: int = 0
    started_at: float = field(default_factory=time.time)
    last_checkpoint_at: float | None = None  # wall clock of the last acknowledged checkpoint

    def fail(self, reason: str) -> None:
        self.healthy = False
        self.reason = reason

    def recover(self) -> None:
        self.healthy = True
        self.reason = ""

    def write(self, path: Path) -> None:
        """Counts and state only: no personal data ever goes into health output."""
        data = {**asdict(self), "written_at": time.time()}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)


@dataclass(frozen=True)
class Checkpointing:
    """Signed checkpoints of the audit chains: the hub's key, the topic and the cadence."""

    key: SigningKey
    topic: str = AUDIT_CHECKPOINTS
    cadence: CheckpointCadence = field(default_factory=CheckpointCadence)
