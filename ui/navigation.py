"""Guard against Streamlit's legacy ``pages/`` directory mode on a fresh server.

Streamlit runs the first session of a new server in "MPA v1" mode when a ``pages/`` folder sits next
to the main script: a direct link such as ``/ticker?symbol=CLSK`` then executes ``pages/ticker.py``
without ``dashboard.py`` (no ``st.navigation``, no page config, file names in the sidebar). The first
public ``st.navigation`` call switches the process to the normal mode (it clears
``PagesManager.uses_pages_directory``; the legacy runner uses a private variant that does not), so a page
that finds it was started without ``dashboard.py`` clears that flag the same way and asks for one rerun.
"""

from __future__ import annotations

import streamlit as st

MARKER = "_levels_navigation"


def mark_navigation() -> None:
    """Record that this script run went through ``dashboard.py`` (call it there)."""
    st.session_state[MARKER] = True


def require_navigation() -> None:
    """Rerun through ``dashboard.py`` if this page was started directly in legacy mode (call at page top)."""
    if not st.session_state.get(MARKER):
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False  # what st.navigation itself does
        st.rerun()
