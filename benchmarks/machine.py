"""Machine facts the benchmark reports share (servers are started and stopped by tests.support.server)."""

from __future__ import annotations

import platform
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
