"""Compile the hot path (lovhub.compiled.HOT_MODULES) with mypyc, in place, or say why not.

    python scripts/compile_hot_path.py build   # compile (or record why it runs interpreted)
    python scripts/compile_hot_path.py clean   # remove the extension modules: interpreted
    python scripts/compile_hot_path.py check   # exit 1 when the extensions are stale

``make`` runs ``build`` whenever a source of the package changed. mypyc's compiler output
goes to build/hot-path.log; a failed compilation stops the build with its tail, because a
compiler that is present but fails is a problem to fix, not a reason to run slower.
"""

from __future__ import annotations

import importlib.machinery
import json
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from lovhub.compiled import (
    HOT_MODULES,
    MANIFEST,
    PACKAGE_DIR,
    built_modules,
    package_digest,
    source_file,
)

SERVICES = MANIFEST.parent.parent
LOG = SERVICES.parent / "build" / "hot-path.log"


def clean() -> None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:  # also of modules no longer listed
        for path in PACKAGE_DIR.rglob("*" + suffix):
            path.unlink()
    for shared in SERVICES.glob("*__mypyc*"):  # the runtime library all modules share
        shared.unlink()
    MANIFEST.unlink(missing_ok=True)


def missing_toolchain() -> str | None:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler}) on PATH"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python development headers (Python.h)"
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "mypyc is not installed (it comes with the dev extra's mypy)"
    return None


def build() -> int:
    clean()
    reason = missing_toolchain()
    if reason is not None:
        MANIFEST.write_text(json.dumps({"compiled": False, "reason": reason}, indent=2) + "\n")
        print(f"hot path: running interpreted ({reason}); same results, slower")
        return 0
    files = [str(source_file(module).relative_to(SERVICES)) for module in HOT_MODULES]
    print(f"hot path: compiling {len(files)} modules with mypyc (about half a minute)...")
    started = time.monotonic()
    LOG.parent.mkdir(exist_ok=True)
    with LOG.open("w") as log:
        done = subprocess.run(
            [sys.executable, "-m", "mypyc", *files],
            cwd=SERVICES,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        clean()
        tail = LOG.read_text().splitlines()[-25:]
        print("\n".join(tail), file=sys.stderr)
        print(f"hot path: mypyc failed (full output in {LOG})", file=sys.stderr)
        return 1
    built = built_modules()
    manifest = {"compiled": True, "modules": built, "sources": package_digest()}
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"hot path: {len(built)} modules compiled in {time.monotonic() - started:.0f} s")
    return 0


def check() -> int:
    from lovhub.compiled import stale_reason

    reason = stale_reason()
    if reason is not None:
        print(f"hot path is stale: {reason}; run `make compile`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "build":
        sys.exit(build())
    if command == "clean":
        clean()
        sys.exit(0)
    if command == "check":
        sys.exit(check())
    print(__doc__, file=sys.stderr)
    sys.exit(2)
