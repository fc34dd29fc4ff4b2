"""The overview screener: one row per symbol of the universe with its signals and the user's position.

Every signal column comes from the same :class:`analyst.picture.TechnicalPicture` the ticker page draws, through
:func:`analyst.signals.signals` (one source of truth). Rows are as of the view's as-of date (each symbol's last
bar on or before it), or of each symbol's latest bar. Filters and the sort come from
:class:`ui.overview_view.OverviewView`; the total row of the positions is added after sorting, last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import pandas as pd

from analyst.brief import ZONE_TEXT_MIN_WIDTH
from analyst.picture import TechnicalPicture
from analyst.portfolio import Holding, totals
from analyst.signals import Signals, signals
from indicators.key_levels import KeyLevel
from indicators.windows import window
from marketdata.positions import Position
from marketdata.repository import LoadResult
from marketdata.store import SymbolRequest
from ui.labels import target_change
from ui.overview_view import OverviewView

SPARKLINE_RANGE = "6M"
TOTAL = "Total"

#: The table's columns, in display order (the sort may name any of them).
COLUMNS: tuple[str, ...] = (
    "Ticker", "Chart", "Price", "Change ($)", "Change (%)",
    "Shares", "Avg cost", "Market value", "Gain ($)", "Gain (%)", "Day change ($)",
    "Support", "Support (%)", "Resistance", "Resistance (%)", "Trendline", "EMA stack", "Cross", "%B",
    "Target", "Upside (%)", "6M", "Last bar", "Volume", "Prev Close", "Open", "Latest analyst action",
)
POSITION_COLUMNS: tuple[str, ...] = ("Shares", "Avg cost", "Market value", "Gain ($)", "Gain (%)", "Day change ($)")
TEXT_COLUMNS = frozenset({"Ticker", "Chart", "Support", "Resistance", "Trendline", "EMA stack", "Cross", "6M",
                          "Last bar", "Latest analyst action"})


def visible_columns(with_positions: bool) -> list[str]:
    """Return the columns shown: every one, without the position columns when the user holds none."""
    return [c for c in COLUMNS if with_positions or c not in POSITION_COLUMNS]


@dataclass(frozen=True)
class DataNotice:
    """The one data notice of the page: a short ``text`` and the raw per-symbol detail behind it."""

    level: Literal["info", "warning"]
    text: str
    details: tuple[str, ...]


@dataclass(frozen=True)
class Overview:
    """The table to show (filtered, sorted, total row last), the data notice, and messages about the view."""

    table: pd.DataFrame
    notice: DataNotice | None
    messages: tuple[str, ...]
    symbols: int  # symbols with data (before filtering)
    holdings: int  # positions among them


def cross_text(sig: Signals) -> str | None:
    """Return e.g. ``'golden 2025-11-20 (SMA)'`` for the signal's recent cross, or None."""
    c = sig.cross
    return None if c is None else f"{c.kind} {c.date.isoformat()} ({c.family})"


def trend_text(sig: Signals) -> str | None:
    """Return e.g. ``'rebounding · $13.15'`` for the trendline state, or None without a line near."""
    if sig.trend_state is None or sig.trend_level is None:
        return None
    return f"{sig.trend_state} · ${sig.trend_level:,.2f}"


def stack_text(sig: Signals) -> str:
    """Return e.g. ``'3/4: 50, 100, 200'`` (the EMAs the close is at or above)."""
    windows = ", ".join(str(w) for w in sig.ema_above)
    return f"{len(sig.ema_above)}/4" + (f": {windows}" if windows else "")


def level_text(key: KeyLevel | None) -> str | None:
    """Return how the screener shows a key level, naming the prices the brief names: ``'$15.04–$15.54'`` for a
    zone (as wide as the brief writes as a range), ``'$16.79 (SMA 50)'`` for a moving average, band, extreme or
    trendline, else ``'$12.04'``."""
    if key is None:
        return None
    if key.kind == "horizontal" and (key.zone_high - key.zone_low) / key.price >= ZONE_TEXT_MIN_WIDTH:
        return f"${key.zone_low:,.2f}–${key.zone_high:,.2f}"
    return f"${key.price:,.2f}" + ("" if key.kind == "horizontal" else f" ({key.name})")


def ticker_link(symbol: str, asof: date | None) -> str:
    """Return the relative link to the ticker page, carrying the overview's as-of date when one is set."""
    return f"ticker?symbol={symbol}" + (f"&asof={asof.isoformat()}" if asof else "")


