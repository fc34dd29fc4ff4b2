"""The ticker chart: a plotly figure from an indicator frame, analyst actions and the view state.

Only the visible window is sent to the browser (indicators were computed on the full history before
the cut); dates travel as ``YYYY-MM-DD`` strings and prices are rounded to 4 decimals. Weekends and
market holidays inside the window are hidden with two cheap ``rangebreaks`` (a weekend pattern and
the few holiday dates of the window) instead of one break per missing day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analyst.picture import TechnicalPicture
from indicators.crosses import Cross
from indicators.key_levels import KeyLevel
from indicators.moving_averages import EMA_WINDOWS, SMA_WINDOWS
from indicators.trendlines import Trendline
from indicators.windows import window
from ui.targets_chart import target_traces
from ui.viewstate import ViewState

EMA_COLORS: dict[int, str] = dict(zip(EMA_WINDOWS, ("#1f77b4", "#ff7f0e", "#9467bd", "#d62728"), strict=True))
SMA_COLORS: dict[int, str] = dict(zip(SMA_WINDOWS, ("#17becf", "#bcbd22", "#8c564b"), strict=True))
GOLDEN_COLOR, DEATH_COLOR = "#b8860b", "#424242"
BAND_COLOR = "rgba(120, 144, 156, 0.9)"
BAND_FILL = "rgba(120, 144, 156, 0.12)"
UP, DOWN = "#26a69a", "#ef5350"
SUPPORT_COLOR, RESISTANCE_COLOR, BROKEN_COLOR = "#00897b", "#c62828", "#9e9e9e"
SUPPORT_ZONE, RESISTANCE_ZONE = "rgba(0, 137, 123, 0.10)", "rgba(198, 40, 40, 0.08)"
EXTENSION_BARS = 10
MAX_LINES = 3  # trendlines drawn per side
MAX_KEY_LEVELS = 2  # key levels drawn per side: the immediate one and the next (what the brief names)


def _dates(index: pd.DatetimeIndex) -> list[str]:
    return list(index.strftime("%Y-%m-%d"))


def _values(series: pd.Series) -> np.ndarray:
    values: np.ndarray = series.astype("float64").round(4).to_numpy()
    return values


def holidays(index: pd.DatetimeIndex) -> list[str]:
    """Return the weekdays between the first and last date of ``index`` that have no bar."""
    if len(index) == 0:
        return []
    weekdays = pd.bdate_range(index[0], index[-1])
    return _dates(weekdays.difference(index))


def trendline_name(line: Trendline) -> str:
    """Return the legend name of a trendline, e.g. ``'Support trendline since 2025-04 (3 touches)'``."""
    return f"{line.kind.capitalize()} trendline since {line.first_date:%Y-%m} ({line.n_touches} touches)"


def key_level_name(key: KeyLevel) -> str:
    """Return the chart label of a key level, e.g. ``'S $11.06'``, ``'R $12.30–13.70'``, ``'52w high $23.61'``,
    ``'SMA 50 $16.79'``."""
    if key.kind in ("ema", "sma", "band", "extreme"):
        return f"{key.name} ${key.price:,.2f}"
    if key.kind == "trendline":
        return f"{key.name.split()[0]} line ${key.price:,.2f}"
    side = "S" if key.side == "support" else "R"
    if key.zone_high - key.zone_low >= 0.02 * key.price:
        return f"{side} ${key.zone_low:,.2f}–{key.zone_high:,.2f}"
    return f"{side} ${key.price:,.2f}"


def _trendline_traces(traces: list[dict[str, Any]], frame: pd.DataFrame, first_day: pd.Timestamp,
                      lines: tuple[Trendline, ...]) -> None:
    if not len(frame):
        return
    t = len(frame) - 1
    start_pos = int(frame.index.searchsorted(first_day))
    future = pd.bdate_range(frame.index[-1] + pd.Timedelta(days=1), periods=EXTENSION_BARS)
    all_x = [*_dates(frame.index), *_dates(future)]
    for line in lines:
        color = BROKEN_COLOR if line.status == "broken" else (
            SUPPORT_COLOR if line.kind == "support" else RESISTANCE_COLOR)
        lo = max(line.anchor_positions[0], start_pos)
        positions = np.arange(lo, t + EXTENSION_BARS + 1)
        values = np.exp(line.intercept_log + line.slope_log_per_bar * positions)
        name = trendline_name(line)
        traces.append({
            "type": "scatter", "x": all_x[lo : t + EXTENSION_BARS + 1], "y": np.round(values, 4), "mode": "lines",
            "name": name, "legendgroup": name,
            "line": {"color": color, "width": 2, "dash": "dot" if line.status == "broken" else "solid"},
            "hovertemplate": f"{name}<br>{line.status}, %{{y:.2f}}<extra></extra>",
        })
        touches = [(d, p) for d, p in zip(line.touch_dates, line.touch_prices, strict=True)
                   if pd.Timestamp(d) >= first_day]
        if touches:
            shape = "triangle-up" if line.kind == "support" else "triangle-down"
            # a provisional last touch (not yet confirmed by five later bars) is drawn hollow
            symbols = [f"{shape}-open" if line.provisional and i == len(touches) - 1 else shape
                       for i in range(len(touches))]
            traces.append({
                "type": "scatter", "x": [f"{d:%Y-%m-%d}" for d, _ in touches], "y": [round(p, 4) for _, p in touches],
                "mode": "markers", "name": f"{name} touches", "legendgroup": name, "showlegend": False,
                "marker": {"symbol": symbols, "size": 9, "color": color, "line": {"width": 1, "color": color}},
                "hovertemplate": "touch %{x}: %{y:.2f}<extra></extra>",
            })


def _key_levels(shapes: list[dict[str, Any]], traces: list[dict[str, Any]], picture: TechnicalPicture, x0: str,
                x1: str, last: str) -> None:
    """Draw the key levels the brief names (immediate and next on each side): horizontal levels and zones as
    light bands with a dashed line and a label; moving averages, bands and trendlines as a labelled tick on the
    as-of bar (their own lines are overlays that may be switched off)."""
    refs = {"xref": "x", "yref": "y", "x0": x0, "x1": x1, "layer": "below"}
    for keys, fill, color in ((picture.key.supports, SUPPORT_ZONE, SUPPORT_COLOR),
                              (picture.key.resistances, RESISTANCE_ZONE, RESISTANCE_COLOR)):
        for key in keys[:MAX_KEY_LEVELS]:
            label = key_level_name(key)
            if key.kind in ("horizontal", "extreme"):
                text = {"text": label, "textposition": "top left", "font": {"size": 10, "color": color}}
                if key.zone_high - key.zone_low > 1e-9:
                    shapes.append({"type": "rect", "y0": key.zone_low, "y1": key.zone_high, "fillcolor": fill,
                                   "line": {"width": 0}, **refs})
                shapes.append({"type": "line", "y0": key.price, "y1": key.price, "label": text,
                               "line": {"color": color, "width": 1, "dash": "dash"}, **refs})
            else:
                traces.append({
                    "type": "scatter", "x": [last], "y": [round(key.price, 4)], "mode": "markers+text",
                    "name": label, "text": [label], "textposition": "middle left", "showlegend": False,
                    "marker": {"symbol": "line-ew-open", "size": 14, "color": color, "line": {"width": 2}},
                    "textfont": {"size": 10, "color": color}, "hovertemplate": f"{label}<extra></extra>",
                })


def _cross_traces(traces: list[dict[str, Any]], crosses: tuple[Cross, ...], first_day: pd.Timestamp) -> None:
    """Mark golden crosses (▲) and death crosses (▼) of the window at the slow average's value."""
    for kind, color, symbol in (("golden", GOLDEN_COLOR, "triangle-up"), ("death", DEATH_COLOR, "triangle-down")):
        shown = [c for c in crosses if c.kind == kind and pd.Timestamp(c.date) >= first_day]
        if not shown:
            continue
        traces.append({
            "type": "scatter", "x": [f"{c.date:%Y-%m-%d}" for c in shown], "y": [round(c.price, 4) for c in shown],
            "mode": "markers", "name": f"{kind.capitalize()} cross", "text": [c.label for c in shown],
            "marker": {"symbol": symbol, "size": 13, "color": color, "line": {"width": 1, "color": "white"}},
            "hovertemplate": "%{x}: %{text}<extra></extra>",
        })


