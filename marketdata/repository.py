"""The one interface pages and the CLI use for data: snapshot + store + live source.

Policy: data is served at once from the bundled snapshot and the store; a live refresh is tried
first when one is due (at most once per ``refresh_interval`` per symbol, never while the source is in
its failure cool-down, never in offline mode) with a short timeout. A refresh asks only for bars after
the last known one, and only appends. Any failure leaves stored data as it was and becomes a notice.

Team mode (``LEVELS_REFRESH=worker``): web processes never call the live source; :meth:`Repository.refresh`
leaves known symbols to the refresh worker (:mod:`marketdata.worker`, which calls :meth:`Repository.fetch`) and
queues a request for a symbol that has no data yet.

Abuse limits, in both modes: a symbol with no data at all (a *new* symbol) is fetched or queued only while the
store follows fewer than ``max_symbols`` symbols, and at most ``new_symbols_per_minute`` times a minute per process.
A queued request is counted and inserted atomically (several replicas cannot pass the limit together); an inline
fetch is counted before it starts, so several processes fetching inline at once may each add one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd

from marketdata.actions import FRAME_COLUMNS, empty_actions, merge_actions
from marketdata.bars import clean_bars, empty_bars
from marketdata.config import Settings, load_settings
from marketdata.notices import Notice
from marketdata.positions import InvalidPosition, Position
from marketdata.snapshot import Snapshot
from marketdata.sources import FailureKind, LiveSource, NoData, SourceError
from marketdata.store import (
    FetchRecord,
    RequestPurpose,
    SqlStore,
    StoreError,
    StoreUnavailable,
    SymbolRequest,
    open_store,
    utcnow,
)
from marketdata.symbols import DEFAULT_UNIVERSE, InvalidSymbol, normalize_symbol

LOG = logging.getLogger(__name__)
NEW_YORK = ZoneInfo("America/New_York")

# ok/empty/error/skipped/offline: as before. unknown: the source has no rows for a symbol with no data at all (the
# symbol does not exist there; no cool-down). worker: team mode, left to the refresh worker. queued: a request for
# this new symbol waits for the worker. capped / rate_limited: a new symbol not fetched because of the limits.
Outcome = Literal["ok", "empty", "unknown", "error", "skipped", "offline", "worker", "queued", "capped",
                  "rate_limited"]
NEW_SYMBOL_LIMITS: tuple[Outcome, ...] = ("capped", "rate_limited")


@dataclass(frozen=True)
class RefreshOutcome:
    """What one refresh attempt did (see :data:`Outcome`); ``cause`` says what failed: ``store`` when the store
    did, else the live source's :data:`marketdata.sources.FailureKind` (None when nothing failed)."""

    symbol: str
    outcome: Outcome
    rows_added: int = 0
    message: str = ""
    rejected: int = 0
    cause: Cause | None = None


Cause = Literal["store"] | FailureKind
AddOutcome = Literal["added", "already", "invalid", "not_found", "queued", "capped", "rate_limited", "store_error"]


@dataclass(frozen=True)
class AddResult:
    """What adding a symbol did: ``symbol`` is the normalised symbol (None when invalid); ``message`` says it."""

    outcome: AddOutcome
    symbol: str | None
    message: str


