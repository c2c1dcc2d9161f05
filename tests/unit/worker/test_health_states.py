"""The worker's health as a phase and named holds (lovhub.worker.health): clearing one
cause never hides another. Checked against a plain set as the reference model."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from lovhub.worker.health import Hold, Phase, WorkerHealth

# Reasons are joined with "; " in the report: a reason never contains the separator.
steps = st.lists(
    st.tuples(
        st.booleans(),
        st.sampled_from(list(Hold)),
        st.text(st.characters(blacklist_characters=";"), max_size=8),
    )
)


@given(steps)
def test_the_worker_is_healthy_exactly_while_no_cause_holds(
    changes: list[tuple[bool, Hold, str]],
) -> None:
    health = WorkerHealth(phase=Phase.RUNNING)
    model: dict[str, str] = {}
    for set_it, cause, reason in changes:
        if set_it:
            health.hold(cause, f"{cause}:{reason}")
            model[str(cause)] = f"{cause}:{reason}"
        else:
            assert health.clear(cause) == (str(cause) in model)
            model.pop(str(cause), None)
        assert health.healthy == (not model)
        assert health.state == ("running" if not model else "holding")
        assert sorted(health.reason.split("; ") if health.reason else []) == sorted(model.values())


def test_clearing_a_read_failure_leaves_a_write_failure_in_force(tmp_path: Path) -> None:
    health = WorkerHealth(phase=Phase.RUNNING)
    health.hold(Hold.WRITE, "fail closed: cannot write audit records")
    health.hold(Hold.READ, "fail closed: cannot read agency")
    health.clear(Hold.READ)
    path = tmp_path / "health.json"
    health.write(path)
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["healthy"] is False
    assert report["state"] == "holding"
    assert report["holds"] == {"write": "fail closed: cannot write audit records"}
    assert report["reason"] == "fail closed: cannot write audit records"


def test_stopping_is_reported_as_such_even_while_holding() -> None:
    health = WorkerHealth(phase=Phase.STOPPING)
    health.hold(Hold.BROKER, "no answer")
    assert (health.state, health.healthy) == ("stopping", False)
    assert WorkerHealth().state == "starting"
