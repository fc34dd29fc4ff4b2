"""Helpers the benchmark scripts share: machine facts and stopping a server process they started."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo (``platform.processor()`` or ``'unknown'`` elsewhere)."""
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                return row.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def stop_process(proc: subprocess.Popen[bytes] | None, timeout: float = 15.0) -> None:
    """Terminate ``proc`` if it still runs, and kill it if it has not exited within ``timeout`` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
