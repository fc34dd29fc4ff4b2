"""Cached data access for the pages (Streamlit caches keyed by plain arguments, never by DataFrames)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analyst.brief import write_brief
from analyst.picture import TechnicalPicture, build_picture
from analyst.targets import track_record
from marketdata.positions import Position
from marketdata.repository import LoadResult, Repository, default_repository
from marketdata.store import StoreError, SymbolRequest
from ui.chart import build_figure
from ui.chart_style import DEFAULT_STYLE, ChartStyle
from ui.identity import PositionsAccess, positions_owner
from ui.tables import key_numbers, lines_and_levels, markdown_table
from ui.target_tables import ticker_table
from ui.viewstate import ViewState


def _release(repo: Repository) -> None:
    repo.close()


@st.cache_resource(show_spinner=False, on_release=_release)
def repository() -> Repository:
    """Return the process-wide repository (settings from the environment, yfinance as live source); its store's
    connections are closed when the cache lets it go."""
    return default_repository()


class _StoreDown(Exception):
    """Raised inside a cached function whose data was read while the store was down, so nothing is cached."""

    def __init__(self, result: LoadResult | None = None) -> None:
        super().__init__()
        self.result = result  # the bars read (bundled only), when it was the bars that could not be read


@st.cache_data(show_spinner=False, max_entries=64)
def _load(symbol: str, version: str) -> LoadResult:
    result = repository().load(symbol, refresh=False)
    if result.store_failed:
        raise _StoreDown(result)
    return result


def _loaded(symbol: str, version: str) -> LoadResult:
    try:
        return _load(symbol, version)
    except _StoreDown as down:
        assert down.result is not None
        return down.result


def load(symbol: str, refresh: bool = True) -> LoadResult:
    """Return the bars for ``symbol``, after a live refresh when one is due (see Repository.refresh).

    Cached per data version (see Repository.data_version), so bars another process stored reach the page within
    the store's version TTL; a result read while the store was down is never cached (the page recovers by itself).
    """
    repo = repository()
    outcome = repo.refresh(symbol) if refresh else None
    result = _loaded(symbol, repo.data_version(symbol))
    return repo.with_refresh(result, outcome) if outcome is not None else result


def version(symbol: str) -> str:
    """Return the data version of ``symbol`` (cache key)."""
    return repository().data_version(symbol)


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha1(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()[:16]


@st.cache_data(show_spinner=False, max_entries=8)
def _actions(store_version: str) -> tuple[pd.DataFrame, str]:
    frame = repository().actions(strict=True)  # a StoreError is raised, so nothing is cached
    return frame, f"{len(frame)}:{_digest(frame)}"


def _without_store(repo: Repository) -> tuple[pd.DataFrame, str]:
    """The actions and their version while the store cannot be read (the bundled ones; never cached)."""
    frame = repo.actions()
    return frame, f"{len(frame)}:{_digest(frame)}:store-down"


def _actions_and_version() -> tuple[pd.DataFrame, str]:
    repo = repository()
    try:
        return _actions(repo.actions_version())
    except StoreError:
        return _without_store(repo)


def clear_actions() -> None:
    """Forget the cached analyst actions (after a user added or removed one)."""
    _actions.clear()
    _actions_key.clear()


def actions() -> pd.DataFrame:
    """Return all analyst actions (bundled + stored), newest first; re-read when the store's actions change."""
    return _actions_and_version()[0]


@st.cache_data(show_spinner=False, max_entries=8)
def _actions_key(store_version: str) -> str:
    return _actions(store_version)[1]


def actions_version() -> str:
    """Return a string that changes whenever the analyst actions change (a cache key).

    Read from a cache of its own: every chart and table lookup asks for it, and the cached actions themselves come
    back as an unpickled copy of the whole frame.
    """
    repo = repository()
    try:
        return _actions_key(repo.actions_version())
    except StoreError:
        return _without_store(repo)[1]


def universe() -> list[str]:
    """Return the default symbols followed by the ones the user added."""
    return repository().universe()


def symbol_requests() -> list[SymbolRequest]:
    """Return the newest requests for the refresh worker, newest first (team mode; empty otherwise)."""
    repo = repository()
    return repo.symbol_requests() if repo.settings.refresh_mode == "worker" else []


def _strict_actions() -> pd.DataFrame:
    """The actions for a cached function: raise (nothing cached) when they were read while the store was down."""
    frame, version = _actions_and_version()
    if version.endswith(":store-down"):
        raise _StoreDown()
    return frame


@st.cache_data(show_spinner=False, max_entries=256)
def _picture(symbol: str, version: str, asof: date | None, actions_version: str) -> TechnicalPicture:
    return build_picture(symbol, _load(symbol, version).bars, _strict_actions(), asof)


