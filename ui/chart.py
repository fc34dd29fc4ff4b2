"""The ticker chart: a plotly figure from an indicator frame, analyst actions and the view state.

Only the visible window is sent to the browser (indicators were computed on the full history before
the cut); dates travel as ``YYYY-MM-DD`` strings and prices are rounded to 4 decimals. Weekends and
market holidays inside the window are hidden with two cheap ``rangebreaks`` (a weekend pattern and
the few holiday dates of the window) instead of one break per missing day.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from indicators.windows import window
from ui.labels import action_label, money
from ui.viewstate import ViewState

EMA_COLORS: dict[int, str] = {20: "#1f77b4", 50: "#ff7f0e", 100: "#9467bd", 200: "#d62728"}
BAND_COLOR = "rgba(120, 144, 156, 0.9)"
BAND_FILL = "rgba(120, 144, 156, 0.12)"
TARGET_COLOR = "#2e7d32"
UP, DOWN = "#26a69a", "#ef5350"


def _dates(index: pd.DatetimeIndex) -> list[str]:
    return list(index.strftime("%Y-%m-%d"))


def _values(series: pd.Series) -> np.ndarray:
    return series.astype("float64").round(4).to_numpy()


def holidays(index: pd.DatetimeIndex) -> list[str]:
    """Return the weekdays between the first and last date of ``index`` that have no bar."""
    if len(index) == 0:
        return []
    weekdays = pd.bdate_range(index[0], index[-1])
    return _dates(weekdays.difference(index))


def target_segments(actions: pd.DataFrame, symbol: str, asof: date) -> pd.DataFrame:
    """Return the symbol's actions with a target, dated on or before ``asof``, with ``end`` = horizon or +12 months."""
    mine = (actions["ticker"] == symbol) & (actions["date"] <= pd.Timestamp(asof)) & actions["target_to"].notna()
    rows = actions[mine].copy()
    rows["end"] = rows["target_horizon"].where(rows["target_horizon"].notna(), rows["date"] + pd.DateOffset(months=12))
    return rows


def build_figure(frame: pd.DataFrame, actions: pd.DataFrame, view: ViewState, height: int = 720) -> go.Figure:
    """Return the chart for ``frame`` (an indicator frame already cut at the as-of date).

    Traces: ``Price`` (candlestick), ``EMA 20``/``EMA 50``/``EMA 100``/``EMA 200``, ``BB upper``,
    ``BB lower`` (filled to the upper band), ``BB middle``, one ``<firm> PT …`` line per analyst target
    and ``Volume`` in a lower panel — each only when its overlay is on in ``view``.
    """
    visible = window(frame, view.range)
    with_volume = view.shows("Volume")
    if with_volume:
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.03, row_heights=[0.78, 0.22])
    else:
        fig = go.Figure()
    price_row = {"row": 1, "col": 1} if with_volume else {}
    x = _dates(visible.index)
    fig.add_trace(
        go.Candlestick(
            x=x, open=_values(visible["open"]), high=_values(visible["high"]), low=_values(visible["low"]),
            close=_values(visible["close"]), name="Price", increasing_line_color=UP, decreasing_line_color=DOWN,
        ),
        **price_row,
    )
    if view.shows("BB"):
        fig.add_trace(go.Scatter(x=x, y=_values(visible["bb_upper"]), name="BB upper", mode="lines",
                                 line={"color": BAND_COLOR, "width": 1}, legendgroup="bb",
                                 hovertemplate="%{y:.2f}"), **price_row)
        fig.add_trace(go.Scatter(x=x, y=_values(visible["bb_lower"]), name="BB lower", mode="lines",
                                 line={"color": BAND_COLOR, "width": 1}, fill="tonexty", fillcolor=BAND_FILL,
                                 legendgroup="bb", hovertemplate="%{y:.2f}"), **price_row)
        fig.add_trace(go.Scatter(x=x, y=_values(visible["bb_mid"]), name="BB middle", mode="lines",
                                 line={"color": BAND_COLOR, "width": 1, "dash": "dot"}, legendgroup="bb",
                                 hovertemplate="%{y:.2f}"), **price_row)
    for w, color in EMA_COLORS.items():
        if view.shows(f"EMA{w}"):
            fig.add_trace(go.Scatter(x=x, y=_values(visible[f"ema_{w}"]), name=f"EMA {w}", mode="lines",
                                     line={"color": color, "width": 1.4}, hovertemplate="%{y:.2f}"), **price_row)
    last_day = frame.index[-1] if len(frame) else pd.Timestamp.today().normalize()
    first_day = visible.index[0] if len(visible) else last_day
    if view.shows("Targets") and len(frame):
        for r in target_segments(actions, view.symbol, last_day.date()).itertuples(index=False):
            label = action_label(r.firm, r.action, r.rating_from, r.rating_to, r.target_from, r.target_to)
            start = max(r.date, first_day)
            if r.end < first_day:
                continue
            fig.add_trace(go.Scatter(
                x=[start.strftime("%Y-%m-%d"), r.end.strftime("%Y-%m-%d")], y=[r.target_to, r.target_to],
                name=label, mode="lines", line={"color": TARGET_COLOR, "width": 2, "dash": "dash"},
                hovertemplate=f"{label}<br>target {money(r.target_to)} to {r.end:%Y-%m-%d}<extra></extra>",
            ), **price_row)
            if r.date >= first_day:
                fig.add_trace(go.Scatter(
                    x=[r.date.strftime("%Y-%m-%d")], y=[r.target_to], mode="markers+text", name=f"{r.firm} action",
                    marker={"symbol": "star", "size": 12, "color": TARGET_COLOR}, text=[label],
                    textposition="top left", textfont={"color": TARGET_COLOR, "size": 11}, showlegend=False,
                    hovertemplate=f"{r.date:%Y-%m-%d} {label}<extra></extra>",
                ), **price_row)
    if with_volume:
        colors = np.where(visible["close"].to_numpy() >= visible["open"].to_numpy(), UP, DOWN)
        fig.add_trace(go.Bar(x=x, y=visible["volume"].to_numpy(), name="Volume", marker_color=list(colors),
                             marker_line_width=0, opacity=0.6, showlegend=False,
                             hovertemplate="%{y:,.0f}"), row=2, col=1)
    span_days = max((last_day - first_day).days, 20)
    right = last_day + pd.Timedelta(days=max(3, round(span_days * 0.04)))
    breaks = [{"bounds": ["sat", "mon"]}]
    hols = holidays(visible.index)
    if hols:
        breaks.append({"values": hols})
    fig.update_xaxes(rangebreaks=breaks, range=[first_day.strftime("%Y-%m-%d"), right.strftime("%Y-%m-%d")],
                     rangeslider_visible=False, showspikes=True, spikemode="across", spikethickness=1)
    price_axis = {"row": 1, "col": 1} if with_volume else {}
    fig.update_yaxes(type=view.scale, title_text="Price ($)", **price_axis)
    if with_volume:
        fig.update_yaxes(title_text="Volume", row=2, col=1)
    asof_text = last_day.strftime("%Y-%m-%d")
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 40, "b": 40}, hovermode="x unified",
        title={"text": f"{view.symbol} · daily · as of {asof_text} close", "x": 0.01},
        legend={"orientation": "h", "yanchor": "top", "y": -0.06, "xanchor": "left", "x": 0.0},
        xaxis_rangeslider_visible=False, uirevision=f"{view.symbol}-{view.range}-{asof_text}",
    )
    return fig
