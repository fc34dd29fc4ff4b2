"""Analyst actions page: every action with its target outcome, the firm scorecard, and hand-entered actions."""

from datetime import date

import streamlit as st

from analyst.targets import scorecard
from marketdata.store import StoreError
from ui import data, targets_data
from ui.analysts_view import ACTION_OPTIONS, FIRST_DAY, LAST_DAY, AnalystsView
from ui.hand_entry import LABELS, check_entry
from ui.identity import current_user
from ui.labels import md_escape
from ui.navigation import require_navigation
from ui.target_tables import actions_table, matching_track, scorecard_table

require_navigation()

st.title("Analyst actions")
actions = data.actions()
choices = {"tickers": sorted(actions["ticker"].unique()), "firms": sorted(actions["firm"].unique())}
# The URL as opened (the bound widgets below silently drop values that are not options).
view, messages = AnalystsView.from_query({k: st.query_params.get_all(k) for k in st.query_params}, choices)
cols = st.columns([2, 3, 3, 2, 2])
cols[0].multiselect("Ticker", choices["tickers"], key="tickers", bind="query-params")
cols[1].multiselect("Firm", choices["firms"], key="firms", bind="query-params")
cols[2].multiselect("Action", ACTION_OPTIONS, key="actions", bind="query-params")
cols[3].date_input("From", value=None, key="from", format="YYYY-MM-DD", bind="query-params",
                   min_value=FIRST_DAY, max_value=LAST_DAY)
cols[4].date_input("To", value=None, key="to", format="YYYY-MM-DD", bind="query-params",
                   min_value=FIRST_DAY, max_value=LAST_DAY)
picked = AnalystsView.from_widgets(st.session_state)
for message in messages:
    st.warning(md_escape(message), icon=":material/warning:")

shown = picked.apply(actions)
track = targets_data.tracks(data.universe())
table = actions_table(shown, track)
st.caption(f"{len(table)} action(s), newest first. Status: whether the target was reached within its window"
           " (365 days, or the stated horizon), from bars up to the last bar. Sources: bundled data (the page each"
           " row was read from), hand entries, and yfinance when online.")
pct = st.column_config.NumberColumn(format="%+.1f%%")
st.dataframe(table, hide_index=True, column_config={
    "Source": st.column_config.LinkColumn("Source", display_text=r"https?://(?:www\.)?([^/?#]+)"),
    "Return 3M (%)": pct, "Return 6M (%)": pct, "Return 12M (%)": pct,
    "Days": st.column_config.NumberColumn(format="%d"),
})

st.subheader("Firm scorecard")
st.caption("Targets of the actions above. Hit rate = reached / (reached + missed): pending targets are not counted.")
st.dataframe(scorecard_table(scorecard(matching_track(track, shown))), hide_index=True, column_config={
    "Hit rate (%)": st.column_config.NumberColumn(format="%.0f%%"),
    "Median days to reach": st.column_config.NumberColumn(format="%.0f"),
})

st.subheader("Add an action by hand")
user = current_user(st.user)
st.caption("For a note read before any feed has it. It joins the chart, the consensus and the track record at"
           " once, marked as user-entered; only you can remove it.")
with st.form("add_action", clear_on_submit=False):
    row1 = st.columns(4)
    fields: dict[str, object] = {
        "date": row1[0].date_input("Date", value=None, format="YYYY-MM-DD", max_value=date(2100, 1, 1)),
        "ticker": row1[1].text_input("Ticker", max_chars=15),
        "firm": row1[2].text_input("Firm", max_chars=80),
        "analysts": row1[3].text_input("Analysts", max_chars=120),
    }
    row2 = st.columns(4)
    fields["action"] = row2[0].selectbox("Action", ACTION_OPTIONS, index=None,
                                         format_func=lambda a: a.replace("_", " "))
    fields["rating_from"] = row2[1].text_input("Rating from", max_chars=40)
    fields["rating_to"] = row2[2].text_input("Rating to", max_chars=40)
    fields["target_horizon"] = row2[3].date_input("Target horizon", value=None, format="YYYY-MM-DD",
                                                  max_value=date(2100, 1, 1))
    row3 = st.columns([1, 1, 4])
    fields["target_from"] = row3[0].text_input("Target from ($)", max_chars=20)
    fields["target_to"] = row3[1].text_input("Target to ($)", max_chars=20)
    fields["source"] = row3[2].text_input("Source address", max_chars=500,
                                          placeholder="address of the page the action was read from")
    fields["note"] = st.text_input("Note", max_chars=500)
    submitted = st.form_submit_button("Add action")
if submitted:
    row, problems = check_entry(fields)
    for field, problem in problems.items():
        st.error(md_escape(f"{LABELS.get(field, field)}: {problem}"), icon=":material/error:")
    if row is not None:
        try:
            data.repository().store.add_user_action(row, user)
        except StoreError as exc:
            st.error(md_escape(f"The action was not stored: {exc}"), icon=":material/error:")
        else:
            targets_data.after_entry_change()
            st.session_state["_entry_message"] = (f"Added {row.at[0, 'firm']} on {row.at[0, 'ticker']}"
                                                  f" ({row.at[0, 'date']:%Y-%m-%d}).")
            st.rerun()
if "_entry_message" in st.session_state:
    st.success(md_escape(st.session_state.pop("_entry_message")))

mine = targets_data.entries(user)
if len(mine):
    st.caption(f"Your entries ({md_escape(user)}):")
    for r in mine.itertuples(index=False):
        line = st.columns([6, 1])
        target = "" if r.target_to != r.target_to else f" · PT ${r.target_to:,.2f}"
        line[0].markdown(md_escape(f"{r.date:%Y-%m-%d} {r.ticker} · {r.firm} · {r.action.replace('_', ' ')}"
                                   f"{target} (entered {r.entered_at})"))
        if line[1].button("Remove", key=f"remove_{r.entry_id}"):
            if data.repository().store.retract_user_action(r.entry_id, user):
                targets_data.after_entry_change()
                st.rerun()
            st.error("That entry could not be removed: it is not yours or was already removed.")
