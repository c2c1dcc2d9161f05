"""Small helpers about local processes and ports, kept apart so the broker logic reads cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from pathlib import Path

__all__ = [
    "free_port_pair",
    "is_port_free",
    "pid_is_running",
    "process_cmdline",
    "terminate_group",
]


def is_port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port_pair(host: str = "127.0.0.1") -> tuple[int, int]:
    """Two consecutive free ports (client, controller), chosen by the OS."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        if port < 65535 and is_port_free(host, port + 1):
            return port, port + 1
    raise OSError("could not find two consecutive free ports on loopback")


def process_cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", errors="replace")


def pid_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent has not collected it yet.
    with contextlib.suppress(OSError):
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
        if "\nState:\tZ" in status:
            return False
    return True


def terminate_group(
    pid: int, timeout: float, *, first_signal: signal.Signals = signal.SIGTERM
) -> bool:
    """``first_signal`` (SIGTERM: the broker shuts down cleanly) to the process group,
    SIGKILL after ``timeout``.

    Returns True when the process exited within the timeout on its own.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, first_signal)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not pid_is_running(pid):
            return True
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    for _ in range(50):
        _reap(pid)
        if not pid_is_running(pid):
            break
        time.sleep(0.1)
    return False


def _reap(pid: int) -> None:
    """Collect the exit status when the broker is our own child (tests start it in-process)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