@dataclass(frozen=True)
class Row:
    """One symbol's table cells (``cells``, keyed by :data:`COLUMNS`), its signals and its holding."""

    cells: dict[str, object]
    signals: Signals
    holding: Holding | None


def row(picture: TechnicalPicture, position: Position | None, asof: date | None) -> Row:
    """Return the table row of ``picture`` (and of the user's ``position`` of it, if any)."""
    sig = signals(picture)
    snap = picture.snapshot
    action = picture.action
    holding = None if position is None else Holding(position, snap.close, snap.prev_close)
    spark = window(picture.frame, SPARKLINE_RANGE)["close"].round(4).tolist()
    cells: dict[str, object] = {
        "Ticker": picture.symbol, "Chart": ticker_link(picture.symbol, asof), "Last bar": snap.date.isoformat(),
        "Price": snap.close, "Change ($)": snap.change, "Change (%)": snap.change_pct,
        "Shares": None if position is None else position.shares,
        "Avg cost": None if position is None else position.avg_cost,
        "Market value": None if holding is None else holding.market_value,
        "Gain ($)": None if holding is None else holding.gain,
        "Gain (%)": None if holding is None else holding.gain_pct,
        "Day change ($)": None if holding is None else holding.day_change,
        "Support": level_text(sig.support), "Support (%)": sig.support_pct,
        "Resistance": level_text(sig.resistance), "Resistance (%)": sig.resistance_pct,
        "Trendline": trend_text(sig), "EMA stack": stack_text(sig), "Cross": cross_text(sig),
        "%B": sig.percent_b, "Target": sig.target, "Upside (%)": sig.upside_pct, "6M": spark,
        "Volume": snap.volume, "Prev Close": snap.prev_close, "Open": snap.open,
        "Latest analyst action": "—" if action is None else (
            f"{action.date:%Y-%m-%d} {action.firm} · {action.rating_to or 'rating not stated'} · PT "
            + target_change(action.target_from, action.target_to)),
    }
    return Row(cells, sig, holding)


def keep(sig: Signals, view: OverviewView) -> bool:
    """Return whether a row with signals ``sig`` passes the view's filters."""
    if view.tickers and sig.symbol not in view.tickers:
        return False
    if view.state and sig.trend_state not in view.states:
        return False
    if any(sig.above(a) is not True for a in view.above):
        return False
    if any(sig.above(b) is not False for b in view.below):
        return False
    return not (view.cross and (sig.cross is None or sig.cross.kind != view.cross))


def table(rows: list[Row], view: OverviewView) -> pd.DataFrame:
    """Return the filtered and sorted table of ``rows`` with the positions' total row last (when any)."""
    kept = [r for r in rows if keep(r.signals, view)]
    frame = pd.DataFrame([r.cells for r in kept], columns=list(COLUMNS))
    numeric = [c for c in COLUMNS if c not in TEXT_COLUMNS]
    frame[numeric] = frame[numeric].astype("float64")  # missing values are NaN (blank), not None
    if view.sort:
        frame = frame.sort_values(view.sort, ascending=view.order == "asc", na_position="last", kind="stable",
                                  key=lambda s: s.map(_sort_key) if s.dtype == object else s)
    frame = frame.reset_index(drop=True)
    holdings = [r.holding for r in kept if r.holding is not None]
    if holdings:
        t = totals(holdings)
        total = {c: None for c in COLUMNS} | {
            "Ticker": TOTAL, "Market value": t.market_value, "Gain ($)": t.gain, "Gain (%)": t.gain_pct,
            "Day change ($)": t.day_change,
        }
        frame = pd.concat([frame, pd.DataFrame([total], columns=list(COLUMNS)).astype({c: "float64" for c in numeric})],
                          ignore_index=True)
    return frame


def _sort_key(value: object) -> object:
    """Sort key of a text or sparkline cell: the text itself; a sparkline by its change over the window."""
    if isinstance(value, list):
        return value[-1] / value[0] - 1.0 if value and value[0] else None
    return value


