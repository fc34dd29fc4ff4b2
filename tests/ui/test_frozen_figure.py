"""FrozenFigure: the chart's dict is made once, equals plotly's own, and Streamlit draws it unchanged."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from streamlit.testing.v1 import AppTest

from analyst.picture import build_picture
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from ui.chart import build_figure
from ui.frozen_figure import FrozenFigure
from ui.viewstate import OVERLAYS, ViewState


def _spec() -> dict:
    return {
        "data": [{"type": "scatter", "x": np.array(["2026-01-02", "2026-01-05"], dtype="U10"),
                  "y": np.array([1.5, 2.25]), "name": "line"}],
        "layout": {"title": {"text": "T"}, "height": 300},
    }


def test_to_dict_is_plotlys_own_dict_made_once() -> None:
    frozen = FrozenFigure(_spec())
    plain = go.Figure(_spec(), _validate=False)
    assert pio.to_json(frozen.to_dict()) == pio.to_json(plain.to_dict())
    assert frozen.to_json() == plain.to_json()
    assert frozen.to_dict() is frozen.to_dict()  # no copy, no base64 pass on later calls
    assert frozen.to_dict()["data"][0]["y"]["dtype"] == "f8"  # arrays packed as plotly packs them


def test_the_chart_is_frozen_and_serializes_as_a_plain_figure() -> None:
    bars = read_bars("CLSK")
    actions = Snapshot(BUNDLED_DIR).actions()
    picture = build_picture("CLSK", bars, actions)
    figure = build_figure(picture.frame, actions, ViewState(symbol="CLSK", show=OVERLAYS), picture=picture)
    assert isinstance(figure, FrozenFigure)
    fresh = go.Figure.to_dict(figure)  # what plotly makes of the figure's traces and layout now
    assert json.loads(figure.to_json()) == json.loads(pio.to_json(fresh))


def _page() -> None:
    import numpy as np
    import plotly.graph_objects as go
    import streamlit as st

    from ui.frozen_figure import FrozenFigure

    spec = {"data": [{"type": "scatter", "x": np.array(["2026-01-02", "2026-01-05"], dtype="U10"),
                      "y": np.array([1.5, 2.25]), "name": "line"}], "layout": {"height": 300}}
    frozen = FrozenFigure(spec)
    before = frozen.to_json()
    st.plotly_chart(frozen, key="frozen")
    st.plotly_chart(go.Figure(spec, _validate=False), key="plain")
    st.plotly_chart(frozen, key="again")
    st.session_state["unchanged"] = frozen.to_json() == before


def test_streamlit_draws_a_frozen_figure_as_the_plain_one_and_leaves_it_unchanged() -> None:
    at = AppTest.from_function(_page).run()
    assert not at.exception
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert len(specs) == 3
    assert specs[0]["data"] == specs[1]["data"] == specs[2]["data"]
    assert at.session_state["unchanged"]
