"""The refresh worker and team mode's repository: one worker fetches (the lock), a killed worker loses nothing,
queued symbols are answered within the limits, web processes in worker mode never call the source, and the limits
on new symbols hold in both modes. Worker processes run tests/support/child_worker.py (a fake source)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from marketdata.repository import Repository
from marketdata.sources import SourceError
from marketdata.symbols import DEFAULT_UNIVERSE
from marketdata.worker import RefreshWorker
from tests.support.backends import Backend
from tests.support.child_worker import ChildSource
from tests.support.sources import freeze_new_york

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "support" / "child_worker.py"


class Worker:
    """A child_worker.py process; its stdout lines are read as they come."""

    def __init__(self, backend: Backend, delay: float, *flags: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(CHILD), backend.target, str(backend.data_dir), str(delay),
                                      *flags], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []

    def read_until(self, predicate, timeout: float = 60.0) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.strip())
            if predicate(line.strip()):
                return line.strip()
        raise AssertionError(f"no such line; got {self.lines[-5:]}; stderr: {self.stderr()[-1500:]}")

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 120.0) -> int:
        out, _ = self.proc.communicate(timeout=timeout)
        self.lines += [line.strip() for line in out.splitlines()]
        return self.proc.returncode

    def stderr(self) -> str:
        return self.proc.stderr.read() if self.proc.stderr and self.proc.poll() is not None else ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()


def test_two_workers_started_together_fetch_once_and_lose_nothing(backend: Backend, workers: list[Worker]) -> None:
    a, b = Worker(backend, 0.3, "wait", "actions"), Worker(backend, 0.3, "wait", "actions")
    workers += [a, b]
    for worker in (a, b):
        worker.read_until(lambda line: line == "ready")
    a.go()
    b.go()
    assert a.finish() == 0 and b.finish() == 0
    busy = [w for w in (a, b) if any(line.startswith("busy:") for line in w.lines)]
    ran = [w for w in (a, b) if w not in busy]
    assert len(busy) == 1 and len(ran) == 1, (a.lines, b.lines)
    assert not [line for line in busy[0].lines if line.startswith("fetch ")]  # the other fetched nothing
    fetched = [line.split()[1] for line in ran[0].lines if line.startswith("fetch ")]
    assert sorted(fetched) == sorted(DEFAULT_UNIVERSE)  # each symbol once
    for symbol in DEFAULT_UNIVERSE:
        assert backend.count(symbol) == 8, symbol
        assert backend.raw("SELECT COUNT(*) FROM actions WHERE ticker = ?", (symbol,)) == [(1,)]
    assert backend.raw("SELECT COUNT(*) FROM fetch_log WHERE kind = 'bars' AND outcome = 'ok'") == [(5,)]


def test_a_worker_killed_mid_refresh_loses_no_committed_row(backend: Backend, workers: list[Worker]) -> None:
    first = Worker(backend, 0.5)
    workers.append(first)
    done = [first.read_until(lambda line: line.startswith("refresh ") and " ok 8" in line) for _ in range(2)]
    first.read_until(lambda line: line.startswith("fetch "))  # the third symbol is being fetched
    first.kill()
    committed = [line.split()[1] for line in done]
    for symbol in committed:
        assert backend.count(symbol) == 8, symbol
        assert backend.raw("SELECT COUNT(*) FROM fetch_log WHERE symbol = ? AND kind = 'bars' AND outcome = 'ok'",
                           (symbol,)) == [(1,)]
    for symbol in set(DEFAULT_UNIVERSE) - set(committed):
        assert backend.count(symbol) in (0, 8)  # the one in flight: all or nothing

    again = Worker(backend, 0.0)  # the lock died with the killed worker: this one runs
    workers.append(again)
    assert again.finish() == 0
    assert not any(line.startswith("busy:") for line in again.lines), again.lines
    for symbol in DEFAULT_UNIVERSE:
        assert backend.count(symbol) == 8, symbol  # every symbol once, nothing twice
    for symbol in committed:
        assert f"refresh {symbol} skipped 0" in again.lines  # fetched less than the interval ago


def test_the_worker_stops_between_symbols_on_sigterm(backend: Backend, workers: list[Worker]) -> None:
    worker = Worker(backend, 0.2, "loop=1")
    workers.append(worker)
    worker.read_until(lambda line: line.startswith("refresh RIOT"))
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.finish(timeout=30) == 0


def _repo(backend: Backend, monkeypatch: pytest.MonkeyPatch, **settings: object) -> tuple[Repository, ChildSource]:
    freeze_new_york(monkeypatch)
    source = ChildSource(0.0, with_actions=False)
    repo = Repository(backend.settings(**settings), source)
    backend.opened.append(repo.store)
    return repo, source


def test_the_worker_answers_queued_requests_within_the_limits(backend: Backend,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    web, _ = _repo(backend, monkeypatch, refresh_mode="worker", new_symbols_per_minute=100, max_symbols=9)
    assert web.add_symbol("hut").outcome == "queued"
    assert web.load("BITF").refresh.outcome == "queued"  # a link: fetched, not added to the list
    assert web.add_symbol("ZZZZ").outcome == "queued"
    assert web.add_symbol("WULF").outcome == "queued"
    assert web.add_symbol("CORZ").outcome == "capped"  # the default 5 and 4 queued: 9 followed
    assert [r.symbol for r in web.store.symbol_requests(pending_only=True)] == ["HUT", "BITF", "ZZZZ", "WULF"]

    worker_repo, _ = _repo(backend, monkeypatch, new_symbols_per_minute=2, max_symbols=9)
    report = RefreshWorker(worker_repo).run_pass()
    assert [(r.symbol, outcome) for r, outcome in report.answered] == [("HUT", "added"), ("BITF", "fetched")]
    assert [r.symbol for r in report.left_open] == ["ZZZZ", "WULF"]  # 2 new symbols a minute
    assert web.universe() == [*DEFAULT_UNIVERSE, "HUT"] and backend.count("BITF") == 8

    worker_repo.new_symbols = replace_window(worker_repo)  # a minute later
    report = RefreshWorker(worker_repo).run_pass()
    assert [(r.symbol, outcome) for r, outcome in report.answered] == [("ZZZZ", "not_found"), ("WULF", "added")]
    assert web.store.symbol_requests(pending_only=True) == []
    assert web.universe() == [*DEFAULT_UNIVERSE, "HUT", "WULF"]
    assert web.add_symbol("CORZ").outcome == "queued"  # ZZZZ was not found: room for one more
    assert web.add_symbol("MSTR").outcome == "capped"


def replace_window(repo: Repository):
    from marketdata.repository import RateWindow

    return RateWindow(repo.settings.new_symbols_per_minute)


class CountingSource:
    name = "counting"

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.inner = ChildSource(0.0, with_actions=False)

    def history(self, symbol, start, timeout):
        self.calls.append(symbol)
        return self.inner.history(symbol, start, timeout)

    def analyst_actions(self, symbol, timeout):
        raise SourceError("none")


def test_web_processes_in_worker_mode_never_call_the_source(backend: Backend, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    freeze_new_york(monkeypatch)
    source = CountingSource()
    repo = Repository(backend.settings(refresh_mode="worker"), source)
    backend.opened.append(repo.store)
    cifr = repo.load("CIFR")
    assert cifr.refresh.outcome == "worker" and cifr.notices == () and not cifr.store_failed
    hut = repo.load("HUT")
    assert hut.refresh.outcome == "queued" and hut.bars.empty
    assert "requested from the refresh worker" in hut.notices[-1]
    repo.load("HUT")
    assert [r.symbol for r in repo.store.symbol_requests()] == ["HUT"]  # asked once
    assert repo.add_symbol("clsk").outcome == "already"
    assert repo.add_symbol("HUT").outcome == "queued"  # now for the list as well
    assert source.calls == []
    capsys.readouterr()


def test_new_symbols_are_fetched_within_the_limits_inline(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_new_york(monkeypatch)
    source = CountingSource()
    repo = Repository(backend.settings(new_symbols_per_minute=3, max_symbols=7), source)
    backend.opened.append(repo.store)
    outcomes = [repo.load(f"ZZ{i}").refresh.outcome for i in range(6)]  # symbols the source does not have
    assert outcomes == ["unknown"] * 3 + ["rate_limited"] * 3 and len(source.calls) == 3
    assert "too many new symbols" in repo.load("ZZ9").notices[-1]
    assert repo.load("CIFR").refresh.outcome == "ok"  # known symbols are not limited, and no cool-down started

    repo.new_symbols = replace_window(repo)
    assert repo.add_symbol("HUT").outcome == "added" and repo.add_symbol("BITF").outcome == "added"
    capped = repo.add_symbol("WULF")
    assert capped.outcome == "capped" and "limit of 7 symbols" in capped.message
    assert repo.load("WULF").refresh.outcome == "capped"
    assert sorted(source.calls) == sorted(["ZZ0", "ZZ1", "ZZ2", "CIFR", "HUT", "BITF"])
    assert backend.count() == 3 * 8 and repo.store.symbols() == ["BITF", "CIFR", "HUT"]


def test_the_refresh_command_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    from analyst.cli import main

    assert main(["refresh", "--loop", "0"]) == 2
    assert main(["refresh", "not a symbol!"]) == 2
    assert "error:" in capsys.readouterr().err
