"""A ``streamlit run`` subprocess on a free 127.0.0.1 port, for the tests and the benchmarks.

``StreamlitServer`` starts ``python -m streamlit run SCRIPT --server.headless true --server.port N`` plus its
``options`` (by default: loopback only, no usage stats, no file watcher and no rerun on save — others edit the
sources while the suite runs) from the project folder, so the project's ``.streamlit/config.toml`` applies. It waits
until ``/_stcore/health`` answers ``ok``, and retries on another port when the free port was taken between the probe
and the bind. Output goes to a log file (appended, kept after the server stops).

The port probe, the health check and stopping a process are :mod:`deploy.local`'s (the team deployment starts its
replicas the same way).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from deploy.local import free_port, healthy, stop
from tests.support.project import ROOT

__all__ = ["DEFAULT_OPTIONS", "StreamlitServer", "free_port", "healthy", "offline_env", "stop", "wait_healthy"]

#: Command-line options every server gets unless the caller passes its own.
DEFAULT_OPTIONS: Mapping[str, str] = {
    "server.address": "127.0.0.1",
    "browser.gatherUsageStats": "false",
    # Others edit the sources while the suite runs: never rerun or prompt because a file changed.
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
}


def offline_env(data_dir: Path) -> dict[str, str]:
    """The environment of an offline app with its own data directory (``LEVELS_OFFLINE``, ``LEVELS_DATA_DIR``)."""
    return {"LEVELS_OFFLINE": "1", "LEVELS_DATA_DIR": str(data_dir)}


def wait_healthy(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None,
                 period: float = 0.25) -> bool:
    """Poll ``url``'s health check every ``period`` seconds; return True once it answers ``ok``, False when
    ``timeout`` seconds have passed or ``proc`` (the server's process, if given) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        if healthy(url):
            return True
        time.sleep(period)
    return False


class StreamlitServer:
    """One ``streamlit run`` process (see the module docstring); a context manager that starts and stops it.

    ``env`` is added to this process's environment; ``startup_timeout`` bounds each of ``attempts`` starts;
    ``stop_timeout`` is how long a stop waits after SIGTERM before SIGKILL. ``name`` appears in errors.
    """

    def __init__(self, log_path: Path, script: str | Path = "dashboard.py", *, env: Mapping[str, str] | None = None,
                 options: Mapping[str, str] = DEFAULT_OPTIONS, cwd: Path = ROOT, startup_timeout: float = 60.0,
                 period: float = 0.25, attempts: int = 3, stop_timeout: float = 10.0,
                 name: str = "Streamlit") -> None:
        self.log_path = log_path
        self.script = script
        self.env = dict(env or {})
        self.options = dict(options)
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.period = period
        self.attempts = attempts
        self.stop_timeout = stop_timeout
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` of the last start (empty before the first)."""
        return f"http://127.0.0.1:{self.port}" if self.port else ""

    def command(self, port: int) -> list[str]:
        """The command line that serves the script on ``port``."""
        cmd = [sys.executable, "-m", "streamlit", "run", str(self.script),
               "--server.headless", "true", "--server.port", str(port)]
        for option, value in self.options.items():
            cmd += [f"--{option}", value]
        return cmd

    def start(self) -> float:
        """Start the server on a free port; return the seconds from ``Popen`` to a healthy answer.

        Raises RuntimeError with the log's tail when no attempt became healthy in time.
        """
        env = {**os.environ, **self.env}
        for _attempt in range(self.attempts):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                started = time.perf_counter()
                self.proc = subprocess.Popen(self.command(self.port), cwd=self.cwd, env=env, stdout=log,
                                             stderr=subprocess.STDOUT)
            if wait_healthy(self.url, self.startup_timeout, self.proc, self.period):
                return time.perf_counter() - started
            self.stop()
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{self.name} did not become healthy within {self.startup_timeout:.0f} s. Log tail:\n{tail}")

    def alive(self) -> bool:
        """True while the process runs (it may still be starting)."""
        return self.proc is not None and self.proc.poll() is None

    def healthy(self) -> bool:
        """True if the process runs and answers its health check."""
        return self.alive() and healthy(self.url)

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after ``stop_timeout`` s); nothing if it is not running."""
        stop(self.proc, timeout=self.stop_timeout)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (all threads, from /proc/PID/stat)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> StreamlitServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