def data_notice(results: list[LoadResult]) -> DataNotice | None:
    """Return the one notice for the page from the loads' refresh outcomes (typed codes, not message text).

    The store unreadable (a database outage, a damaged file) → that warning, first; offline for every symbol → an
    info line; live data missing for some → one warning line with the range of last bars; the raw messages go into
    ``details``. None when live data was had (or was not due).
    """
    down = [r.store_notice for r in results if r.store_notice is not None]
    if down:
        return DataNotice("warning", down[0],
                          tuple(f"{r.symbol}: {r.refresh.message}" for r in results
                                if r.refresh is not None and r.refresh.message and r.refresh.cause != "store"))
    offline = [r for r in results if r.refresh is not None and r.refresh.outcome == "offline"]
    failed = [r for r in results if r.refresh is not None and (
        r.refresh.outcome in ("error", "empty") or (r.refresh.outcome == "skipped" and r.refresh.message))]
    if not offline and not failed:
        return None
    affected = failed or offline
    lasts = sorted(r.last_bar for r in affected if r.last_bar is not None)
    span = f"last bars {lasts[0]} to {lasts[-1]}" if lasts and lasts[0] != lasts[-1] else (
        f"last bar {lasts[0]}" if lasts else "no stored bars")
    details = tuple(f"{r.symbol}: {r.refresh.message}" for r in failed if r.refresh is not None and r.refresh.message)
    if failed:
        kinds = sorted({_failure_word(r) for r in failed})
        who = "" if len(failed) == len(results) else f" for {len(failed)} of {len(results)} tickers"
        return DataNotice("warning", f"Live data unavailable ({', '.join(kinds)}){who}: showing stored data; {span}.",
                          details)
    return DataNotice("info", f"Offline mode: live data is off; showing stored data, {span}.", details)


def _failure_word(result: LoadResult) -> str:
    """Return what kept live data away, from the typed outcome: the source's failure kind, or a cool-down."""
    refresh = result.refresh
    if refresh is None:
        return "source error"
    if refresh.outcome == "skipped":
        return "source cooling down"
    return refresh.cause or ("no answer" if refresh.outcome == "empty" else "source error")


def build_overview(universe: list[str], view: OverviewView, load: Callable[[str], LoadResult],
                   picture_for: Callable[[str, date | None], TechnicalPicture],
                   positions: Mapping[str, Position]) -> Overview:
    """Return the :class:`Overview` of ``universe`` for ``view``.

    ``load`` returns a symbol's bars (after a live refresh when due); ``picture_for(symbol, asof)`` its cached
    picture as of a date (None = latest). An as-of date before a symbol's first bar leaves that symbol out, one
    after every last bar shows the latest bars; both are said in ``messages``.
    """
    results = [load(s) for s in universe]
    messages: list[str] = []
    asof = view.asof
    lasts = [r.last_bar for r in results if r.last_bar is not None]
    if asof is not None and lasts and asof > max(lasts):
        messages.append(f"As-of date {asof.isoformat()} is after the last bar ({max(lasts).isoformat()});"
                        " showing the latest bars.")
        asof = None
    rows = []
    for result in results:
        if result.bars.empty:
            messages.append(f"{result.symbol}: no data available.")
            continue
        if asof is not None and result.first_bar is not None and asof < result.first_bar:
            messages.append(f"{result.symbol}: no bar on or before {asof.isoformat()} (first bar"
                            f" {result.first_bar.isoformat()}); left out.")
            continue
        rows.append(row(picture_for(result.symbol, asof), positions.get(result.symbol), asof))
    shown = replace(view, asof=asof)
    return Overview(table(rows, shown), data_notice(results), tuple(messages), len(rows),
                    sum(r.holding is not None for r in rows))


REQUEST_WORDS = {
    "not_found": "not found by the refresh worker",
    "capped": "not added: the store follows its most symbols",
}


def request_notes(requests: list[SymbolRequest]) -> list[str]:
    """Return one line for the symbols added through the form that wait for the refresh worker, and one per
    recent request that came to nothing (newest first), from ``requests`` (newest first)."""
    added = [r for r in requests if r.purpose == "watchlist"]
    waiting = sorted({r.symbol for r in added if r.outcome is None})
    notes = [f"Waiting for the refresh worker: {', '.join(waiting)}."] if waiting else []
    seen: set[str] = set()
    for r in added:
        if r.outcome in REQUEST_WORDS and r.symbol not in seen and r.symbol not in waiting:
            seen.add(r.symbol)
            notes.append(f"{r.symbol}: {REQUEST_WORDS[r.outcome]}.")
    return notes[:6]
