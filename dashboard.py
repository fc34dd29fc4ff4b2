"""Entry point: `streamlit run dashboard.py`. Sets up navigation only; each page lives in pages/."""

import streamlit as st

from ui.navigation import mark_navigation

st.set_page_config(page_title="Technical levels", page_icon="📈", layout="wide")

mark_navigation()
navigation = st.navigation(  # in the header: the pages get the full width
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/table:", default=True),
        st.Page("pages/ticker.py", title="Ticker", icon=":material/candlestick_chart:", url_path="ticker"),
        st.Page("pages/analysts.py", title="Analyst actions", icon=":material/account_balance:", url_path="analysts"),
    ],
    position="top",
)
navigation.run()
