"""Overview page (default): the universe at a glance; a row opens the ticker page."""

import streamlit as st

from ui import data
from ui.labels import md_escape
from ui.navigation import require_navigation
from ui.overview import overview_table

require_navigation()

st.title("Technical levels · overview")
universe = data.universe()
table, notices = overview_table(
    universe, data.load, lambda s: data.indicators(s, data.version(s), None), data.actions()
)
for notice in notices:
    (st.info if "Offline mode" in notice else st.warning)(md_escape(notice), icon=":material/cloud_off:")

pct = st.column_config.NumberColumn(format="%+.2f%%")
usd = st.column_config.NumberColumn(format="$%.2f")
st.caption("Latest bar per ticker. Select a row (or use the link) to open its chart.")
event = st.dataframe(
    table,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="overview_table",
    column_config={
        "Open page": st.column_config.LinkColumn("Open page", display_text="Chart ↗"),
        "Price": usd, "Change ($)": st.column_config.NumberColumn(format="%+.2f"), "Change (%)": pct,
        "Volume": st.column_config.NumberColumn(format="localized"), "Prev Close": usd, "Open": usd,
        "vs EMA 20 (%)": pct, "vs EMA 50 (%)": pct, "vs EMA 100 (%)": pct, "vs EMA 200 (%)": pct,
        "Target": usd, "Upside (%)": pct,
    },
)
selected = event.selection.rows if event is not None else []
if selected:
    st.switch_page("pages/ticker.py", query_params={"symbol": table.iloc[selected[0]]["Ticker"]})

with st.form("add_symbol", clear_on_submit=True, border=False):
    cols = st.columns([3, 1])
    raw = cols[0].text_input("Add a symbol", max_chars=15, placeholder="e.g. HUT, BITF, BTC-USD")
    if cols[1].form_submit_button("Add") and raw:
        symbol, message = data.repository().add_symbol(raw)
        if symbol:
            # Rerun so the table shows the new row; keep the confirmation for that run (a rerun clears the page).
            st.session_state["_add_symbol_message"] = message
            st.rerun()
        st.error(md_escape(message))
if "_add_symbol_message" in st.session_state:
    st.success(md_escape(st.session_state.pop("_add_symbol_message")))
