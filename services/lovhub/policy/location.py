"""Where a deployment's policy files are when no variable names them.

Order: ``$LOVHUB_POLICY_DIR``; ``deploy/policy`` above the package (a checkout, an editable
install); ``deploy/policy`` above the working directory (the image: the package is installed
in a virtual environment, the policy copied to ``/app/deploy/policy`` and ``/app`` is the
working directory). The same two starting points as the schema store's search.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lovhub.errors import ConfigurationError
from lovhub.settings import LocalDirectories

__all__ = ["POLICY_DIR_ENV", "default_policy_dir", "policy_dir_from"]

POLICY_DIR_ENV = LocalDirectories.variable("policy_dir")


def policy_dir_from(starts: Iterable[Path]) -> Path | None:
    """The first ``deploy/policy`` holding a ``policy.yaml`` at or above any start."""
    for start in starts:
        for directory in (start, *start.parents):
            candidate = directory / "deploy" / "policy"
            if (candidate / "policy.yaml").is_file():
                return candidate
    return None


def default_policy_dir(directories: LocalDirectories | None = None) -> Path:
    directories = directories or LocalDirectories.from_environment()
    path = directories.policy_dir
    if path is not None:
        if not (path / "policy.yaml").is_file():
            raise ConfigurationError(f"{POLICY_DIR_ENV}={path} holds no policy.yaml")
        return path
    starts = (Path(__file__).resolve().parent, Path.cwd().resolve())
    found = policy_dir_from(starts)
    if found is None:
        raise ConfigurationError(
            f"no deploy/policy/policy.yaml above {starts[0]} or {starts[1]}: set "
            f"{POLICY_DIR_ENV} (or LOVHUB_POLICY_FILE and LOVHUB_RECIPIENTS_FILE)"
        )
    return found
