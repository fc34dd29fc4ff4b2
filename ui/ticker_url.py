"""The ticker page's address bar and its ticker/as-of widgets kept in step (Streamlit session state and query
parameters). The range, scale, overlay and legend widgets are bound to the URL by Streamlit itself
(``bind="query-params"``); the ticker and the as-of date are not, because the URL's values are resolved first
(an unknown symbol, a date outside the data) and the page shows what it resolved to."""

from __future__ import annotations

from datetime import date

import streamlit as st

from ui.viewstate import ViewState

SYMBOL_KEY = "ticker_symbol"  # the widget key of the ticker menu's pills
ASOF_KEY = "ticker_asof"  # the as-of date input's widget key
_SHOWN_KEY = "_ticker_url"  # the (symbol, as-of) last written to the widgets from the URL


def sync_url(shown: ViewState) -> None:
    """Make the address bar say what ``shown`` (the resolved view) shows, and set the ticker and as-of widgets to it
    when the URL changed (a link opened, back/forward) or on the first run.

    A repeated or ignored ``symbol``/``asof`` parameter is rewritten to the one value shown; an as-of date that
    resolved to the latest bar is removed.
    """
    if st.query_params.get_all("symbol") != [shown.symbol]:  # also drops an ignored repeated value
        st.query_params["symbol"] = shown.symbol
    if shown.asof is None and "asof" in st.query_params:
        del st.query_params["asof"]
    elif shown.asof is not None and st.query_params.get_all("asof") != [shown.asof.isoformat()]:
        st.query_params["asof"] = shown.asof.isoformat()
    if st.session_state.get(_SHOWN_KEY) != (shown.symbol, shown.asof) or SYMBOL_KEY not in st.session_state:
        st.session_state[SYMBOL_KEY] = shown.symbol
        st.session_state[ASOF_KEY] = shown.asof
        st.session_state[_SHOWN_KEY] = (shown.symbol, shown.asof)


def on_symbol() -> None:
    """Widget callback: the ticker picked in the ticker menu goes into the URL (the next run resolves it)."""
    st.query_params["symbol"] = st.session_state[SYMBOL_KEY]


def on_asof() -> None:
    """Widget callback: the as-of date picked goes into the URL; a cleared date removes it (latest bar)."""
    picked: date | None = st.session_state[ASOF_KEY]
    if picked is None:
        st.query_params.pop("asof", None)
    else:
        st.query_params["asof"] = picked.isoformat()