def _picture_at(symbol: str, version: str, asof: date | None, actions_version: str) -> TechnicalPicture:
    """Return the technical picture (indicators, trendlines, levels, latest action) of ``symbol`` as of ``asof``.

    Cached per data version of the bars and of the analyst actions (the picture holds the latest action).
    """
    try:
        return _picture(symbol, version, asof, actions_version)
    except _StoreDown:
        return build_picture(symbol, _loaded(symbol, version).bars, actions(), asof)


def picture_as_of(symbol: str, asof: date | None) -> TechnicalPicture:
    """Return the picture of ``symbol`` as of ``asof`` (None = latest), cached per data and actions version."""
    return _picture_at(symbol, version(symbol), asof, actions_version())


def bar_bounds(symbols: tuple[str, ...]) -> tuple[date | None, date | None]:
    """Return the first bar of any of ``symbols`` and the last bar of any (stored data, no refresh)."""
    results = [load(s, refresh=False) for s in symbols]
    firsts = [r.first_bar for r in results if r.first_bar is not None]
    lasts = [r.last_bar for r in results if r.last_bar is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def positions_access() -> PositionsAccess:
    """Return whose positions this visit shows and edits (None owner: the feature is off, with the reason)."""
    return positions_owner(repository().settings, st.user)


def positions() -> dict[str, Position]:
    """Return the visitor's positions by symbol (none when the feature is off or the store cannot be read)."""
    owner = positions_access().owner
    if owner is None:
        return {}
    try:
        return repository().positions(owner)
    except StoreError:
        return {}


@st.cache_resource(show_spinner=False, max_entries=128)
def _chart(symbol: str, version: str, asof: date | None, actions_version: str, range_: str, scale: str,
           show: tuple[str, ...], style: ChartStyle) -> go.Figure:
    pic = _picture(symbol, version, asof, actions_version)
    view = ViewState(symbol=symbol, asof=asof, range=range_, scale=scale, show=show)
    return build_figure(pic.frame, _strict_actions(), view, picture=pic, style=style)


def chart(view: ViewState, style: ChartStyle = DEFAULT_STYLE) -> go.Figure:
    """Return the chart of ``view`` (see ui.chart.build_figure), built once per view, data version of its symbol,
    analyst-actions version and chart style (theme, device class, legend); the versions are looked up here.

    A resource cache: every session gets the same figure object, which nothing mutates (st.plotly_chart
    serializes a copy), so a rerun neither rebuilds nor unpickles it.
    """
    symbol, asof = view.symbol, view.asof
    data_version, actions_key = version(symbol), actions_version()
    try:
        return _chart(symbol, data_version, asof, actions_key, view.range, view.scale, view.show, style)
    except _StoreDown:
        pic = _picture_at(symbol, data_version, asof, actions_key)
        return build_figure(pic.frame, actions(), view, picture=pic, style=style)


@dataclass(frozen=True)
class TickerTables:
    """What the ticker page shows under the chart for one symbol and as-of bar, ready to write.

    ``brief_text`` is plain text (escape it for Markdown); ``brief_markdown`` is the export file; the ``*_md``
    fields are escaped Markdown tables (see ui.tables.markdown_table); ``analyst_rows`` counts the actions.
    """

    brief_text: str
    brief_markdown: str
    levels_md: str
    key_numbers_md: str
    analysts_md: str
    analyst_rows: int


def _tables(pic: TechnicalPicture, actions_frame: pd.DataFrame, bars: pd.DataFrame, symbol: str,
            bar: date) -> TickerTables:
    brief = write_brief(pic)
    analysts = ticker_table(actions_frame, track_record(actions_frame, bars, symbol, bar), symbol, bar)
    return TickerTables(
        brief.text, brief.markdown(),
        markdown_table(lines_and_levels(pic), {"Level": "${:,.2f}", "vs close (%)": "{:+.1f}%"}),
        markdown_table(key_numbers(pic.snapshot), {"Value": "${:,.2f}", "Close vs level (%)": "{:+.2f}%"}),
        markdown_table(analysts, raw={"Source"}), len(analysts),
    )


@st.cache_data(show_spinner=False, max_entries=256)
def _ticker_tables(symbol: str, version: str, asof: date | None, bar: date, actions_version: str) -> TickerTables:
    return _tables(_picture(symbol, version, asof, actions_version), _strict_actions(), _load(symbol, version).bars,
                   symbol, bar)


def ticker_tables(view: ViewState, bar: date) -> TickerTables:
    """Return the brief and the tables of the ticker page for ``view``'s symbol as of its as-of date (``bar``: the
    as-of bar's date), cached per data and analyst-actions version (looked up here)."""
    symbol, asof = view.symbol, view.asof
    data_version, actions_key = version(symbol), actions_version()
    try:
        return _ticker_tables(symbol, data_version, asof, bar, actions_key)
    except _StoreDown:
        return _tables(_picture_at(symbol, data_version, asof, actions_key), actions(),
                       _loaded(symbol, data_version).bars, symbol, bar)
