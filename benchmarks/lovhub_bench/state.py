"""Benchmark 5, state: worker memory and restart-to-ready with N jobseekers' state.

The state (each jobseeker's assignments, consents, protection flag and held facts for the
handover, as the worker stores it: the facts sealed under the run's state key) is generated
directly and written to a changelog topic, instead of pushing N
jobseekers' histories through the pipeline. Then a fresh worker process with an empty disk
restores every partition (the worst case: a new machine) and reports its resident memory;
the time from starting the process to having restored everything is restart-to-ready. A
second start on the same disk (a plain restart) reads only what it missed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lovhub.codec.examples import jobseeker_event
from lovhub.core import JobseekerState, state_to_bytes
from lovhub.core.facts import FACT_EVENT_TYPES, remember_fact
from lovhub.core.state import Assignment, Consent, Fact
from lovhub.core.state_codec import FactSealer
from lovhub.synthetic import World

__all__ = ["restart_probe", "synthetic_states"]

_DAY0 = dt.date(2026, 1, 5)


_PROFILES = 64  # distinct made-up profiles; each jobseeker holds one set, under its own ids


def _profiles(world: World, rng: random.Random) -> list[dict[str, Fact]]:
    """Held facts as the pipeline keeps them: the policy's paths of each fact type."""
    policy = world.policy
    sets = []
    for _ in range(_PROFILES):
        state = JobseekerState()
        for position, event_type in enumerate(FACT_EVENT_TYPES[:4]):  # health: rarely held
            event = jobseeker_event(event_type, rng)
            paths = policy.deliverable_paths(event_type)
            state = remember_fact(state, event, position, paths)
        sets.append(dict(state.facts))
    return sets


def synthetic_states(
    world: World, count: int, seed: int, sealer: FactSealer
) -> Iterator[tuple[bytes, bytes]]:
    """(jobseeker id, stored state) for ``count`` made-up jobseekers, like the stream's,
    each with a registration profile, assessment, plan and contact details held."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    profiles = _profiles(world, rng)
    providers = [p for p in world.recipients.providers() if p.is_active]
    third_parties = list(world.recipients.third_parties())

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    for number in range(count):
        provider = rng.choice(providers)
        position = rng.randrange(0, 5_000_000)
        start = _DAY0 + dt.timedelta(days=rng.randrange(0, 300))
        ended = rng.random() < 0.35
        assignment = Assignment(
            uid(),
            provider.id,
            provider.contracted_purposes,
            start,
            start + dt.timedelta(days=90) if ended else None,
            position,
            position + 40 if ended else None,
        )
        consents: dict[str, Consent] = {}
        if rng.random() < 0.5:
            third = rng.choice(third_parties)
            consent = Consent(
                uid(),
                third.id,
                frozenset({"consent.registration-status"}),
                frozenset({"registration_status"}),
                None,
                position + 5,
                position + 60 if rng.random() < 0.5 else None,
            )
            consents[consent.consent_id] = consent
        if rng.random() < 0.4:
            consent = Consent(
                uid(),
                provider.id,
                frozenset({"lov.preparation"}),
                frozenset({"health_restrictions"}),
                None,
                position + 9,
            )
            consents[consent.consent_id] = consent
        protection = ((position + 20, True),) if rng.random() < 0.15 else ()
        facts = {
            kind: Fact(uid(), kind, f.body_type, f.occurred_at, f.body, position - 4 + index)
            for index, (kind, f) in enumerate(rng.choice(profiles).items())
        }
        state = JobseekerState(
            assignments={assignment.assignment_id: assignment},
            consents=consents,
            protection_changes=protection,
            facts=facts,
        )
        key = f"AS-{number + 1:09d}".encode()
        yield key, state_to_bytes(state, sealer=sealer, owner=key)


def restart_probe(
    env: dict[str, str], changelog: str, audit: str, partitions: int, state_dir: Path
) -> dict[str, Any]:
    """Start a worker process that restores everything; its report plus the wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lovhub_bench.restore_probe",
            changelog,
            audit,
            str(partitions),
            str(state_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"the restore probe failed: {done.stderr[-500:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report["process_start_to_ready_s"] = round(wall, 3)
    return report
