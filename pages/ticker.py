"""Ticker page (URL path /ticker): chart, key numbers as of a date, and the ticker's analyst actions."""

from dataclasses import replace
from datetime import date
from urllib.parse import urlsplit

import streamlit as st

from indicators.windows import RANGE_PRESETS
from ui import data
from ui.labels import md_escape
from ui.navigation import require_navigation
from ui.tables import export_csv
from ui.ticker_view import resolve
from ui.viewstate import DEFAULT_OVERLAYS, DEFAULT_RANGE, OVERLAYS, SCALES, ViewState

require_navigation()

requested, url_messages = ViewState.from_query({k: st.query_params.get_all(k) for k in st.query_params})
resolved = resolve(requested, data.universe(), data.load)
result = resolved.result
shown = resolved.view

# Keep the address bar truthful about what is shown, and the widgets in step with the URL.
if st.query_params.get_all("symbol") != [shown.symbol]:  # also drops an ignored repeated value
    st.query_params["symbol"] = shown.symbol
if shown.asof is None and "asof" in st.query_params:
    del st.query_params["asof"]
elif shown.asof is not None and st.query_params.get_all("asof") != [shown.asof.isoformat()]:
    st.query_params["asof"] = shown.asof.isoformat()
if st.session_state.get("_ticker_url") != (shown.symbol, shown.asof) or "ticker_symbol" not in st.session_state:
    st.session_state["ticker_symbol"] = shown.symbol
    st.session_state["ticker_asof"] = shown.asof
    st.session_state["_ticker_url"] = (shown.symbol, shown.asof)


def _on_symbol() -> None:
    st.query_params["symbol"] = st.session_state["ticker_symbol"]


def _on_asof() -> None:
    picked: date | None = st.session_state["ticker_asof"]
    if picked is None:
        st.query_params.pop("asof", None)
    else:
        st.query_params["asof"] = picked.isoformat()


st.title(f"{shown.symbol} technical levels")
top = st.columns([2, 2, 5])
top[0].selectbox("Ticker", resolved.options, key="ticker_symbol", on_change=_on_symbol)
top[1].date_input(
    "As of (close)", key="ticker_asof", value=None, min_value=result.first_bar, max_value=result.last_bar,
    on_change=_on_asof, format="YYYY-MM-DD", help="Empty = latest bar. Nothing after this day is used.",
)

for message in [*url_messages, *resolved.messages]:
    st.warning(md_escape(message), icon=":material/warning:")
for notice in result.notices:
    (st.info if notice.startswith("Offline mode") else st.warning)(md_escape(notice), icon=":material/cloud_off:")

if result.bars.empty:
    st.error("No price data is available for any symbol. Check the bundled data folder.")
    st.stop()

version = data.version(shown.symbol)
actions_version = data.actions_version()
fetched = f" · fetched {result.fetched_at:%Y-%m-%d %H:%M} UTC" if result.fetched_at else ""
top[2].caption(
    f"Data: {result.source_label}{fetched}  \nShowing as of {resolved.asof} close"
    + (" (latest)" if shown.asof is None else "")
)


@st.fragment
def chart_panel() -> None:
    controls = st.columns([3, 2, 3])
    rng = controls[0].segmented_control("Range", RANGE_PRESETS, default=DEFAULT_RANGE, required=True,
                                        key="range", bind="query-params")
    scale = controls[1].segmented_control("Scale", SCALES, default="linear", required=True,
                                          key="scale", bind="query-params")
    show = st.pills("Overlays", OVERLAYS, selection_mode="multi", default=list(DEFAULT_OVERLAYS),
                     key="show", bind="query-params")
    view = replace(shown, range=rng or DEFAULT_RANGE, scale=scale or "linear", show=tuple(show or ()))
    figure = data.chart(view.symbol, version, view.asof, actions_version, view.range, view.scale, view.show)
    st.plotly_chart(figure, key="chart", config={"displaylogo": False})
    base = st.context.url or ""
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    # A popover's content is drawn only when it is opened: the code block (and its copy icon) costs nothing
    # until then.
    with st.popover("Share this view", icon=":material/link:"):
        st.caption("This link pins the as-of date, so it shows the same bars next month. Copy it with the icon.")
        st.code(replace(resolved, view=view).share_url(origin), language=None, wrap_lines=True)


chart_panel()

assert resolved.asof is not None  # there are bars (the page stopped above otherwise)
tables = data.ticker_tables(shown.symbol, version, shown.asof, resolved.asof, actions_version)
left, right = st.columns([3, 2])
with left:
    st.subheader(f"Brief · {resolved.asof}")
    st.markdown(md_escape(tables.brief_text))
with right:
    st.subheader("Key levels")
    st.markdown(tables.key_numbers_md)
    exports = st.columns(2)
    exports[0].download_button(
        "Brief (Markdown)", tables.brief_markdown, file_name=f"{shown.symbol}_{resolved.asof}_brief.md",
        mime="text/markdown", icon=":material/description:", on_click="ignore",
    )
    exports[1].download_button(
        "Bars + indicators (CSV)",
        lambda: export_csv(data.picture(shown.symbol, version, shown.asof, actions_version).frame,
                           st.session_state.get("range") or DEFAULT_RANGE),
        file_name=f"{shown.symbol}_{resolved.asof}_bars.csv", mime="text/csv", icon=":material/download:",
        on_click="ignore",
    )

st.subheader("Trendlines and levels")
st.markdown(tables.levels_md)

st.subheader("Analyst actions")
if tables.analyst_rows == 0:
    st.caption(f"No analyst actions for {shown.symbol} on or before {resolved.asof}.")
else:
    st.markdown(tables.analysts_md)
