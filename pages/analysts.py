"""Analyst actions page: every action across the universe, newest first, filterable by ticker and firm."""

import streamlit as st

from ui import data
from ui.navigation import require_navigation
from ui.tables import analyst_table

require_navigation()

st.title("Analyst actions")
table = analyst_table(data.actions())
cols = st.columns(2)
tickers = cols[0].multiselect("Ticker", sorted(table["Ticker"].unique()), key="tickers", bind="query-params")
firms = cols[1].multiselect("Firm", sorted(table["Firm"].unique()), key="firms", bind="query-params")
if tickers:
    table = table[table["Ticker"].isin(tickers)]
if firms:
    table = table[table["Firm"].isin(firms)]
st.caption(f"{len(table)} action(s), newest first. Sources: bundled snapshot and, when online, yfinance.")
st.dataframe(table, hide_index=True)
