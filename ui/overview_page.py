"""What the overview page needs besides its layout: the filter widgets' values as a view, messages for rejected
URL values, the table's column formats and its CSV export."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from ui.overview_view import OverviewView
from ui.viewstate import QueryValue, shown_value


def filter_messages(params: Mapping[str, QueryValue], universe: list[str], columns: tuple[str, ...],
                    bounds: tuple[date | None, date | None]) -> list[str]:
    """Return one message per URL value the page ignores (decoded by :class:`OverviewView`): tickers outside the
    universe and an as-of date outside ``bounds`` (first and last bar of the universe) included."""
    view, messages = OverviewView.from_query(params, columns)
    messages += [f"{shown_value(t)} is not in the list of tickers; ignored." for t in view.tickers
                 if t not in universe]
    first, last = bounds
    if view.asof is not None and last is not None and view.asof > last:
        messages.append(f"As-of date {view.asof.isoformat()} is after the last bar ({last.isoformat()});"
                        " showing the latest bars.")
    elif view.asof is not None and first is not None and view.asof < first:
        messages.append(f"As-of date {view.asof.isoformat()} is before the first bar ({first.isoformat()});"
                        " showing the latest bars.")
    return messages


def read_filters(state: Mapping[Any, Any]) -> OverviewView:
    """Return the view the filter widgets hold (their keys are the URL keys)."""
    asof = state.get("asof")
    order = state.get("order") or "asc"
    return OverviewView(
        asof=asof if isinstance(asof, date) else None,
        state=tuple(state.get("state") or ()), above=tuple(state.get("above") or ()),
        below=tuple(state.get("below") or ()), cross=state.get("cross") or None,
        tickers=tuple(state.get("ticker") or ()), sort=state.get("sort") or None,
        order="desc" if order == "desc" else "asc",
    )


def column_config() -> dict[str, Any]:
    """Return the st.dataframe column formats of the overview table."""
    pct = st.column_config.NumberColumn(format="%+.2f%%")
    usd = st.column_config.NumberColumn(format="dollar")  # $1,722.00, -$131.60
    signed_usd = usd
    return {
        "Ticker": st.column_config.TextColumn(pinned=True),
        "Chart": st.column_config.LinkColumn("Chart", display_text="Chart ↗"),
        "Price": usd, "Change ($)": st.column_config.NumberColumn(format="%+.2f"), "Change (%)": pct,
        "Shares": st.column_config.NumberColumn(format="%.4g"), "Avg cost": usd, "Market value": usd,
        "Gain ($)": signed_usd, "Gain (%)": pct, "Day change ($)": signed_usd,
        "Support (%)": pct, "Resistance (%)": pct,
        "%B": st.column_config.NumberColumn(format="%.2f", help="(close − lower band) / (upper − lower band)"),
        "Target": usd, "Upside (%)": pct,
        "6M": st.column_config.LineChartColumn("6M", help="Closes of the six months up to the row's bar"),
        "Volume": st.column_config.NumberColumn(format="localized"), "Prev Close": usd, "Open": usd,
    }


def export_csv(table: pd.DataFrame) -> str:
    """Return the table as CSV text (without the sparkline and link columns; values unrounded)."""
    return str(table.drop(columns=["6M", "Chart"]).to_csv(index=False))
