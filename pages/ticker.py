"""Ticker page (URL path /ticker): the chart first (one header row, a toolbar, the chart), then the brief, the key
numbers as of a date and, folded, the trendlines/levels and the ticker's analyst actions.

The page body is a fragment: a change of ticker or as-of date reruns the body only, not the app's navigation
(``dashboard.py``), and the browser redraws the body only. The chart and its toolbar are a fragment inside it, so a
range, scale, overlay or legend change reruns the chart alone."""

from dataclasses import replace
from urllib.parse import urlsplit

import streamlit as st

from indicators.windows import RANGE_PRESETS
from ui import data
from ui.chart_style import ChartStyle, Device, device_of, legend_by_default
from ui.labels import md_escape
from ui.navigation import require_navigation
from ui.palette import Theme, theme_of
from ui.tables import export_csv
from ui.ticker_url import ASOF_KEY, SYMBOL_KEY, on_asof, on_symbol, sync_url
from ui.ticker_view import ResolvedView, notice_summary, resolve
from ui.viewstate import DEFAULT_OVERLAYS, DEFAULT_RANGE, OVERLAYS, SCALES, ViewState

# A legend click acts at once: Plotly otherwise waits 300 ms for a possible double click (which would isolate
# the line; the legend's itemdoubleclick is off). It also shortens the plot's double click (reset zoom) to 20 ms:
# reset with the toolbar's "Reset axes" button instead.
PLOTLY_CONFIG = {"displaylogo": False, "doubleClickDelay": 20}

require_navigation()


@st.fragment
def chart_panel(resolved: ResolvedView, device: Device, theme: Theme) -> None:
    """The toolbar (range, scale and, behind one button, the overlays and the legend; all bound to the URL), the
    chart and the share link of the resolved view."""
    shown = resolved.view
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        rng = st.segmented_control("Range", RANGE_PRESETS, default=DEFAULT_RANGE, required=True, key="range",
                                   bind="query-params", label_visibility="collapsed")
        scale = st.segmented_control("Scale", SCALES, default="linear", required=True, key="scale",
                                     bind="query-params", label_visibility="collapsed")
        chosen = st.session_state.get("show")  # None before the pills' first run: then the URL's choice
        with st.popover(f"Overlays · {len(shown.show if chosen is None else chosen)}", key="overlay_menu",
                        icon=":material/stacked_line_chart:"):
            show = st.pills("Overlays", OVERLAYS, selection_mode="multi", default=list(DEFAULT_OVERLAYS),
                            key="show", bind="query-params")
            legend = st.toggle("Legend", value=legend_by_default(device), key="legend", bind="query-params",
                               help="The value tags at the right edge name every line; the legend lists them too."
                                    " Clicking a tag or a legend entry hides or shows its line in this browser"
                                    " only.")
    style = ChartStyle(theme=theme, device=device, legend=legend)
    view = replace(shown, range=rng or DEFAULT_RANGE, scale=scale or "linear", show=tuple(show or ()),
                   legend=None if legend == legend_by_default(device) else legend)
    figure = data.chart(view, style)
    st.plotly_chart(figure, key="chart", config=PLOTLY_CONFIG)
    base = st.context.url or ""
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    # A popover's content is drawn only when it is opened: the code block (and its copy icon) costs nothing
    # until then.
    with st.popover("Share this view", icon=":material/link:"):
        st.caption("This link pins the as-of date, so it shows the same bars next month. It holds the range, scale,"
                   " overlays and legend chosen above; lines hidden by clicking the chart's tags or legend are not"
                   " in it. Copy it with the icon.")
        st.code(replace(resolved, view=view).share_url(origin), language=None, wrap_lines=True)


@st.fragment
def ticker_body() -> None:
    """The page: header row, chart panel, brief, key levels and the folded tables."""
    requested, url_messages = ViewState.from_query({k: st.query_params.get_all(k) for k in st.query_params})
    resolved = resolve(requested, data.universe(), data.load)
    result = resolved.result
    shown = resolved.view

    sync_url(shown)  # the address bar says what is shown; the ticker and as-of widgets follow the URL

    if result.bars.empty:
        st.title(f"{shown.symbol} technical levels")
        st.error("No price data is available for any symbol. Check the bundled data folder.")
        st.stop()

    # One compact row: title, the ticker and as-of menus, where the data comes from and a short notice line (detail
    # inside). The ticker and the as-of date sit behind two menu buttons: a popover draws its content only when it is
    # opened, so a visit loads no selectbox or date-picker code (~25 script chunks) before the chart.
    fetched = f" · fetched {result.fetched_at:%Y-%m-%d %H:%M} UTC" if result.fetched_at else ""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.title(f"{shown.symbol} technical levels", width="content")
        with st.popover("Ticker", icon=":material/swap_horiz:", key="ticker_menu"):
            st.pills("Ticker", resolved.options, key=SYMBOL_KEY, on_change=on_symbol, required=True,
                     label_visibility="collapsed")
        with st.popover("As of", icon=":material/event:", key="asof_menu"):
            st.date_input(
                "As of (close)", key=ASOF_KEY, value=None, min_value=result.first_bar, max_value=result.last_bar,
                on_change=on_asof, format="YYYY-MM-DD", width=170,
                help="Empty = latest bar. Nothing after this day is used. A typed date applies when the field loses"
                     " focus (click anywhere); Escape closes the menu without it.",
            )
        when = f"latest bar {resolved.asof}" if shown.asof is None else f"as of {resolved.asof} close"
        st.caption(f"{' + '.join(result.sources)} · {when}{fetched}", width="content")
        summary = notice_summary(result)
        if summary is not None:
            with st.popover(summary.label, icon=":material/cloud_off:", type="tertiary", key="notices"):
                for notice in summary.notices:
                    (st.info if notice.info else st.warning)(md_escape(notice), icon=":material/cloud_off:")

    for message in [*url_messages, *resolved.messages]:
        st.warning(md_escape(message), icon=":material/warning:")

    device = device_of(st.context.headers)
    theme = theme_of(st.context.theme.type)
    chart_panel(resolved, device, theme)

    assert resolved.asof is not None  # there are bars (the page stopped above otherwise)
    tables = data.ticker_tables(shown, resolved.asof)
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
            lambda: export_csv(data.picture_as_of(shown.symbol, shown.asof).frame,
                               st.session_state.get("range") or DEFAULT_RANGE),
            file_name=f"{shown.symbol}_{resolved.asof}_bars.csv", mime="text/csv", icon=":material/download:",
            on_click="ignore",
        )

    # The long tables are folded and drawn only once opened (lazy expanders): a change of ticker or date then redraws
    # the chart without laying out two large tables first.
    with st.expander("Trendlines and levels", key="levels_table", on_change="rerun") as levels_table:
        if levels_table.open:
            st.markdown(tables.levels_md)

    with st.expander(f"Analyst actions ({tables.analyst_rows})", key="analysts_table",
                     on_change="rerun") as analysts_table:
        if analysts_table.open:
            if tables.analyst_rows == 0:
                st.caption(f"No analyst actions for {shown.symbol} on or before {resolved.asof}.")
            else:
                st.markdown(tables.analysts_md)


ticker_body()
