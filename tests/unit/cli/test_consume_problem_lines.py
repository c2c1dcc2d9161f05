"""`lovhub consume` prints each problem on exactly one line, whatever the terminal width
(issue 14, part 5: scripts read stderr line by line)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from lovhub.cli import consume
from lovhub.client import DeliveryProblem, ProblemReason
from lovhub.client.deliveries import RecordPosition


@pytest.mark.parametrize("width", [20, 40, 80])
def test_a_problem_is_one_line_on_a_narrow_terminal(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(consume, "err", Console(file=screen, width=width, force_terminal=True))
    problem = DeliveryProblem(
        RecordPosition("lov.provider.jobbcoach-syd.v1", 3, 123456),
        ProblemReason.UNKNOWN_KEY,
        "wrapped to a key id none of the key files holds",
    )
    consume._report_problem(problem)
    lines = screen.getvalue().splitlines()
    assert lines == [
        "problem: topic=lov.provider.jobbcoach-syd.v1 partition=3 offset=123456 "
        "reason=UNKNOWN_KEY (wrapped to a key id none of the key files holds)"
    ]
