"""The compiled hot path: which modules mypyc compiles, and whether this process runs them.

The per-event work of the hub (decide, minimise, bind, audit, pseudonymise) is plain typed
Python. ``make`` compiles the modules below with mypyc (``scripts/compile_hot_path.py``;
mypyc comes with mypy) into extension modules next to their sources, which Python then
imports instead: the same code, about a quarter faster per event (benchmarks/README.md).
Where no C compiler is found the build says so and everything runs interpreted, with the
same results.

Two differences of compiled code matter here, and both are checked by
``tests/unit/test_hot_path.py``: mypyc ignores ``from`` on ``raise`` (so these modules use
:func:`lovhub.errors.conceal`, never ``raise ... from``), and it checks argument types at
run time (stricter, never looser). An extension built from older sources would run old
code: the build writes a digest of the package's sources, and the test session refuses to
start, and the CLI warns, when the compiled modules no longer match them.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
from pathlib import Path
from typing import Final

__all__ = [
    "HOT_MODULES",
    "MANIFEST",
    "built_modules",
    "compiled_modules",
    "package_digest",
    "stale_reason",
]

PACKAGE_DIR: Final = Path(__file__).resolve().parent

#: The modules compiled, by dotted name. Left out on purpose: ``pipeline.keyring``,
#: ``crypto.envelope`` and ``codec.single_object`` (subclassed by the benchmark's and tests'
#: interpreted classes, which compiled classes do not allow); ``crypto._wire``, whose refusal
#: of a wrongly typed value must stay its own error (compiled, it would be a ``TypeError`` at
#: the call); ``codec._avro`` (its time is in fastavro's C).
HOT_MODULES: Final = (
    "lovhub.audit.canonical",
    "lovhub.audit.chain",
    "lovhub.codec._checks",
    "lovhub.codec._avro_runtime",
    "lovhub.codec._fastwrite",
    "lovhub.codec._generated_writers",
    "lovhub.codec.validation",
    "lovhub.core.correction",
    "lovhub.core.decide",
    "lovhub.core.facts",
    "lovhub.core.handover",
    "lovhub.core.outputs",
    "lovhub.core.state",
    "lovhub.core.status_answer",
    "lovhub.crypto.binding",
    "lovhub.minimise",
    "lovhub.pipeline.audit",
    "lovhub.pipeline.audit_wire",
    "lovhub.pipeline.delivery",
    "lovhub.pipeline.hub",
    "lovhub.pipeline.ids",
    "lovhub.pipeline.policy_cache",
    "lovhub.pipeline.rejection",
    "lovhub.pseudonyms",
)

#: What the build leaves beside the package: whether it compiled, and from which sources.
MANIFEST: Final = PACKAGE_DIR / ".compiled.json"


def source_file(module: str) -> Path:
    return PACKAGE_DIR.parent.joinpath(*module.split(".")).with_suffix(".py")


def built_modules() -> list[str]:
    """Every module of the package that has an extension module beside its source (after a
    change of :data:`HOT_MODULES`, possibly one no longer listed)."""
    suffixes = sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True)
    found = set()
    for path in PACKAGE_DIR.rglob("*.*"):
        suffix = next((s for s in suffixes if path.name.endswith(s)), None)
        if suffix is not None:
            dotted = ".".join(path.relative_to(PACKAGE_DIR.parent).parts)
            found.add(dotted[: -len(suffix)])
    return sorted(found)


def package_digest() -> str:
    """SHA-256 over every source file of the package, in path order. Compiled code can
    depend on any of them (mypyc reads their types and constants), so any change counts."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def compiled_modules() -> list[str]:
    """The hot modules that this process has imported from an extension module."""
    found = []
    for module in HOT_MODULES:
        loaded = importlib.import_module(module)
        if (loaded.__file__ or "").endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            found.append(module)
    return found


def stale_reason() -> str | None:
    """Why the extension modules beside the sources must not be used, or None when there
    are none or they were built from exactly these sources."""
    built = built_modules()
    if not built:
        return None
    try:
        manifest = json.loads(MANIFEST.read_text())
    except (OSError, ValueError):
        return f"{len(built)} compiled modules but no build manifest ({MANIFEST.name})"
    if manifest.get("sources") != package_digest():
        return "the sources changed since the hot path was compiled"
    if sorted(built) != sorted(manifest.get("modules", [])):
        return "the compiled modules are not the ones the build made"
    return None
