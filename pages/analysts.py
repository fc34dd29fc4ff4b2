"""Analyst actions page: every action across the universe, newest first, filterable by ticker and firm."""

import streamlit as st

from ui import data
from ui.labels import md_escape
from ui.navigation import require_navigation
from ui.tables import analyst_table
from ui.viewstate import shown_value

require_navigation()

st.title("Analyst actions")
table = analyst_table(data.actions())
# The URL as opened (the bound widgets below silently drop values that are not options).
requested = {key: [v for v in st.query_params.get_all(key) if v != ""] for key in ("tickers", "firms")}
choices = {"tickers": sorted(table["Ticker"].unique()), "firms": sorted(table["Firm"].unique())}
cols = st.columns(2)
tickers = cols[0].multiselect("Ticker", choices["tickers"], key="tickers", bind="query-params")
firms = cols[1].multiselect("Firm", choices["firms"], key="firms", bind="query-params")
for key, label in (("tickers", "Ticker"), ("firms", "Firm")):
    ignored = [v for v in requested[key] if v not in choices[key]]
    if ignored:
        more = f" and {len(ignored) - 5} more" if len(ignored) > 5 else ""
        st.warning(
            md_escape(f"{label} filter {', '.join(shown_value(v, 30) for v in ignored[:5])}{more} ignored:"
                      f" not among the {label.lower()}s with analyst actions."),
            icon=":material/warning:",
        )
if tickers:
    table = table[table["Ticker"].isin(tickers)]
if firms:
    table = table[table["Firm"].isin(firms)]
st.caption(f"{len(table)} action(s), newest first. Sources: bundled snapshot and, when online, yfinance.")
st.dataframe(table, hide_index=True)
