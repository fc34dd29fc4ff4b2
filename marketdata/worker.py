"""The refresh worker: the one process that fetches new bars and analyst actions into the store (team mode).

``python -m analyst refresh [SYMBOL ...] [--loop SECONDS]`` runs it (see :mod:`analyst.cli`). A pass:

1. takes the store's refresh lock (a PostgreSQL advisory lock, a file lock next to the SQLite file); if another
   worker holds it the pass fetches nothing, so two workers never ask the source for the same bars;
2. without symbols on the command line, answers the queued symbol requests of the web processes, oldest first,
   within the limits on new symbols (a request the limits or a failing source leave open is tried next pass);
3. refreshes the given symbols (always), or every followed symbol whose last fetch is older than the refresh
   interval, through :meth:`Repository.fetch` (incremental, append-only, source cool-down respected).

Every row is written in its own committed transaction, so a worker killed mid-pass loses nothing it committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from marketdata.repository import RefreshOutcome, Repository
from marketdata.store import RequestOutcome, StoreError, SymbolRequest

LOG = logging.getLogger(__name__)


@dataclass
class PassReport:
    """What one pass did: ``ran`` is False when another worker held the lock (nothing was fetched)."""

    ran: bool = False
    refreshed: list[RefreshOutcome] = field(default_factory=list)
    answered: list[tuple[SymbolRequest, RequestOutcome]] = field(default_factory=list)
    left_open: list[SymbolRequest] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        """Number of symbols the live source was asked for (ok, empty, unknown or error)."""
        return sum(o.outcome in ("ok", "empty", "unknown", "error") for o in self.refreshed)


class RefreshWorker:
    """Runs refresh passes for ``repo``; ``say`` receives one line per event (default: logged)."""

    def __init__(self, repo: Repository, say: Callable[[str], None] | None = None) -> None:
        self.repo = repo
        self.say = say or (lambda line: LOG.info("%s", line))

    def run_pass(self, symbols: Sequence[str] = (), stop: threading.Event | None = None) -> PassReport:
        """Run one pass (see the module docstring). Raises StoreError when the store cannot be reached."""
        report = PassReport()
        with self.repo.store.refresh_lock() as held:
            if not held:
                self.say("busy: another refresh worker holds the lock; nothing fetched")
                return report
            report.ran = True
            if not symbols:
                self._answer_requests(report, stop)
            targets = list(symbols) if symbols else self._followed()
            for symbol in targets:
                if stop is not None and stop.is_set():
                    break
                if any(o.symbol == symbol for o in report.refreshed):
                    continue  # fetched for a request in this pass
                outcome = self.repo.fetch(symbol, force=bool(symbols))
                report.refreshed.append(outcome)
                self._said(outcome)
        return report

    def _followed(self) -> list[str]:
        """The universe first, then the other symbols with stored bars (e.g. opened through a link)."""
        universe = self.repo.universe()
        return [*universe, *sorted(set(self.repo.store.symbols()) - set(universe))]

    def _said(self, outcome: RefreshOutcome) -> None:
        detail = f" {outcome.message}" if outcome.message else ""
        self.say(f"refresh {outcome.symbol} {outcome.outcome} {outcome.rows_added}{detail}")

    def _answer_requests(self, report: PassReport, stop: threading.Event | None) -> None:
        pending = self.repo.store.symbol_requests(pending_only=True, limit=10_000)
        by_symbol: dict[str, list[SymbolRequest]] = {}
        for request in pending:
            by_symbol.setdefault(request.symbol, []).append(request)
        for symbol, requests in by_symbol.items():
            if stop is not None and stop.is_set():
                return
            result = self._fetch_requested(symbol, report)
            for request in requests:
                if result is None:
                    report.left_open.append(request)
                    self.say(f"request {request.id} {symbol} left open")
                    continue
                answer: RequestOutcome = result
                if result == "fetched" and request.purpose == "watchlist":
                    self.repo.store.add_to_watchlist(symbol)
                    answer = "added"
                self.repo.store.finish_request(request.id, answer)
                report.answered.append((request, answer))
                self.say(f"request {request.id} {symbol} {answer}")

    def _fetch_requested(self, symbol: str, report: PassReport) -> RequestOutcome | None:
        """Fetch a requested symbol; return what to answer (``fetched`` once it has data), or None to leave the
        request open (limits per minute, a failing or cooling-down source)."""
        if self.repo.has_data(symbol):
            return "fetched"
        outcome = self.repo.fetch(symbol)
        report.refreshed.append(outcome)
        self._said(outcome)
        if outcome.outcome == "capped":
            return "capped"
        if outcome.outcome == "unknown" or (outcome.outcome == "ok" and not self.repo.has_data(symbol)):
            return "not_found"
        if outcome.outcome == "ok":
            return "fetched"
        return None

    def loop(self, every: float, stop: threading.Event, symbols: Sequence[str] = ()) -> None:
        """Run a pass every ``every`` seconds until ``stop`` is set; a pass the store cannot serve is logged and
        tried again at the next period."""
        while not stop.is_set():
            try:
                self.run_pass(symbols, stop)
            except StoreError as exc:
                self.say(f"store unavailable: {exc}; next pass in {every:g} s")
            stop.wait(every)
