"""Overview page (default): the universe as a screener, with signals, positions and filters kept in the URL."""

import streamlit as st

from ui import data
from ui.labels import md_escape
from ui.navigation import require_navigation
from ui.overview import COLUMNS, build_overview, request_notes, visible_columns
from ui.overview_page import column_config, export_csv, filter_messages, read_filters
from ui.overview_view import AVERAGES, CROSSES, ORDERS, SLUG_STATES
from ui.positions_form import remove_position, save_position

require_navigation()

st.title("Technical levels · overview")
universe = data.universe()
bounds = data.bar_bounds(tuple(universe))
messages = filter_messages({k: st.query_params.get_all(k) for k in st.query_params}, universe, COLUMNS, bounds)

with st.container(horizontal=True, vertical_alignment="bottom"):
    st.date_input("As of (close)", key="asof", value=None, min_value=bounds[0], max_value=bounds[1],
                  format="YYYY-MM-DD", bind="query-params", width=170,
                  help="Empty = each ticker's latest bar. Nothing after this day is used.")
    st.multiselect("Ticker", universe, key="ticker", bind="query-params", placeholder="all", width=260)
    st.multiselect("Trendline", list(SLUG_STATES), key="state", bind="query-params", placeholder="any", width=260,
                   help="The state of the support trendline near the price (the URL holds these words).")
    st.multiselect("Above", AVERAGES, key="above", bind="query-params", placeholder="—", width=220)
    st.multiselect("Below", AVERAGES, key="below", bind="query-params", placeholder="—", width=220)
    st.segmented_control("Cross (20 bars)", CROSSES, key="cross", bind="query-params")
    st.selectbox("Sort by", COLUMNS, key="sort", index=None, bind="query-params", placeholder="—", width=170)
    st.segmented_control("Order", ORDERS, key="order", default="asc", required=True, bind="query-params")
view = read_filters(st.session_state)

for message in messages:
    st.warning(md_escape(message), icon=":material/warning:")

overview = build_overview(universe, view, data.load, data.picture_as_of, data.positions())
notice = overview.notice
if notice is not None:
    (st.info if notice.level == "info" else st.warning)(md_escape(notice.text), icon=":material/cloud_off:")
    if notice.details:
        with st.expander("Details"):
            for line in notice.details:
                st.caption(md_escape(line))
for message in overview.messages:
    st.warning(md_escape(message), icon=":material/warning:")

table = overview.table
st.caption(f"{len(table) - int(table['Ticker'].eq('Total').any())} of {overview.symbols} tickers"
           + (f" as of {view.asof.isoformat()}" if view.asof else ", latest bar each")
           + ". Select a row (or use the link) to open its chart.")
event = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row", key="overview_table",
                     column_config=column_config(), column_order=visible_columns(overview.holdings > 0))
selected = event.selection.rows if event is not None else []
if selected and table.iloc[selected[0]]["Ticker"] != "Total":
    params = {"symbol": str(table.iloc[selected[0]]["Ticker"])}
    if view.asof is not None:
        params["asof"] = view.asof.isoformat()
    st.switch_page("pages/ticker.py", query_params=params)
st.download_button("Table (CSV)", export_csv(table), file_name="overview.csv", mime="text/csv",
                   icon=":material/download:", on_click="ignore")

with st.form("add_symbol", clear_on_submit=True, border=False):
    cols = st.columns([3, 1])
    raw = cols[0].text_input("Add a symbol", max_chars=15, placeholder="e.g. HUT, BITF, BTC-USD")
    if cols[1].form_submit_button("Add") and raw:
        added = data.repository().add_symbol(raw)
        if added.outcome in ("added", "already", "queued"):
            # Rerun so the table (and the queue) shows it; keep the message for that run (a rerun clears the page).
            st.session_state["_add_symbol_message"] = (added.outcome, added.message)
            st.rerun()
        st.error(md_escape(added.message))
if "_add_symbol_message" in st.session_state:
    outcome, message = st.session_state.pop("_add_symbol_message")
    (st.info if outcome == "queued" else st.success)(md_escape(message))
for note in request_notes(data.symbol_requests()):
    st.caption(md_escape(note))

access = data.positions_access()
with st.expander("Your positions", icon=":material/account_balance_wallet:"):
    if access.owner is None:
        st.caption(md_escape(access.reason))
    else:
        with st.form("position", border=False):
            cols = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
            symbol = cols[0].selectbox("Ticker", universe, key="position_symbol")
            shares = cols[1].text_input("Shares", key="position_shares", max_chars=40, placeholder="e.g. 150 or 0.5")
            cost = cols[2].text_input("Average cost ($)", key="position_cost", max_chars=40, placeholder="e.g. 9.20")
            if cols[3].form_submit_button("Save"):
                st.session_state["_position_message"] = save_position(data.repository(), access.owner, symbol,
                                                                      shares, cost)
                st.rerun()
        held = sorted(data.positions())
        if held:
            cols = st.columns([4, 1], vertical_alignment="bottom")
            gone = cols[0].selectbox("Remove a position", held, index=None, key="position_remove", placeholder="—")
            if cols[1].button("Remove", key="position_remove_button"):
                st.session_state["_position_message"] = remove_position(data.repository(), access.owner, gone)
                st.rerun()
        st.caption("Gain = (price − average cost) × shares on the row's close; kept in the store, edits and removals"
                   " are added to its history (nothing is overwritten).")
result = st.session_state.pop("_position_message", None)
if result is not None:
    (st.success if result.ok else st.error)(md_escape(result.message))
