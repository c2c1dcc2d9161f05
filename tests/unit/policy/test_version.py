"""The policy version changes if and only if the policy's content changes."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lovhub.policy import load_policy, parse_policy
from tests.unit.policy.helpers import DEFAULT_POLICY, PolicyData, delivery

BASE: PolicyData = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
BASE_VERSION = parse_policy(BASE).version


def _reorder_keys(value: Any, reverse: bool) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, reverse=reverse)
        return {key: _reorder_keys(value[key], reverse) for key in keys}
    if isinstance(value, list):
        return [_reorder_keys(item, reverse) for item in value]
    return value


def test_comments_whitespace_and_key_order_do_not_change_it(tmp_path: Path) -> None:
    original = load_policy(DEFAULT_POLICY).version
    assert original == BASE_VERSION
    for reverse in (False, True):
        path = tmp_path / f"reordered-{reverse}.yaml"
        dumped = yaml.safe_dump(
            _reorder_keys(BASE, reverse), sort_keys=False, indent=4, width=10**6
        )
        text = dumped
        path.write_text("# a comment\n\n" + text.replace("\n", "\n\n") + "\n# the end\n", "utf-8")
        assert load_policy(path).version == original
    commented = tmp_path / "commented.yaml"
    lines = DEFAULT_POLICY.read_text(encoding="utf-8").splitlines()
    edited = [f"{line} (edited)\n" if line.lstrip().startswith("#") else line for line in lines]
    commented.write_text("\n".join(edited), encoding="utf-8")
    assert load_policy(commented).version == original


def test_set_valued_fields_are_canonical() -> None:
    data = copy.deepcopy(BASE)
    data["purposes"][5]["recipient_kinds"] = ["third_party", "provider"]
    data["purposes"][5]["legal_basis"] = "CONSENT"
    swapped = copy.deepcopy(data)
    swapped["purposes"][5]["recipient_kinds"] = ["provider", "third_party"]
    assert parse_policy(data).version == parse_policy(swapped).version != BASE_VERSION


def test_version_does_not_depend_on_the_process_hash_seed() -> None:
    data = copy.deepcopy(BASE)
    data["purposes"][5]["recipient_kinds"] = ["third_party", "provider"]
    script = (
        "import sys, yaml\n"
        "from lovhub.policy import parse_policy\n"
        "print(parse_policy(yaml.safe_load(sys.stdin.read())).version)\n"
    )
    versions = {
        subprocess.run(
            [sys.executable, "-c", script],
            input=yaml.safe_dump(data),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout.strip()
        for seed in range(6)
    }
    assert versions == {parse_policy(data).version}


def _encrypt_more(data: PolicyData, index: int) -> None:
    entries = [d for d in data["deliveries"] if not d["fields"][0]["personal"]]
    entry = entries[index % len(entries)]
    for other in data["deliveries"]:  # keep one meaning per (event type, output path)
        if other["event_type"] == entry["event_type"]:
            for rule in other["fields"]:
                if rule["path"] == entry["fields"][0]["path"]:
                    rule["personal"] = True


def _drop_field(data: PolicyData, index: int) -> None:
    entries = [d for d in data["deliveries"] if len(d["fields"]) > 1]
    entries[index % len(entries)]["fields"].pop()


def _edit_text(data: PolicyData, index: int) -> None:
    purpose = data["purposes"][index % len(data["purposes"])]
    purpose["description"] += " (revised)"


def _relabel(data: PolicyData, index: int) -> None:
    data["label"] = f"{data['label']} r{index}"


def _reorder_fields(data: PolicyData, index: int) -> None:
    delivery(data, "REGISTRATION", "lov.matching")["fields"].reverse()


def _add_protected_path(data: PolicyData, index: int) -> None:
    data["protected_identity_paths"].append(f"body.extra_{index}")


EDITS = [_encrypt_more, _drop_field, _edit_text, _relabel, _reorder_fields, _add_protected_path]


@settings(max_examples=60, deadline=None)
@given(edit=st.sampled_from(EDITS), index=st.integers(0, 50))
def test_any_content_change_changes_it(edit: Any, index: int) -> None:
    data = copy.deepcopy(BASE)
    edit(data, index)
    assert parse_policy(data).version != BASE_VERSION


def test_same_content_same_version() -> None:
    assert parse_policy(copy.deepcopy(BASE)).version == BASE_VERSION
