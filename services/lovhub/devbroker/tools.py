"""Finding the Java runtime and Maven, with messages that say what to install."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from lovhub.devbroker.errors import MissingToolError
from lovhub.settings import DevBrokerSettings

__all__ = ["MIN_JAVA_MAJOR", "find_java", "find_maven", "java_major_version"]

MIN_JAVA_MAJOR = 17
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def find_java(settings: DevBrokerSettings | None = None) -> Path:
    """The ``java`` executable (``JAVA_HOME`` first, then ``PATH``), checked to be 17+."""
    java_home = (settings or DevBrokerSettings.from_environment()).java_home
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    if candidate is None or not candidate.exists():
        found = shutil.which("java")
        if found is None:
            raise MissingToolError(
                "Java 17 or newer is needed to run the local Kafka broker, and no `java` was "
                "found (set JAVA_HOME or install e.g. Debian's openjdk-17-jre-headless)"
            )
        candidate = Path(found)
    major = java_major_version(candidate)
    if major < MIN_JAVA_MAJOR:
        raise MissingToolError(
            f"{candidate} is Java {major}; the local Kafka 4 broker needs Java "
            f"{MIN_JAVA_MAJOR} or newer (set JAVA_HOME to a newer JDK)"
        )
    return candidate


def java_major_version(java: Path) -> int:
    try:
        result = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as e:
        raise MissingToolError(f"cannot run {java}: {e}") from e
    return parse_java_major(result.stderr + result.stdout)


def parse_java_major(version_output: str) -> int:
    """``1.8.0_392`` is Java 8; ``17.0.15`` is Java 17."""
    match = _VERSION.search(version_output)
    if match is None:
        raise MissingToolError(f"cannot tell the Java version from: {version_output[:200]!r}")
    first = int(match.group(1))
    if first == 1 and match.group(2) is not None:
        return int(match.group(2))
    return first


def find_maven() -> Path:
    found = shutil.which("mvn")
    if found is None:
        raise MissingToolError(
            "Maven (`mvn`) is needed once, to fetch the Kafka broker's jars from Maven Central; "
            "install it (e.g. Debian's `maven` package) or put a cached jar directory in place"
        )
    return Path(found)