def _line(x: list[str], y: np.ndarray, name: str, line: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "x": x, "y": y, "name": name, "mode": "lines", "line": line,
            "hovertemplate": "%{y:.2f}", **extra}


def build_figure(frame: pd.DataFrame, actions: pd.DataFrame, view: ViewState, height: int = 720,
                 picture: TechnicalPicture | None = None) -> go.Figure:
    """Return the chart for ``frame`` (an indicator frame already cut at the as-of date).

    Traces: ``Price`` (candlestick), ``EMA 20``/``EMA 50``/``EMA 100``/``EMA 200``, ``BB upper``,
    ``BB lower`` (filled to the upper band), ``BB middle``, the ``Targets`` overlay (see ui.targets_chart)
    and ``Volume`` in a lower panel (axes ``x2``/``y2``) — each only when its overlay is on in ``view``. With a
    ``picture`` (the same as-of date), its best support/resistance trendlines (``Support trendline since …``, drawn
    from the first anchor, or the window start, to 10 bars past the as-of bar, touches marked) and the nearest
    horizontal levels (zones as light bands, layout shapes) are drawn too, under the ``Trendlines`` and ``Levels``
    overlays.

    The figure is assembled as plain dicts and wrapped without plotly's per-property validation (which cost
    ~0.4 s per chart here); the tests render every overlay combination through Streamlit and a real browser.
    """
    visible = window(frame, view.range)
    with_volume = view.shows("Volume")
    x = _dates(visible.index)
    traces: list[dict[str, Any]] = [{
        "type": "candlestick", "x": x, "open": _values(visible["open"]), "high": _values(visible["high"]),
        "low": _values(visible["low"]), "close": _values(visible["close"]), "name": "Price",
        "increasing": {"line": {"color": UP}}, "decreasing": {"line": {"color": DOWN}},
    }]
    shapes: list[dict[str, Any]] = []
    if view.shows("BB"):
        band = {"color": BAND_COLOR, "width": 1}
        traces.append(_line(x, _values(visible["bb_upper"]), "BB upper", band, legendgroup="bb"))
        traces.append(_line(x, _values(visible["bb_lower"]), "BB lower", band, legendgroup="bb", fill="tonexty",
                            fillcolor=BAND_FILL))
        traces.append(_line(x, _values(visible["bb_mid"]), "BB middle", {**band, "dash": "dot"}, legendgroup="bb"))
    for w, color in EMA_COLORS.items():
        if view.shows(f"EMA{w}"):
            traces.append(_line(x, _values(visible[f"ema_{w}"]), f"EMA {w}", {"color": color, "width": 1.4}))
    for w, color in SMA_COLORS.items():
        if view.shows(f"SMA{w}"):
            traces.append(_line(x, _values(visible[f"sma_{w}"]), f"SMA {w}",
                                {"color": color, "width": 1.4, "dash": "dash"}))
    last_day = frame.index[-1] if len(frame) else pd.Timestamp.today().normalize()
    first_day = visible.index[0] if len(visible) else last_day
    targets = target_traces(traces, frame, visible, actions, view.symbol) if view.shows("Targets") else None
    if picture is not None and view.shows("Trendlines"):
        _trendline_traces(traces, frame, first_day, (*_drawn_lines(picture, picture.supports),
                                                     *_drawn_lines(picture, picture.resistance_lines)))
    if picture is not None and view.shows("Crosses"):
        _cross_traces(traces, picture.crosses, first_day)
    if with_volume:
        colors = np.where(visible["close"].to_numpy() >= visible["open"].to_numpy(), UP, DOWN)
        traces.append({
            "type": "bar", "x": x, "y": visible["volume"].to_numpy(), "name": "Volume", "xaxis": "x2", "yaxis": "y2",
            "marker": {"color": list(colors), "line": {"width": 0}}, "opacity": 0.6, "showlegend": False,
            "hovertemplate": "%{y:,.0f}",
        })
    span_days = max((last_day - first_day).days, 20)
    right = last_day + pd.Timedelta(days=max(3, round(span_days * 0.04)))
    breaks: list[dict[str, Any]] = [{"bounds": ["sat", "mon"]}]
    hols = holidays(visible.index)
    if hols:
        breaks.append({"values": hols})
    if picture is not None and view.shows("Levels"):
        _key_levels(shapes, traces, picture, first_day.strftime("%Y-%m-%d"), right.strftime("%Y-%m-%d"),
                    last_day.strftime("%Y-%m-%d"))
    xaxis = {"rangebreaks": breaks, "range": [first_day.strftime("%Y-%m-%d"), right.strftime("%Y-%m-%d")],
             "rangeslider": {"visible": False}, "showspikes": True, "spikemode": "across", "spikethickness": 1}
    asof_text = last_day.strftime("%Y-%m-%d")
    layout: dict[str, Any] = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 40, "b": 40}, "hovermode": "x unified",
        "title": {"text": f"{view.symbol} · daily · as of {asof_text} close", "x": 0.01},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.06, "xanchor": "left", "x": 0.0},
        "uirevision": f"{view.symbol}-{view.range}-{asof_text}", "shapes": shapes,
        "xaxis": {**xaxis, "anchor": "y", "domain": [0.0, 1.0]},
        "yaxis": {"type": view.scale, "title": {"text": "Price ($)"}, "range": _price_range(visible, targets, view),
                  "anchor": "x", "domain": [0.0, 1.0]},
    }
    if with_volume:  # the layout make_subplots(rows=2, shared_xaxes=True, row_heights=[0.78, 0.22]) would give
        layout["xaxis"].update({"matches": "x2", "showticklabels": False})
        layout["yaxis"]["domain"] = [0.2434, 1.0]
        layout["xaxis2"] = {**xaxis, "anchor": "y2", "domain": [0.0, 1.0]}
        layout["yaxis2"] = {"anchor": "x2", "domain": [0.0, 0.2134], "title": {"text": "Volume"}}
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def _price_range(visible: pd.DataFrame, targets: tuple[float, float] | None, view: ViewState) -> list[float] | None:
    """Return the price axis range: the visible candles (and bands and the ``targets`` drawn), padded by 4%.

    Trendlines and levels far from the price are clipped rather than allowed to squash the candles.
    """
    if visible.empty:
        return None
    lo, hi = float(visible["low"].min()), float(visible["high"].max())
    if view.shows("BB"):
        lo = min(lo, float(visible["bb_lower"].min(skipna=True)))
        hi = max(hi, float(visible["bb_upper"].max(skipna=True)))
    if targets is not None:
        lo, hi = min(lo, targets[0]), max(hi, targets[1])
    if view.scale == "log":
        span = np.log10(hi) - np.log10(lo)
        return [float(np.log10(lo) - 0.04 * span), float(np.log10(hi) + 0.04 * span)]
    span = hi - lo
    return [max(0.0, lo - 0.04 * span), hi + 0.04 * span]


def _drawn_lines(picture: TechnicalPicture, lines: tuple[Trendline, ...]) -> list[Trendline]:
    """Return up to :data:`MAX_LINES` lines of one side to draw: those the brief or the key levels name first,
    then holding lines (best score first), then broken ones."""
    named = {id(k.line) for k in (*picture.key.supports, *picture.key.resistances) if k.line is not None}
    primary = picture.primary_support()
    if primary is not None:
        named.add(id(primary))
    return sorted(lines, key=lambda t: (id(t) not in named, t.status == "broken", -t.score))[:MAX_LINES]
