"""Resolving the broker's jars from Maven Central once, and caching them.

The cache key is a hash of the POM, so changing the Kafka version in ``deploy/local/pom.xml``
fetches a new set while the old one stays usable until deleted.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from lovhub.devbroker.errors import BrokerError
from lovhub.devbroker.tools import find_maven

__all__ = ["broker_pom", "classpath", "resolve_jars"]

_COMPLETE_MARKER = ".complete"


def broker_pom() -> Path:
    """``deploy/local/pom.xml`` of the checkout this package runs from."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        pom = parent / "deploy" / "local" / "pom.xml"
        if pom.exists():
            return pom
    raise BrokerError(
        "cannot find deploy/local/pom.xml: run lovhub from a checkout of the repository "
        "(installed with `pip install -e .`)"
    )


def _jar_dir(cache: Path, pom: Path) -> Path:
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    return cache / "kafka-jars" / digest


def resolve_jars(
    cache: Path,
    pom: Path | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> Path:
    """The directory holding the broker's jars; runs Maven only when not cached yet."""
    pom = pom or broker_pom()
    target = _jar_dir(cache, pom)
    if (target / _COMPLETE_MARKER).exists():
        return target
    mvn = find_maven()
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    progress(f"fetching the Kafka broker's jars with Maven into {target} (once)")
    command = [
        str(mvn),
        "-B",
        "-q",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}",
        "-DincludeScope=runtime",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise BrokerError(f"Maven could not fetch the broker's jars:\n{tail}")
    if not any(staging.glob("kafka_2.13-*.jar")):
        shutil.rmtree(staging, ignore_errors=True)
        raise BrokerError(f"Maven ran but no kafka_2.13 jar arrived in {staging}")
    (staging / _COMPLETE_MARKER).write_text(pom.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def classpath(jar_dir: Path) -> str:
    return str(jar_dir / "*")
