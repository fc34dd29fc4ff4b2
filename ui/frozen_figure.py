"""A plotly figure serialized once: for figures that are cached and drawn on many reruns but never changed."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


class FrozenFigure(go.Figure):
    """A ``go.Figure`` whose dict form is computed once, when it is made, and handed out by every ``to_dict`` call.

    ``st.plotly_chart`` turns a figure into a dict on every rerun (``plotly.tools.return_figure_from_figure_or_data``
    calls ``to_dict``: a deep copy of every trace and a base64 pass over every array; ~6 ms for the ticker's 1-year
    chart on a quiet machine, and it holds the GIL while the server sends the page's other messages). A cached
    chart is drawn on many reruns, by many sessions, and never changed, so its dict can be made once.

    ``to_dict()`` returns that one dict, shared by every caller: read it, never change it (``st.plotly_chart``
    and ``plotly.io.to_json`` only read it). Change the figure through plotly's API and the dict no longer follows:
    a frozen figure is made from a finished spec and left alone. ``spec`` is a figure dict (``data``, ``layout``)
    that plotly does not validate (``_validate=False``), as ``go.Figure(spec, _validate=False)``.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__(spec, _validate=False)
        self._frozen_dict: dict[str, Any] = super().to_dict()

    def to_dict(self) -> dict[str, Any]:
        """Return the figure as a dict, arrays base64-packed as ``go.Figure.to_dict`` writes them (computed once,
        when the figure was made; shared, so do not change it)."""
        return self._frozen_dict
