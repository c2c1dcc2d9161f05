"""What the worker reports about itself, and how it signs checkpoints (its settings).

Health is a small state machine, not a message: the worker is in one phase (starting,
restoring, running, stopping, stopped) and holds for zero or more named causes, each with
its own reason. It is healthy while nothing holds it; its state is "holding" while anything
does. Each cause is set and cleared by the code that knows about it, so clearing one (a
batch that reads again) can never hide another (a partition that still cannot write).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from lovhub.audit.checkpoints import CheckpointCadence
from lovhub.audit.signing import SigningKey
from lovhub.provisioning.topology import AUDIT_CHECKPOINTS

__all__ = ["Checkpointing", "Hold", "Phase", "WorkerHealth"]


class Phase(StrEnum):
    STARTING = "starting"  # clients starting, joining the group
    RESTORING = "restoring"  # fencing and restoring assigned partitions
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


class Hold(StrEnum):
    """Why the worker is not deciding (part of) its input; each is cleared on its own."""

    READ = "read"  # a fetched batch it cannot decode, or an unreadable registry
    INPUT = "input"  # a partition held at a record it cannot decide yet (InputHeld)
    RESTORE = "restore"  # cannot fence or restore assigned partitions
    WRITE = "write"  # partitions whose last transaction failed
    CHECKPOINT = "checkpoint"  # signed checkpoints cannot be written
    BROKER = "broker"  # idle fetches unanswered
    STALLED = "stalled"  # the loop waits on the broker (a write, a commit) for too long
    CRASHED = "crashed"  # stopped by an error
    # Recipients whose topic refuses the hub's writes: their deliveries are withheld for
    # re-delivery, everything else flows (lovhub.worker.recipient_holds).
    RECIPIENT = "recipient"


@dataclass
class WorkerHealth:
    phase: Phase = Phase.STARTING
    holds: dict[Hold, str] = field(default_factory=dict)
    events: int = 0
    deliveries: int = 0
    audits: int = 0
    dead_letters: int = 0
    checkpoints: int = 0
    write_failures: int = 0
    started_at: float = field(default_factory=time.time)
    last_checkpoint_at: float | None = None  # wall clock of the last acknowledged checkpoint

    def hold(self, cause: Hold, reason: str) -> None:
        self.holds[cause] = reason

    def clear(self, cause: Hold) -> bool:
        """True if ``cause`` held the worker until now."""
        return self.holds.pop(cause, None) is not None

    def holding(self, cause: Hold) -> bool:
        return cause in self.holds

    @property
    def healthy(self) -> bool:
        return not self.holds

    @property
    def state(self) -> str:
        if self.phase in (Phase.STOPPING, Phase.STOPPED) or not self.holds:
            return self.phase.value
        return "holding"

    @property
    def reason(self) -> str:
        return "; ".join(self.holds.values())

    def report(self) -> dict[str, object]:
        """Counts and state only: no personal data ever goes into health output."""
        return {
            "healthy": self.healthy,
            "state": self.state,
            "reason": self.reason,
            "holds": {cause.value: reason for cause, reason in self.holds.items()},
            "events": self.events,
            "deliveries": self.deliveries,
            "audits": self.audits,
            "dead_letters": self.dead_letters,
            "checkpoints": self.checkpoints,
            "write_failures": self.write_failures,
            "started_at": self.started_at,
            "last_checkpoint_at": self.last_checkpoint_at,
            "written_at": time.time(),
        }

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.report()), encoding="utf-8")
        tmp.replace(path)


@dataclass(frozen=True)
class Checkpointing:
    """Signed checkpoints of the audit chains: the hub's key, the topic and the cadence."""

    key: SigningKey
    topic: str = AUDIT_CHECKPOINTS
    cadence: CheckpointCadence = field(default_factory=CheckpointCadence)
