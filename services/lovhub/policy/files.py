"""Reading policy-as-data files: strict YAML, readable validation errors, content versions.

YAML mappings silently keep the last of two equal keys; here a duplicate key is an error,
so a purpose or recipient written twice can never shadow the first one unnoticed. The
version of a validated model is a hash of its canonical JSON, so it changes when the content
changes and never for comments, whitespace or key order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from lovhub.errors import LovhubError

__all__ = ["content_version", "describe_validation_error", "read_yaml_mapping"]

_VERSION_HEX_DIGITS = 16


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that rejects duplicate mapping keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml_mapping(path: Path, error: type[LovhubError]) -> dict[str, Any]:
    """The top-level mapping of a YAML file; ``error`` naming the file on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as cause:
        raise error(f"{path}: cannot read the file ({cause.strerror or cause})") from cause
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as cause:
        raise error(f"{path}: not valid YAML: {cause}") from cause
    if not isinstance(data, dict):
        raise error(f"{path}: the top level must be a mapping")
    return data


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<top level>"


def describe_validation_error(source: Path | str, error: ValidationError) -> str:
    """One line per problem, each naming where in ``source`` it is; never the input value.

    A whole-model check reports several problems as lines of one message, each line naming
    its own entry; they are listed one by one."""
    lines: list[str] = []
    for problem in error.errors(include_url=False, include_input=False, include_context=False):
        where = _location(problem["loc"])
        for line in problem["msg"].removeprefix("Value error, ").splitlines():
            lines.append(f"  {line}" if not problem["loc"] else f"  {where}: {line}")
    return "\n".join([f"{source}: {len(lines)} problem(s)", *lines])


def content_version(model: BaseModel) -> str:
    """``sha256:<16 hex>`` of the model's canonical JSON (sorted keys, no whitespace)."""
    canonical = json.dumps(
        model.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"sha256:{digest[:_VERSION_HEX_DIGITS]}"
