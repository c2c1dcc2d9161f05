"""The hub state key: held facts sealed at rest, bound to their jobseeker, rotatable."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from lovhub.core import JobseekerState, state_from_bytes, state_to_bytes
from lovhub.core.state import Fact
from lovhub.core.state_codec import FactsNeedSealerError
from lovhub.crypto.state_keys import (
    StateKeyMissingError,
    StateKeyRing,
    StateSealError,
    read_state_keys,
    rotate_state_keys,
    write_new_state_keys,
)

FACT = Fact(
    event_id="e1",
    event_type="REGISTRATION",
    body_type="se.lovhub.agency.Registration",
    occurred_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
    body={
        "given_name": "Astrid",
        "birth_date": dt.date(1990, 1, 1),
        "registered_at": dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC),
        "address": ("se.lovhub.agency.Address", {"street": "Storgatan 4", "city": "Umeå"}),
        "languages": ["sv", "fi"],
    },
    since=3,
)
STATE = JobseekerState(facts={"REGISTRATION": FACT})


def test_facts_round_trip_sealed_and_never_appear_in_clear() -> None:
    ring = StateKeyRing.generate()
    raw = state_to_bytes(STATE, sealer=ring, owner=b"AS-1")
    for clear in (b"Astrid", b"Storgatan", "Umeå".encode(), b"1990-01-01"):
        assert clear not in raw
    assert state_from_bytes(raw, opener=ring, owner=b"AS-1") == STATE


def test_facts_are_never_written_without_the_state_key() -> None:
    with pytest.raises(FactsNeedSealerError):
        state_to_bytes(STATE)
    assert b'"f"' not in state_to_bytes(JobseekerState())  # nothing to seal, nothing sealed


def test_a_reader_without_the_key_sees_the_bases_but_no_facts() -> None:
    raw = state_to_bytes(STATE, sealer=StateKeyRing.generate(), owner=b"AS-1")
    assert state_from_bytes(raw) == JobseekerState()


def test_sealed_facts_cannot_move_to_another_jobseeker_or_be_altered() -> None:
    ring = StateKeyRing.generate()
    raw = state_to_bytes(STATE, sealer=ring, owner=b"AS-1")
    with pytest.raises(StateSealError):
        state_from_bytes(raw, opener=ring, owner=b"AS-2")
    data = json.loads(raw)
    data["f"] = data["f"][:-6] + ("A" if data["f"][-6] != "A" else "B") + data["f"][-5:]
    with pytest.raises(StateSealError):
        state_from_bytes(json.dumps(data).encode(), opener=ring, owner=b"AS-1")


def test_rotation_keeps_old_states_readable_and_retiring_a_key_fails_closed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state-keys.json"
    first = write_new_state_keys(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    old = state_to_bytes(STATE, sealer=first, owner=b"AS-1")
    second = rotate_state_keys(path)
    assert second.current != first.current
    assert read_state_keys(path) == second
    assert state_from_bytes(old, opener=second, owner=b"AS-1") == STATE
    assert state_to_bytes(STATE, sealer=second, owner=b"AS-1").startswith(b"{")
    new = json.loads(state_to_bytes(STATE, sealer=second, owner=b"AS-1"))["f"]
    assert new.startswith(second.current + ":")
    retired = second.without({first.current})
    with pytest.raises(StateKeyMissingError):
        state_from_bytes(old, opener=retired, owner=b"AS-1")
    with pytest.raises(Exception, match="current state key"):
        second.without({second.current})
