"""Writer child processes: :class:`Child` runs ``tests/support/child_writer.py`` (appends bars through the real
store) and collects its stdout lines as they arrive, so a test can wait for a line, release it, kill it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.support.project import ROOT

CHILD = Path(__file__).with_name("child_writer.py")


class Child:
    """One ``child_writer.py`` process; its stdout lines are collected by a thread as they arrive."""

    def __init__(self, db: Path, symbol: str, first_day: int, batches: int, rows: int, tag: int,
                 *flags: str) -> None:
        cmd = [sys.executable, str(CHILD), str(db), symbol, str(first_day), str(batches), str(rows), str(tag)]
        self.proc = subprocess.Popen([*cmd, *flags], cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.seen: set[str] = set()
        self.stderr: list[str] = []
        self.eof = False
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.strip())
                self.seen.add(line.strip())
                self._cond.notify_all()
        with self._cond:
            self.eof = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr.extend(self.proc.stderr)

    def wait_for(self, line: str, timeout: float = 60.0) -> None:
        with self._cond:
            self._cond.wait_for(lambda: line in self.seen or self.eof, timeout)
            assert line in self.seen, f"child never printed {line!r}: {self.lines[-3:]} {''.join(self.stderr)[-800:]}"

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.finish(30)

    def finish(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        for thread in self._threads:
            thread.join(timeout=10)
        return code

    def committed(self) -> list[tuple[int, int]]:
        """Return ``(batch, rows added)`` for every commit the child reported."""
        return [(int(p[1]), int(p[2])) for p in (line.split() for line in self.lines) if p[0] == "committed"]

    def begun(self) -> list[int]:
        return [int(line.split()[1]) for line in self.lines if line.startswith("begin ")]
