"""Two git revisions side by side: their worktrees, builds and import paths (ab_core.py,
ab_suite.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKTREES = ROOT / "build" / "ab"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit_of(revision: str) -> str:
    return git("rev-parse", "--verify", f"{revision}^{{commit}}")


def prepare(revision: str, created: list[Path]) -> tuple[str, Path, bool]:
    """(commit, worktree, compiled?) for ``revision``, checked out and built once (the
    worktree is kept for the next comparison; ``created`` lists the ones made now)."""
    commit = commit_of(revision)
    tree = WORKTREES / commit[:12]
    if not tree.exists():
        WORKTREES.mkdir(parents=True, exist_ok=True)
        git("worktree", "add", "--detach", str(tree), commit)
        created.append(tree)
    compiler = tree / "scripts" / "compile_hot_path.py"
    compiled = False
    if compiler.exists():
        print(f"· {revision} ({commit[:12]}): compiling its hot path in {tree}", flush=True)
        subprocess.run(
            [sys.executable, str(compiler), "build"], env=revision_env(tree), check=True, cwd=tree
        )
        manifest = json.loads((tree / "services" / "lovhub" / ".compiled.json").read_text())
        compiled = bool(manifest.get("compiled", True))
    else:
        print(f"· {revision} ({commit[:12]}): no compiled hot path at this revision", flush=True)
    return commit, tree, compiled


def revision_env(tree: Path) -> dict[str, str]:
    """The environment with only this worktree's sources on the import path: its package
    and, if it has one, its bench distribution."""
    paths = [tree / "services", tree / "benchmarks"]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths if p.exists())}


def remove(created: list[Path]) -> None:
    for tree in created:
        git("worktree", "remove", "--force", str(tree))
