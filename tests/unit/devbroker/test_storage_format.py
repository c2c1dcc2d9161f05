"""The storage-format step never puts the admin password on a command line (issue 10, 14a)."""

from __future__ import annotations

import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from lovhub.devbroker.broker import LocalBroker, storage_format_invocation
from lovhub.devbroker.config import BrokerCredentials, BrokerLayout

PASSWORD = "synthetic-admin-password-Zq9"
CREDENTIALS = BrokerCredentials("lovhub-admin", PASSWORD, "synthetic-controller-password")


def _java_argfile_arguments(text: str) -> list[str]:
    # Every argument is written double-quoted with only \\ and \" escaped; POSIX shell
    # quoting reads that subset the same way the java launcher does.
    return shlex.split(text, posix=True)


def test_argv_holds_the_argument_file_not_the_password(tmp_path: Path) -> None:
    argfile = tmp_path / "format.args"
    argv, text = storage_format_invocation(
        ["/usr/bin/java", "-Xmx1m", "-cp", "/jars/*", "kafka.tools.StorageTool"],
        cluster_id="cluster",
        server_properties=tmp_path / "server.properties",
        credentials=CREDENTIALS,
        argfile=argfile,
    )
    assert argv == ["/usr/bin/java", f"@{argfile}"]
    assert not any(PASSWORD in argument for argument in argv)
    arguments = _java_argfile_arguments(text)
    assert arguments[:4] == ["-Xmx1m", "-cp", "/jars/*", "kafka.tools.StorageTool"]
    scram = arguments[arguments.index("--add-scram") + 1]
    assert scram == f"SCRAM-SHA-512=[name=lovhub-admin,password={PASSWORD}]"


def test_arguments_with_quotes_and_backslashes_survive_the_argument_file(tmp_path: Path) -> None:
    odd = BrokerCredentials('ad"min\\x', 'p"w\\d', "c")
    _, text = storage_format_invocation(
        ["java", "-cp", "/a dir/*", "Main"],
        cluster_id="c",
        server_properties=Path("/state dir/server.properties"),
        credentials=odd,
        argfile=tmp_path / "f",
    )
    arguments = _java_argfile_arguments(text)
    assert "/a dir/*" in arguments
    assert "/state dir/server.properties" in arguments
    assert 'SCRAM-SHA-512=[name=ad"min\\x,password=p"w\\d]' in arguments


def test_format_step_runs_without_the_password_in_argv_and_removes_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = BrokerLayout(root=tmp_path, client_port=29092, controller_port=29093)
    seen: dict[str, Any] = {}

    def fake_run(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen["argv"] = command
        argfile = Path(command[-1].removeprefix("@"))
        seen["mode"] = stat.S_IMODE(argfile.stat().st_mode)
        seen["text"] = argfile.read_text(encoding="utf-8")
        seen["argfile"] = argfile
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    broker = LocalBroker(layout)
    broker._format_storage(Path("/usr/bin/java"), tmp_path / "jars", CREDENTIALS)

    assert not any(PASSWORD in argument for argument in seen["argv"])
    assert seen["mode"] == 0o600
    assert PASSWORD in seen["text"]
    assert not seen["argfile"].exists()
