"""Cached analyst-target data for the pages: track records per ticker and the hand-entered rows.

Caches are keyed by plain arguments (symbol, data version, actions version); ``after_entry_change`` clears the
actions cache so a hand-entered row joins the chart, the consensus and the track record at once.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analyst.targets import TRACK_COLUMNS, track_record
from marketdata.store import StoreError
from ui import data


@st.cache_data(show_spinner=False, max_entries=256)
def track(symbol: str, version: str, asof: date | None, actions_version: str) -> pd.DataFrame:
    """Return the track record of ``symbol``'s targets as of ``asof`` (None: its last bar), with a ``ticker``
    column; empty when there are no bars."""
    bars = data.load(symbol, refresh=False).bars
    if bars.empty:
        return pd.DataFrame(columns=["ticker", *TRACK_COLUMNS])
    cut = bars.loc[: pd.Timestamp(asof)] if asof is not None else bars
    if cut.empty:
        return pd.DataFrame(columns=["ticker", *TRACK_COLUMNS])
    return track_record(data.actions(), bars, symbol, cut.index[-1].date()).assign(ticker=symbol)


def tracks(symbols: list[str]) -> pd.DataFrame:
    """Return the track records of ``symbols`` as of each one's last bar, stacked."""
    version = data.actions_version()
    parts = [track(s, data.version(s), None, version) for s in symbols]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["ticker", *TRACK_COLUMNS])


def entries(user: str) -> pd.DataFrame:
    """Return the hand-entered rows of ``user`` that are not removed, newest entry first (empty on a store
    error)."""
    try:
        frame = data.repository().store.user_actions()
    except StoreError:
        return pd.DataFrame(columns=["entry_id"])
    return frame[frame["entered_by"] == user].sort_values("entered_at", ascending=False, kind="stable")


def after_entry_change() -> None:
    """Forget the cached analyst actions, so every page sees an added or removed entry on its next run."""
    data.clear_actions()
