"""Fixtures for the policy tests: the default policy as data, and a writer for variants."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.unit.policy.helpers import DEFAULT_POLICY, PolicyData


@pytest.fixture
def policy_data() -> PolicyData:
    """A fresh, mutable copy of the default policy's content."""
    data: PolicyData = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[PolicyData], Path]:
    def write(data: PolicyData) -> Path:
        path = tmp_path / "policy.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        return path

    return write
