"""The one interface pages and the CLI use for data: snapshot + local store + live source.

Policy: data is served at once from the bundled snapshot and the local store; a live refresh is tried
first when one is due (at most once per ``refresh_interval`` per symbol, never while the source is in
its failure cool-down, never in offline mode) with a short timeout. A refresh asks only for bars after
the last known one, and only appends. Any failure leaves stored data as it was and becomes a notice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from marketdata.actions import FRAME_COLUMNS, empty_actions, merge_actions
from marketdata.bars import clean_bars, empty_bars
from marketdata.config import Settings, load_settings
from marketdata.snapshot import Snapshot
from marketdata.sources import LiveSource, SourceError
from marketdata.store import FetchRecord, Store, StoreError, utcnow
from marketdata.symbols import DEFAULT_UNIVERSE, InvalidSymbol, normalize_symbol

LOG = logging.getLogger(__name__)
NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class RefreshOutcome:
    """What one refresh attempt did: ``outcome`` is ok, empty, error, skipped or offline."""

    symbol: str
    outcome: str
    rows_added: int = 0
    message: str = ""
    rejected: int = 0


@dataclass(frozen=True)
class LoadResult:
    """Bars for one symbol with their provenance.

    ``bars`` is a bars frame (may be empty); ``sources`` names where the rows came from;
    ``notices`` are user-facing warnings (live data could not be had, store unreadable, ...).
    """

    symbol: str
    bars: pd.DataFrame
    sources: tuple[str, ...]
    notices: tuple[str, ...] = ()
    refresh: RefreshOutcome | None = None
    fetched_at: datetime | None = None

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
    store: Store = field(init=False)

    def __post_init__(self) -> None:
        self.snapshot = Snapshot(self.settings.bundled_dir)
        self.store = Store(self.settings.db_path)

    # --- universe -------------------------------------------------------------------------------

    def universe(self) -> list[str]:
        """Return the default five followed by the symbols the user added."""
        extra: list[str] = []
        try:
            extra = [s for s in self.store.watchlist() if s not in DEFAULT_UNIVERSE]
        except StoreError as exc:
            LOG.warning("watchlist unavailable: %s", exc)
        return [*DEFAULT_UNIVERSE, *extra]

    def add_symbol(self, raw: str) -> tuple[str | None, str]:
        """Validate ``raw`` and add it to the watchlist when data for it can be had.

        Returns ``(symbol, message)``; ``symbol`` is None when nothing was added, and ``message`` says
        why in words a user understands.
        """
        try:
            symbol = normalize_symbol(raw)
        except InvalidSymbol as exc:
            return None, str(exc)
        if symbol in self.universe():
            return symbol, f"{symbol} is already in the list."
        result = self.load(symbol)
        if result.bars.empty:
            why = " ".join(result.notices) or "no data was found."
            return None, f"{symbol} was not added: it is not in the bundled snapshot or the local store, and {why}"
        try:
            self.store.add_to_watchlist(symbol)
        except StoreError as exc:
            return None, f"{symbol} was not added: {exc}"
        return symbol, f"Added {symbol} ({len(result.bars)} daily bars to {result.last_bar})."

    # --- bars -----------------------------------------------------------------------------------

    def data_version(self, symbol: str) -> str:
        """Return a string that changes whenever the bars for ``symbol`` change (a cache key)."""
        try:
            stored = self.store.last_bar_date(symbol), self.store.bar_count(symbol)
        except StoreError:
            stored = ("corrupt", 0)
        return f"{stored[0]}:{stored[1]}"

    def load(self, symbol: str, refresh: bool = True) -> LoadResult:
        """Return the bars for ``symbol`` (already validated), refreshing from the live source when due."""
        outcome = self.refresh(symbol) if refresh else None
        notices: list[str] = []
        sources: list[str] = []
        bundled = self.snapshot.bars(symbol)
        if not bundled.empty:
            sources.append("bundled snapshot")
        try:
            stored = self.store.bars(symbol)
        except StoreError as exc:
            stored = empty_bars()
            notices.append(
                f"The local store could not be read ({exc}); showing the bundled snapshot. The file was left untouched."
            )
        if not stored.empty:
            stored = stored[~stored.index.isin(bundled.index)]
            if not stored.empty:
                sources.append("local store (yfinance)")
        bars = pd.concat([bundled, stored]).sort_index() if not stored.empty else bundled
        fetched_at = None
        try:
            last_ok = self.store.last_fetch(symbol)
            if last_ok is not None and last_ok.outcome == "ok":
                fetched_at = last_ok.finished_at
        except StoreError:
            pass
        result = LoadResult(symbol, bars, tuple(sources), tuple(notices), None, fetched_at)
        return self.with_refresh(result, outcome) if outcome is not None else result

    @staticmethod
    def with_refresh(result: LoadResult, outcome: RefreshOutcome) -> LoadResult:
        """Return ``result`` with ``outcome`` attached and, when live data could not be had, a notice saying so."""
        last = result.last_bar.isoformat() if result.last_bar else None
        held = f"showing data up to {last}" if last else "no data is stored for it"
        notice = ""
        if outcome.outcome == "offline":
            notice = f"Offline mode: live data is off; {held}."
        elif outcome.outcome in ("error", "empty"):
            notice = f"Live data could not be had ({outcome.message}); {held}."
        elif outcome.outcome == "skipped" and outcome.message:
            notice = f"Live data unavailable ({outcome.message}); {held}."
        elif outcome.outcome == "ok" and outcome.rejected:
            notice = f"Live data had bad rows, which were not stored ({outcome.message}); {held}."
        notices = (*result.notices, notice) if notice else result.notices
        return replace(result, notices=notices, refresh=outcome)

    def refresh(self, symbol: str, force: bool = False) -> RefreshOutcome:
        """Try to append new bars (and analyst actions) for ``symbol`` from the live source.

        Never raises; never deletes or overwrites stored rows. Returns what happened.
        """
        if self.settings.offline or self.live is None:
            return RefreshOutcome(symbol, "offline")
        source = self.live.name
        now = utcnow()
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
            ).total_seconds() < self.settings.refresh_interval:
                return RefreshOutcome(symbol, "skipped")
            known = [d for d in (self.snapshot.bars(symbol).index.max(), self._stored_last(symbol)) if pd.notna(d)]
        except StoreError as exc:
            return RefreshOutcome(symbol, "error", message=f"local store unreadable: {exc}")
        last_known = max(pd.Timestamp(d) for d in known).date() if known else None
        start = last_known + timedelta(days=1) if last_known else None
        today_ny = datetime.now(NEW_YORK).date()
        if start is not None and start > today_ny:
            return RefreshOutcome(symbol, "skipped")
        try:
            raw = self.live.history(symbol, start, self.settings.refresh_timeout)
            if raw is None or len(raw) == 0:  # a source should raise for this; treat it the same way
                raise SourceError(f"{source} returned no rows for {symbol}")
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
            if "no rows" in str(exc) and last_known is not None and (today_ny - last_known).days <= 4:
                # Nothing new since a bar at most 4 days old (a weekend or holiday): not a failure.
                message = "no new bars yet"
                self.store.log_fetch(FetchRecord(symbol, source, "bars", now, utcnow(), 0, "ok", message))
                return RefreshOutcome(symbol, "ok", 0, message)
            kind = "empty" if "no rows" in str(exc) else "error"
            return self._log_failure(symbol, source, now, kind, str(exc))
        except StoreError as exc:
            # Logged when the log can still be written, so the source cools down instead of being asked again on
            # every rerun for rows that cannot be stored.
            return self._log_failure(symbol, source, now, "error", f"local store unwritable: {exc}")
        except Exception as exc:
            LOG.exception("refresh of %s failed", symbol)
            return self._log_failure(symbol, source, now, "error", f"{type(exc).__name__}: {exc}")

    def _stored_last(self, symbol: str) -> date | None:
        return self.store.last_bar_date(symbol)

    def _log_failure(self, symbol: str, source: str, started: datetime, kind: str, message: str) -> RefreshOutcome:
        try:
            self.store.log_fetch(FetchRecord(symbol, source, "bars", started, utcnow(), 0, kind, message))
        except StoreError as exc:
            LOG.warning("could not log fetch failure: %s", exc)
        return RefreshOutcome(symbol, kind, message=message)

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

    # --- analyst actions ------------------------------------------------------------------------

    def actions(self) -> pd.DataFrame:
        """Return all analyst actions, de-duplicated, newest first: bundled first, then the ones users entered by
        hand (not retracted), then those stored from yfinance (see merge_actions: the earlier source wins)."""
        try:
            stored = self.store.actions()
            entered = self.store.user_actions()
        except StoreError:
            stored, entered = empty_actions(), empty_actions()
        return merge_actions(self.snapshot.actions(), entered[list(FRAME_COLUMNS)], stored)


def _last_final_session_end(today_ny: date) -> date:
    """Return the first date whose bar may still be provisional: today in New York until 20:00, else tomorrow."""
    now = datetime.now(NEW_YORK)
    return today_ny if now.hour < 20 else today_ny + timedelta(days=1)


def default_repository() -> Repository:
    """Return a repository for the environment's settings with yfinance as the live source."""
    from marketdata.yahoo import YahooSource

    return Repository(load_settings(), YahooSource())