class RateWindow:
    """At most ``limit`` events in any ``seconds``-long window (thread-safe; in this process only)."""

    def __init__(self, limit: int, seconds: float = 60.0) -> None:
        self.limit = limit
        self.seconds = seconds
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Count one event and return True if it fits in the window, else return False (nothing counted)."""
        now = time.monotonic()
        with self._lock:
            while self._times and now - self._times[0] >= self.seconds:
                self._times.popleft()
            if len(self._times) >= self.limit:
                return False
            self._times.append(now)
            return True


@dataclass(frozen=True)
class _Due:
    """A symbol due for a fetch, with its last known bar (None: no data at all)."""

    last_known: date | None


@dataclass(frozen=True)
class LoadResult:
    """Bars for one symbol with their provenance.

    ``bars`` is a bars frame (may be empty); ``sources`` names where the rows came from;
    ``notices`` are user-facing warnings (live data could not be had, store unreadable, ...).
    """

    symbol: str
    bars: pd.DataFrame
    sources: tuple[str, ...]
    notices: tuple[Notice, ...] = ()
    refresh: RefreshOutcome | None = None
    fetched_at: datetime | None = None
    store_notice: Notice | None = None  # the store could not be read (this says so): bundled data only, not cached

    @property
    def store_failed(self) -> bool:
        return self.store_notice is not None

    @property
    def last_bar(self) -> date | None:
        return None if self.bars.empty else self.bars.index[-1].date()

    @property
    def first_bar(self) -> date | None:
        return None if self.bars.empty else self.bars.index[0].date()

    @property
    def source_label(self) -> str:
        """Return e.g. ``'bundled snapshot + local store (yfinance) · last bar 2026-09-15'``."""
        where = " + ".join(self.sources) if self.sources else "no data"
        return f"{where} · last bar {self.last_bar.isoformat()}" if self.last_bar else where


@dataclass
class Repository:
    """Data access for one settings object; cheap to build, safe to share between threads."""

    settings: Settings
    live: LiveSource | None = None
    snapshot: Snapshot = field(init=False)
    store: SqlStore = field(init=False)

    def __post_init__(self) -> None:
        self.snapshot = Snapshot(self.settings.bundled_dir)
        self.store = open_store(self.settings)
        self._bundled = frozenset(self.snapshot.symbols())
        self._always = frozenset(DEFAULT_UNIVERSE) | self._bundled  # followed whatever the store holds
        self.new_symbols = RateWindow(self.settings.new_symbols_per_minute)

    def close(self) -> None:
        """Release the store's connections (PostgreSQL)."""
        self.store.close()

    # --- universe -------------------------------------------------------------------------------

    def universe(self) -> list[str]:
        """Return the default five followed by the symbols the user added."""
        extra: list[str] = []
        try:
            extra = [s for s in self.store.watchlist() if s not in DEFAULT_UNIVERSE]
        except StoreError as exc:
            LOG.warning("watchlist unavailable: %s", exc)
        return [*DEFAULT_UNIVERSE, *extra]

    def tracked(self) -> set[str]:
        """Return the symbols the store follows: the default five, the bundled and added ones, those with stored
        bars and those queued for the refresh worker (what ``max_symbols`` caps). Raises StoreError."""
        pending = {r.symbol for r in self.store.symbol_requests(pending_only=True, limit=10_000)}
        return {*self._always, *self.store.watchlist(), *self.store.symbols(), *pending}

    def _new_symbol_allowed(self, symbol: str) -> Outcome | None:
        """Return None if a new symbol may be fetched or queued now (and count it), else why not."""
        if len(self.tracked() - {symbol}) >= self.settings.max_symbols:
            return "capped"
        if not self.new_symbols.take():
            return "rate_limited"
        return None

    def has_data(self, symbol: str) -> bool:
        """Return True if ``symbol`` has bundled or stored bars. Raises StoreError."""
        return symbol in self._bundled or self.store.last_bar_date(symbol) is not None

    def add_symbol(self, raw: str) -> AddResult:
        """Validate ``raw`` and add it to the watchlist when data for it can be had.

        A symbol without data is fetched first (inline mode) or queued for the refresh worker (worker mode), within
        the limits on new symbols. The result's ``message`` says what happened in words a user understands.
        """
        try:
            symbol = normalize_symbol(raw)
        except InvalidSymbol as exc:
            return AddResult("invalid", None, str(exc))
        if symbol in self.universe():
            return AddResult("already", symbol, f"{symbol} is already in the list.")
        if self.settings.refresh_mode == "worker" and not self.settings.offline:
            return self._queue_for_watchlist(symbol)
        result = self.load(symbol)
        if result.bars.empty:
            if result.refresh is not None and result.refresh.outcome in NEW_SYMBOL_LIMITS:
                return self._limited(symbol, result.refresh.outcome)
            why = " ".join(result.notices) or "no data was found."
            return AddResult("not_found", None,
                             f"{symbol} was not added: it is not in the bundled snapshot or the local store, and {why}")
        try:
            self.store.add_to_watchlist(symbol)
        except StoreError as exc:
            return AddResult("store_error", None, f"{symbol} was not added: {exc}")
        return AddResult("added", symbol, f"Added {symbol} ({len(result.bars)} daily bars to {result.last_bar}).")

    def _limited(self, symbol: str, outcome: Outcome) -> AddResult:
        if outcome == "capped":
            return AddResult("capped", None, f"{symbol} was not added: the store already follows its limit of"
                             f" {self.settings.max_symbols} symbols (LEVELS_MAX_SYMBOLS).")
        return AddResult("rate_limited", None, f"{symbol} was not added: too many new symbols were asked for in the"
                         f" last minute (at most {self.settings.new_symbols_per_minute}); try again in a minute.")

    def _queue_for_watchlist(self, symbol: str) -> AddResult:
        try:
            if self.has_data(symbol):
                self.store.add_to_watchlist(symbol)
                return AddResult("added", symbol, f"Added {symbol}.")
            outcome = self.request_symbol(symbol, "watchlist")
        except StoreError as exc:
            return AddResult("store_error", None, f"{symbol} was not added: {exc}")
        if outcome in NEW_SYMBOL_LIMITS:
            return self._limited(symbol, outcome)
        return AddResult("queued", symbol, f"{symbol} was queued: the refresh worker fetches it within a few minutes,"
                         " and it joins the list when data is found.")

    def request_symbol(self, symbol: str, purpose: RequestPurpose) -> Outcome:
        """Queue ``symbol`` for the refresh worker (once: a pending request is not repeated), within the limits on
        new symbols; return ``queued``, ``capped`` or ``rate_limited``. Raises StoreError."""
        if any(r.symbol == symbol and r.purpose in (purpose, "watchlist")
               for r in self.store.symbol_requests(pending_only=True, limit=10_000)):
            return "queued"
        refused = self._new_symbol_allowed(symbol)
        if refused is not None:
            return refused
        # Counted again with the insert, atomically: another process may have queued one meanwhile.
        if self.store.request_symbol(symbol, purpose, self.settings.max_symbols, self._always) is None:
            return "capped"
        return "queued"

    def symbol_requests(self, limit: int = 20) -> list[SymbolRequest]:
        """Return the newest symbol requests (team mode), newest first; empty when the store cannot say."""
        try:
            return self.store.symbol_requests(limit=limit)
        except StoreError as exc:
            LOG.warning("symbol requests unavailable: %s", exc)
            return []

    # --- bars -----------------------------------------------------------------------------------

    def data_version(self, symbol: str) -> str:
        """Return a string that changes whenever bars are added for ``symbol`` (a cache key; cheap: see
        :meth:`SqlStore.versions`). ``unavailable`` while the store cannot be read."""
        try:
            return str(self.store.versions().of("bars", symbol))
        except StoreError:
            return "unavailable"

    def _store_notice(self, exc: StoreError) -> Notice:
        if isinstance(exc, StoreUnavailable):
            return Notice("store", f"The shared store is unavailable ({exc.reason}); showing the bundled snapshot"
                                   " until it is back.")
        if self.store.shared:
            return Notice("store", f"The shared store could not be read ({exc}); showing the bundled snapshot.")
        return Notice("store", f"The local store could not be read ({exc}); showing the bundled snapshot. The file"
                               " was left untouched.")

    def load(self, symbol: str, refresh: bool = True) -> LoadResult:
        """Return the bars for ``symbol`` (already validated), refreshing from the live source when due."""
        outcome = self.refresh(symbol) if refresh else None
        notices: list[Notice] = []
        sources: list[str] = []
        bundled = self.snapshot.bars(symbol)
        if not bundled.empty:
            sources.append("bundled snapshot")
        store_notice: Notice | None = None
        try:
            stored = self.store.bars(symbol)
        except StoreError as exc:
            stored = empty_bars()
            store_notice = self._store_notice(exc)
            notices.append(store_notice)
        if not stored.empty:
            stored = stored[~stored.index.isin(bundled.index)]
            if not stored.empty:
                sources.append("shared store (yfinance)" if self.store.shared else "local store (yfinance)")
        bars = pd.concat([bundled, stored]).sort_index() if not stored.empty else bundled
        fetched_at = None
        if store_notice is None:
            try:
                last_ok = self.store.last_fetch(symbol)
                if last_ok is not None and last_ok.outcome == "ok":
                    fetched_at = last_ok.finished_at
            except StoreError:
                pass
        result = LoadResult(symbol, bars, tuple(sources), tuple(notices), None, fetched_at, store_notice)
        return self.with_refresh(result, outcome) if outcome is not None else result

    def with_refresh(self, result: LoadResult, outcome: RefreshOutcome) -> LoadResult:
        """Return ``result`` with ``outcome`` attached and, when live data could not be had, a notice saying so.

        No second notice when a shared store failed and ``result`` already says so (one notice for an outage).
        """
        notice = self._refresh_notice(result, outcome)
        notices = (*result.notices, notice) if notice else result.notices
        return replace(result, notices=notices, refresh=outcome)

    def _refresh_notice(self, result: LoadResult, outcome: RefreshOutcome) -> Notice | None:
        """Return the notice for a refresh ``outcome`` (None when there is nothing to say)."""
        last = result.last_bar.isoformat() if result.last_bar else None
        held = f"showing data up to {last}" if last else "no data is stored for it"
        kind = outcome.outcome
        if outcome.cause == "store" and result.store_failed and self.store.shared:
            return None
        if kind == "offline":
            return Notice("offline", f"Offline mode: live data is off; {held}.")
        if kind in ("error", "empty", "unknown"):
            return Notice("live_failed", f"Live data could not be had ({outcome.message}); {held}.")
        if kind == "skipped" and outcome.message:
            return Notice("live_skipped", f"Live data unavailable ({outcome.message}); {held}.")
        if kind == "ok" and outcome.rejected:
            return Notice("bad_rows", f"Live data had bad rows, which were not stored ({outcome.message}); {held}.")
        if kind == "queued":
            return Notice("queued",
                          f"Live data was requested from the refresh worker (reload in a minute or two); {held}.")
        if kind == "capped":
            return Notice("capped", f"Live data not fetched: the store already follows its limit of"
                                    f" {self.settings.max_symbols} symbols; {held}.")
        if kind == "rate_limited":
            return Notice("rate_limited", f"Live data not fetched: too many new symbols were asked for in the last"
                                          f" minute (at most {self.settings.new_symbols_per_minute}); try again in"
                                          f" a minute; {held}.")
        return None

    def refresh(self, symbol: str, force: bool = False) -> RefreshOutcome:
        """Bring ``symbol`` up to date the way the settings say (what pages and ``levels --refresh`` call).

        Inline mode: :meth:`fetch`. Worker mode: never calls the live source; a symbol with data is left to the
        refresh worker (``worker``), one without is queued for it (``queued``, or a limit's outcome).
        Never raises.
        """
        if self.settings.offline or self.live is None:
            return RefreshOutcome(symbol, "offline")
        if self.settings.refresh_mode == "worker":
            try:
                if self.has_data(symbol):
                    return RefreshOutcome(symbol, "worker")
                return RefreshOutcome(symbol, self.request_symbol(symbol, "view"))
            except StoreError as exc:
                return RefreshOutcome(symbol, "error", message=f"store unavailable: {exc}", cause="store")
        return self.fetch(symbol, force)

    def fetch(self, symbol: str, force: bool = False, interval: float | None = None) -> RefreshOutcome:
        """Try to append new bars (and analyst actions) for ``symbol`` from the live source.

        Skipped while the source cools down after a failure or the last fetch is younger than ``interval`` seconds
        (default: the refresh interval), unless ``force``. A symbol with no data at all is fetched only within the
        limits on new symbols. Never raises; never deletes or overwrites stored rows. Returns what happened.
        """
        if self.settings.offline or self.live is None:
            return RefreshOutcome(symbol, "offline")
        now = utcnow()
        due = self._due(symbol, now, self.settings.refresh_interval if interval is None else interval, force)
        if isinstance(due, RefreshOutcome):
            return due
        start = due.last_known + timedelta(days=1) if due.last_known else None
        today_ny = datetime.now(NEW_YORK).date()
        if start is not None and start > today_ny:
            return RefreshOutcome(symbol, "skipped")
        return self._fetch_bars(symbol, due.last_known, start, now, today_ny)

    def _due(self, symbol: str, now: datetime, interval: float, force: bool) -> RefreshOutcome | _Due:
        """Return why ``symbol`` is not fetched now (the source cools down after a failure, the last fetch is
        younger than ``interval`` seconds, a new symbol beyond the limits, the store unreadable), or that it is
        due, with its last known bar (bundled or stored; None for a symbol with no data)."""
        assert self.live is not None
        source = self.live.name
        try:
            failure = self.store.last_failure(source)
            if not force and failure is not None:
                wait = failure.finished_at + timedelta(seconds=self.settings.failure_cooldown) - now
                if wait.total_seconds() > 0:
                    return RefreshOutcome(
                        symbol, "skipped",
                        message=f"{source} failed at {failure.finished_at:%H:%M} UTC: {failure.message};"
                        f" next try in {int(wait.total_seconds() // 60) + 1} min",
                    )
            last = self.store.last_fetch(symbol)
            if not force and last is not None and last.outcome == "ok" and (
                now - last.finished_at
            ).total_seconds() < interval:
                return RefreshOutcome(symbol, "skipped")
            known = [d for d in (self.snapshot.bars(symbol).index.max(), self._stored_last(symbol)) if pd.notna(d)]
            refused = None if known else self._new_symbol_allowed(symbol)
        except StoreError as exc:
            return RefreshOutcome(symbol, "error", message=f"local store unreadable: {exc}", cause="store")
        if refused is not None:
            return RefreshOutcome(symbol, refused)
        return _Due(max(pd.Timestamp(d) for d in known).date() if known else None)

    def _fetch_bars(self, symbol: str, last_known: date | None, start: date | None, now: datetime,
                    today_ny: date) -> RefreshOutcome:
        """Ask the live source for the bars from ``start``, append the final sessions after ``last_known`` (then
        refresh the analyst actions); a failure is logged (the source cools down) and returned as the outcome."""
        assert self.live is not None
        source = self.live.name
        try:
            raw = self.live.history(symbol, start, self.settings.refresh_timeout)
            if raw is None or len(raw) == 0:  # a source should raise for this; treat it the same way
                raise NoData(f"{source} returned no rows for {symbol}")
            bars, rejected = clean_bars(raw)
            for row in rejected:
                LOG.warning("%s %s rejected from %s: %s", symbol, row.date, source, row.reason)
            if last_known is not None:
                bars = bars[bars.index > pd.Timestamp(last_known)]
            bars = bars[bars.index < pd.Timestamp(_last_final_session_end(today_ny))]
            added = self.store.append_bars(symbol, bars, source)
            message = f"{added} new bars" + (f", {len(rejected)} bad rows rejected" if rejected else "")
            self.store.log_fetch(FetchRecord(symbol, source, "bars", now, utcnow(), added, "ok", message))
            self._refresh_actions(symbol)
            return RefreshOutcome(symbol, "ok", added, message, len(rejected))
        except (SourceError, ValueError) as exc:
            no_rows = isinstance(exc, NoData)
            if no_rows and last_known is not None and (today_ny - last_known).days <= 4:
                # Nothing new since a bar at most 4 days old (a weekend or holiday): not a failure.
                message = "no new bars yet"
                self.store.log_fetch(FetchRecord(symbol, source, "bars", now, utcnow(), 0, "ok", message))
                return RefreshOutcome(symbol, "ok", 0, message)
            # No rows at all for a symbol we know nothing of: the source works, the symbol is not there.
            kind: Outcome = ("unknown" if last_known is None else "empty") if no_rows else "error"
            return self._log_failure(symbol, source, now, kind, str(exc),
                                     cause=exc.kind if isinstance(exc, SourceError) else "bad data")
        except StoreError as exc:
            # Logged when the log can still be written, so the source cools down instead of being asked again on
            # every rerun for rows that cannot be stored.
            return self._log_failure(symbol, source, now, "error", f"local store unwritable: {exc}", cause="store")
        except Exception as exc:
            LOG.exception("refresh of %s failed", symbol)
            return self._log_failure(symbol, source, now, "error", f"{type(exc).__name__}: {exc}")

    def _stored_last(self, symbol: str) -> date | None:
        return self.store.last_bar_date(symbol)

    def _log_failure(self, symbol: str, source: str, started: datetime, kind: Outcome, message: str,
                     cause: Cause | None = None) -> RefreshOutcome:
        try:
            self.store.log_fetch(FetchRecord(symbol, source, "bars", started, utcnow(), 0, kind, message))
        except StoreError as exc:
            LOG.warning("could not log fetch failure: %s", exc)
        return RefreshOutcome(symbol, kind, message=message, cause=cause)

    def _refresh_actions(self, symbol: str) -> None:
        assert self.live is not None
        started = utcnow()
        try:
            fetched = self.live.analyst_actions(symbol, self.settings.refresh_timeout)
            added = self.store.add_actions(fetched)
            self.store.log_fetch(FetchRecord(symbol, self.live.name, "actions", started, utcnow(), added, "ok", ""))
        except (SourceError, ValueError) as exc:
            # No analyst actions is common for small caps; it is logged but does not cool the source down.
            self.store.log_fetch(
                FetchRecord(symbol, self.live.name, "actions", started, utcnow(), 0, "skipped", str(exc))
            )
        except StoreError:
            raise
        except Exception as exc:
            # Bars were already stored and logged as ok: a surprise in the analyst actions must not undo that.
            LOG.warning("analyst actions of %s failed", symbol, exc_info=True)
            self.store.log_fetch(FetchRecord(
                symbol, self.live.name, "actions", started, utcnow(), 0, "skipped", f"{type(exc).__name__}: {exc}"
            ))

    # --- positions ----------------------------------------------------------------------------

    def positions(self, owner: str) -> dict[str, Position]:
        """Return ``owner``'s positions by symbol. Raises StoreError when the store cannot be read."""
        return self.store.positions(owner)

    def set_position(self, owner: str, position: Position) -> None:
        """Record ``owner``'s position in a symbol of the universe.

        Raises :class:`marketdata.positions.InvalidPosition` for a bad field (a symbol outside the universe
        included) and StoreError when the store cannot be written; either way nothing is stored.
        """
        if position.symbol not in self.universe():
            raise InvalidPosition("symbol", f"Ticker {position.symbol} is not in the list; add it first.")
        self.store.set_position(owner, position)

    def remove_position(self, owner: str, symbol: str) -> bool:
        """Record that ``owner`` no longer holds ``symbol``; return False when they did not hold it."""
        return self.store.remove_position(owner, symbol)

    # --- analyst actions ------------------------------------------------------------------------

    def actions(self, strict: bool = False) -> pd.DataFrame:
        """Return all analyst actions, de-duplicated, newest first: bundled first, then the ones users entered by
        hand (not retracted), then those stored from yfinance (see merge_actions: the earlier source wins).

        When the store cannot be read: the bundled ones only, or StoreError if ``strict``.
        """
        try:
            stored = self.store.actions()
            entered = self.store.user_actions()
        except StoreError:
            if strict:
                raise
            stored, entered = empty_actions(), empty_actions()
        return merge_actions(self.snapshot.actions(), entered[list(FRAME_COLUMNS)], stored)

    def actions_version(self) -> str:
        """Return a string that changes whenever analyst actions are stored, entered or retracted (a cache key);
        ``unavailable`` while the store cannot be read."""
        try:
            versions = self.store.versions()
        except StoreError:
            return "unavailable"
        return f"{versions.of('actions')}:{versions.of('user_actions')}"


def _last_final_session_end(today_ny: date) -> date:
    """Return the first date whose bar may still be provisional: today in New York until 20:00, else tomorrow."""
    now = datetime.now(NEW_YORK)
    return today_ny if now.hour < 20 else today_ny + timedelta(days=1)


def default_repository() -> Repository:
    """Return a repository for the environment's settings with yfinance as the live source."""
    from marketdata.yahoo import YahooSource

    return Repository(load_settings(), YahooSource())
