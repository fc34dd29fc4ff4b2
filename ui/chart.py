"""The ticker chart: a plotly figure from an indicator frame, analyst actions, the view state and a chart style.

Only the visible window is sent to the browser (indicators were computed on the full history before
the cut); dates travel as ``YYYY-MM-DD`` strings and prices are rounded to 4 decimals. Weekends and
market holidays inside the window are hidden with two cheap ``rangebreaks`` (a weekend pattern and
the few holiday dates of the window) instead of one break per missing day.

Layout for a chart-first page (see ui.chart_style for the sizes of each device class):

* margins are explicit and no axis or legend may grow them (``automargin: false``, ``margin.autoexpand:
  false``): Streamlit's plotly theme turns ``automargin`` on, which makes Plotly lay the figure out twice;
* the price panel takes at least 65 % of the figure, the volume panel 14 % of the plot area under it;
* every drawn line has a value tag in the right margin (ui.value_tags), the key levels too (instead of labels
  over the candles); the legend is optional, at the bottom, and scrolls beyond its reserved height;
* the price axis range is fixed (``fixedrange``), so zooming in the browser changes dates only and the tags
  stay true.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analyst.picture import TechnicalPicture
from indicators.crosses import Cross
from indicators.key_levels import KeyLevel
from indicators.levels import HIGH_52W, LOW_52W
from indicators.moving_averages import EMA_WINDOWS, SMA_WINDOWS
from indicators.trendlines import Trendline
from indicators.windows import window
from ui.chart_style import DEFAULT_STYLE, ChartStyle
from ui.frozen_figure import FrozenFigure
from ui.palette import Palette
from ui.targets_chart import target_traces
from ui.value_tags import PriceAxis, Tag, place, price_text, tag_parts
from ui.viewstate import ViewState

EXTENSION_BARS = 10
MAX_LINES = 3  # trendlines drawn per side
MAX_KEY_LEVELS = 2  # key levels drawn per side: the immediate one and the next (what the brief names)
TAG_SWATCH = 25  # pixels before a tag's text (the stroke in the line's colour)
CHAR_WIDTH = 0.62  # a tag character's width in ems (semi-bold digits and capitals)
EXTREME_LABELS = {HIGH_52W: "52w hi", LOW_52W: "52w lo"}


def _dates(index: pd.DatetimeIndex) -> np.ndarray:
    """Return the dates as ``YYYY-MM-DD`` strings in a numpy array (plotly copies and serializes an array in one
    step; a list is walked element by element, ~5 ms of every rerun's ``st.plotly_chart`` here)."""
    dates: np.ndarray = index.strftime("%Y-%m-%d").to_numpy(dtype="U10")
    return dates


def _values(series: pd.Series) -> np.ndarray:
    values: np.ndarray = series.astype("float64").round(4).to_numpy()
    return values


def holidays(index: pd.DatetimeIndex) -> list[str]:
    """Return the weekdays between the first and last date of ``index`` that have no bar."""
    if len(index) == 0:
        return []
    weekdays = pd.bdate_range(index[0], index[-1])
    days: list[str] = _dates(weekdays.difference(index)).tolist()
    return days


def trendline_name(line: Trendline) -> str:
    """Return the legend name of a trendline, e.g. ``'Support trendline since 2025-04 (3 touches)'``."""
    return f"{line.kind.capitalize()} trendline since {line.first_date:%Y-%m} ({line.n_touches} touches)"


def key_level_name(key: KeyLevel) -> str:
    """Return the name of a key level, e.g. ``'S $11.06'``, ``'R $12.30–13.70'``, ``'52w high $23.61'``,
    ``'SMA 50 $16.79'``."""
    if key.kind in ("ema", "sma", "band", "extreme"):
        return f"{key.name} ${key.price:,.2f}"
    if key.kind == "trendline":
        return f"{key.name.split()[0]} line ${key.price:,.2f}"
    side = "S" if key.side == "support" else "R"
    if _is_zone(key):
        return f"{side} ${key.zone_low:,.2f}–{key.zone_high:,.2f}"
    return f"{side} ${key.price:,.2f}"


def _is_zone(key: KeyLevel) -> bool:
    return key.zone_high - key.zone_low >= 0.02 * key.price


def _last(series: pd.Series) -> float | None:
    value = float(series.iloc[-1]) if len(series) else math.nan
    return None if math.isnan(value) else value


class _Tags:
    """The value tags of one figure, collected while its lines are drawn (one owner for their wording)."""

    def __init__(self, labelled: bool) -> None:
        self.labelled = labelled
        self.items: list[Tag] = []

    def add(self, value: float | None, label: str, color: str, group: str, rank: int,
            phone_label: str = "") -> None:
        """Add a tag reading ``label value`` (on a phone ``phone_label value``, or the value alone)."""
        if value is None or not math.isfinite(value):
            return
        prefix = label if self.labelled else phone_label
        self.items.append(Tag(value, f"{prefix} {price_text(value)}".strip(), color, group, rank))

    def mark_key(self, group: str, value: float, side: str) -> bool:
        """Prefix ``S``/``R`` to the tag of line ``group`` at ``value`` (a key level on that line): False if none."""
        for i, tag in enumerate(self.items):
            if tag.group == group and abs(tag.value - value) <= 1e-6 * max(1.0, abs(value)):
                self.items[i] = Tag(tag.value, f"{side} {tag.text}", tag.color, tag.group, 0)
                return True
        return False


def _trendline_traces(traces: list[dict[str, Any]], tags: _Tags, palette: Palette, frame: pd.DataFrame,
                      first_day: pd.Timestamp, lines: tuple[Trendline, ...]) -> None:
    if not len(frame):
        return
    t = len(frame) - 1
    start_pos = int(frame.index.searchsorted(first_day))
    future = pd.bdate_range(frame.index[-1] + pd.Timedelta(days=1), periods=EXTENSION_BARS)
    start = min((max(line.anchor_positions[0], start_pos) for line in lines), default=t)  # the first x drawn
    all_x = np.concatenate([_dates(frame.index[start:]), _dates(future)])
    for line in lines:
        color = palette.broken if line.status == "broken" else (
            palette.support if line.kind == "support" else palette.resistance)
        lo = max(line.anchor_positions[0], start_pos)
        positions = np.arange(lo, t + EXTENSION_BARS + 1)
        values = np.exp(line.intercept_log + line.slope_log_per_bar * positions)
        name = trendline_name(line)
        traces.append({
            "type": "scatter", "x": all_x[lo - start : t + EXTENSION_BARS + 1 - start], "y": np.round(values, 4),
            "mode": "lines", "name": name, "legendgroup": name,
            "line": {"color": color, "width": 2, "dash": "dot" if line.status == "broken" else "solid"},
            "hovertemplate": f"{name}<br>{line.status}, %{{y:.2f}}<extra></extra>",
        })
        if line.status != "broken":  # a broken line is no level any more: no tag
            tags.add(line.level_at_asof, "TL", color, name, 2)
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


def _key_levels(shapes: list[dict[str, Any]], tags: _Tags, palette: Palette, picture: TechnicalPicture, x0: str,
                x1: str) -> list[float]:
    """Draw the key levels the brief names (immediate and next on each side): horizontal levels and zones as
    light bands with a dashed line, in the legend group of their value tag (a click on the tag hides them);
    a moving average, band or trendline that is a key level marks its own line's tag with ``S``/``R`` (or gets a
    tag of its own when its line is switched off). Returns the prices drawn, for the price axis."""
    refs = {"xref": "x", "yref": "y", "x0": x0, "x1": x1, "layer": "below"}
    drawn: list[float] = []
    for keys, fill, color in ((picture.key.supports, palette.support_zone, palette.support),
                              (picture.key.resistances, palette.resistance_zone, palette.resistance)):
        for key in keys[:MAX_KEY_LEVELS]:
            side = "S" if key.side == "support" else "R"
            drawn += [key.zone_low, key.zone_high]
            group = f"key {key_level_name(key)}"
            if key.kind in ("horizontal", "extreme"):
                if key.zone_high - key.zone_low > 1e-9:
                    shapes.append({"type": "rect", "y0": key.zone_low, "y1": key.zone_high, "fillcolor": fill,
                                   "line": {"width": 0}, "legendgroup": group, **refs})
                shapes.append({"type": "line", "y0": key.price, "y1": key.price, "legendgroup": group,
                               "line": {"color": color, "width": 1, "dash": "dash"}, **refs})
                label = side if key.kind == "horizontal" else EXTREME_LABELS.get(key.name, key.name)
                if _is_zone(key) and tags.labelled:
                    text = f"{label} {price_text(key.zone_low)}–{price_text(key.zone_high)}"
                    tags.items.append(Tag(key.price, text, color, group, 0))
                else:
                    tags.add(key.price, label, color, group, 0, phone_label=side)
            elif (line := _line_group(key)) is None or not tags.mark_key(line, key.price, side):
                tags.add(key.price, f"{side} {key.name.replace(' ', '')}", color, group, 0, phone_label=side)
    return drawn


def _line_group(key: KeyLevel) -> str | None:
    """Return the legend group of the drawn line a dynamic key level lies on (None when it has none)."""
    if key.kind == "trendline" and key.line is not None:
        return trendline_name(key.line)
    if key.kind in ("ema", "sma"):
        return key.name
    if key.kind == "band":
        return "bb"
    return None


def _cross_traces(traces: list[dict[str, Any]], palette: Palette, crosses: tuple[Cross, ...],
                  first_day: pd.Timestamp) -> None:
    """Mark golden crosses (▲) and death crosses (▼) of the window at the slow average's value."""
    for kind, color, symbol in (("golden", palette.golden, "triangle-up"), ("death", palette.death, "triangle-down")):
        shown = [c for c in crosses if c.kind == kind and pd.Timestamp(c.date) >= first_day]
        if not shown:
            continue
        traces.append({
            "type": "scatter", "x": [f"{c.date:%Y-%m-%d}" for c in shown], "y": [round(c.price, 4) for c in shown],
            "mode": "markers", "name": f"{kind.capitalize()} cross", "text": [c.label for c in shown],
            "marker": {"symbol": symbol, "size": 13, "color": color, "line": {"width": 1, "color": palette.outline}},
            "hovertemplate": "%{x}: %{text}<extra></extra>",
        })


def _translucent(color: str, alpha: float) -> str:
    """Return ``#rrggbb`` as an ``rgba(...)`` colour of opacity ``alpha``."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _line(x: np.ndarray, y: np.ndarray, name: str, line: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "x": x, "y": y, "name": name, "mode": "lines", "line": line,
            "hovertemplate": "%{y:.2f}", **extra}


def build_figure(frame: pd.DataFrame, actions: pd.DataFrame, view: ViewState,
                 picture: TechnicalPicture | None = None, style: ChartStyle = DEFAULT_STYLE) -> go.Figure:
    """Return the chart for ``frame`` (an indicator frame already cut at the as-of date), drawn for ``style``.

    Traces: ``Price`` (candlestick), ``EMA 20``/``EMA 50``/``EMA 100``/``EMA 200``, ``BB upper``,
    ``BB lower`` (filled to the upper band), ``BB middle``, the ``Targets`` overlay (see ui.targets_chart)
    and ``Volume`` in a lower panel (axes ``x2``/``y2``) — each only when its overlay is on in ``view``. With a
    ``picture`` (the same as-of date), its best support/resistance trendlines (``Support trendline since …``, drawn
    from the first anchor, or the window start, to 10 bars past the as-of bar, touches marked) and the nearest
    horizontal levels (zones as light bands, layout shapes) are drawn too, under the ``Trendlines`` and ``Levels``
    overlays. Then one value tag per line and key level (a one-point trace named as the tag reads, e.g.
    ``EMA50 12.34``, in its own legend ``legend2``...; see ui.value_tags), placed in the right margin.

    The figure is assembled as plain dicts and wrapped without plotly's per-property validation (which cost
    ~0.4 s per chart here); the tests render every overlay combination through Streamlit and a real browser. It is
    a :class:`~ui.frozen_figure.FrozenFigure` (its dict made once, for the chart cache): do not change it.
    """
    palette = style.palette
    tags = _Tags(style.labelled_tags)
    visible = window(frame, view.range)
    with_volume = view.shows("Volume")
    x = _dates(visible.index)
    traces: list[dict[str, Any]] = [{
        "type": "candlestick", "x": x, "open": _values(visible["open"]), "high": _values(visible["high"]),
        "low": _values(visible["low"]), "close": _values(visible["close"]), "name": "Price", "showlegend": False,
        "increasing": {"line": {"color": palette.up}, "fillcolor": palette.up},
        "decreasing": {"line": {"color": palette.down}, "fillcolor": palette.down},
    }]
    shapes: list[dict[str, Any]] = []
    _average_traces(traces, tags, visible, x, view, palette)
    last_day = frame.index[-1] if len(frame) else pd.Timestamp.today().normalize()
    first_day = visible.index[0] if len(visible) else last_day
    targets = None
    if view.shows("Targets"):
        targets = target_traces(traces, frame, visible, actions, view.symbol, palette, tags.add)
    if picture is not None and view.shows("Trendlines"):
        _trendline_traces(traces, tags, palette, frame, first_day, (*_drawn_lines(picture, picture.supports),
                                                                    *_drawn_lines(picture, picture.resistance_lines)))
    if picture is not None and view.shows("Crosses"):
        _cross_traces(traces, palette, picture.crosses, first_day)
    if with_volume:
        _volume_traces(traces, visible, x, palette)
    span_days = max((last_day - first_day).days, 20)
    right = last_day + pd.Timedelta(days=max(3, round(span_days * 0.04)))
    levels: list[float] = []
    if picture is not None and view.shows("Levels"):
        levels = _key_levels(shapes, tags, palette, picture, first_day.strftime("%Y-%m-%d"),
                             right.strftime("%Y-%m-%d"))
    price_range = _price_range(visible, targets, levels, view)
    asof_text = last_day.strftime("%Y-%m-%d")
    legends: dict[str, dict[str, Any]] = {}
    margin_right = 12
    if price_range is not None:
        legends, margin_right = _value_tags(traces, tags, price_range, view, style, asof_text)
    xaxis = _time_axis(visible, first_day, right)
    layout = _layout(view, style, price_range, margin_right, asof_text, legends, shapes, xaxis)
    return FrozenFigure({"data": traces, "layout": layout})


def _average_traces(traces: list[dict[str, Any]], tags: _Tags, visible: pd.DataFrame, x: np.ndarray,
                    view: ViewState, palette: Palette) -> None:
    """Append the Bollinger band's three lines and the EMA/SMA lines switched on in ``view``, with their tags."""
    if view.shows("BB"):
        band = {"color": palette.band, "width": 1}
        traces.append(_line(x, _values(visible["bb_upper"]), "BB upper", band, legendgroup="bb"))
        traces.append(_line(x, _values(visible["bb_lower"]), "BB lower", band, legendgroup="bb", fill="tonexty",
                            fillcolor=palette.band_fill, showlegend=False))  # one legend entry for the band
        traces.append(_line(x, _values(visible["bb_mid"]), "BB middle", {**band, "dash": "dot"}, legendgroup="bb",
                            showlegend=False))
        for column, label, rank in (("bb_upper", "BB up", 2), ("bb_lower", "BB lo", 2), ("bb_mid", "BB mid", 3)):
            tags.add(_last(visible[column]), label, palette.band, "bb", rank)
    for w, color in zip(EMA_WINDOWS, palette.ema, strict=True):
        if view.shows(f"EMA{w}"):
            traces.append(_line(x, _values(visible[f"ema_{w}"]), f"EMA {w}", {"color": color, "width": 1.4},
                                legendgroup=f"EMA {w}"))
            tags.add(_last(visible[f"ema_{w}"]), f"EMA{w}", color, f"EMA {w}", 1)
    for w, color in zip(SMA_WINDOWS, palette.sma, strict=True):
        if view.shows(f"SMA{w}"):
            traces.append(_line(x, _values(visible[f"sma_{w}"]), f"SMA {w}",
                                {"color": color, "width": 1.4, "dash": "dash"}, legendgroup=f"SMA {w}"))
            tags.add(_last(visible[f"sma_{w}"]), f"SMA{w}", color, f"SMA {w}", 2)


def _volume_traces(traces: list[dict[str, Any]], visible: pd.DataFrame, x: np.ndarray, palette: Palette) -> None:
    """Append volume as two filled step lines (up days, down days; zero on the other days) centred on each bar:
    the look of coloured bars in two SVG paths instead of one per day, which a phone paints much faster."""
    volume = visible["volume"].to_numpy(dtype="float64")
    up = visible["close"].to_numpy() >= visible["open"].to_numpy()
    hover = ({"customdata": volume, "hovertemplate": "volume %{customdata:,.0f}"}, {"hoverinfo": "skip"})
    for name, mask, color, extra in (("Volume", up, palette.up, hover[0]),
                                     ("Volume (down days)", ~up, palette.down, hover[1])):
        traces.append({
            "type": "scatter", "x": x, "y": np.where(mask, volume, 0.0), "name": name, "xaxis": "x2",
            "yaxis": "y2", "mode": "lines", "line": {"width": 0, "shape": "hvh"}, "fill": "tozeroy",
            "fillcolor": _translucent(color, 0.55), "showlegend": False, **extra,
        })


def _value_tags(traces: list[dict[str, Any]], tags: _Tags, price_range: list[float], view: ViewState,
                style: ChartStyle, asof_text: str) -> tuple[dict[str, dict[str, Any]], int]:
    """Place the value tags on the price axis and append their traces; return their legends (layout keys
    ``legend2``...) and the right margin that holds the longest tag."""
    sizes = style.sizes
    axis = PriceAxis((price_range[0], price_range[1]), view.scale, style.plot_height, style.price_domain(
        view.shows("Volume")))
    placed = place(tags.items, axis, sizes.tag_gap)
    tag_traces, legends = tag_parts(placed, asof_text, sizes.tag_font, sizes.tag_gap, style.plot_height)
    traces += tag_traces
    margin_right = 12
    if placed:
        longest = max(len(tag.text) for tag, _ in placed)
        margin_right = TAG_SWATCH + math.ceil(longest * CHAR_WIDTH * sizes.tag_font) + 6
    return legends, margin_right


def _time_axis(visible: pd.DataFrame, first_day: pd.Timestamp, right: pd.Timestamp) -> dict[str, Any]:
    """Return the date axis: from the window's first bar to ``right``, weekends and holidays left out."""
    breaks: list[dict[str, Any]] = [{"bounds": ["sat", "mon"]}]
    hols = holidays(visible.index)
    if hols:
        breaks.append({"values": hols})
    return {"rangebreaks": breaks, "range": [first_day.strftime("%Y-%m-%d"), right.strftime("%Y-%m-%d")],
            "rangeslider": {"visible": False}, "showspikes": True, "spikemode": "across", "spikethickness": 1,
            "automargin": False}


def _layout(view: ViewState, style: ChartStyle, price_range: list[float] | None, margin_right: int,
            asof_text: str, legends: dict[str, dict[str, Any]], shapes: list[dict[str, Any]],
            xaxis: dict[str, Any]) -> dict[str, Any]:
    """Return the figure's layout: explicit margins (no automargin: one layout pass), the title, the legend and
    the tags' legends, the price axis and, with volume, the volume panel under it."""
    sizes = style.sizes
    with_volume = view.shows("Volume")
    legend = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "xanchor": "left", "x": 0.0,
              "maxheight": sizes.legend_height, "font": {"size": sizes.font}, "itemdoubleclick": False,
              "visible": style.legend, "bgcolor": "rgba(0,0,0,0)"}
    layout: dict[str, Any] = {
        "height": style.height, "hovermode": "x unified", "font": {"size": sizes.font}, "showlegend": True,
        "margin": {"l": _margin_left(price_range, view.scale, sizes.font), "r": margin_right, "t": sizes.top,
                   "b": style.margin_bottom, "autoexpand": False},
        "title": {"text": f"{view.symbol} · daily · as of {asof_text} close" if style.device == "desktop"
                  else f"{view.symbol} · {asof_text}", "x": 0.0, "xref": "paper",
                  "y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 6},
                  "font": {"size": sizes.title_font}, "automargin": False},
        "legend": legend, **legends,
        "uirevision": f"{view.symbol}-{view.range}-{asof_text}", "shapes": shapes,
        "xaxis": {**xaxis, "anchor": "y", "domain": [0.0, 1.0]},
        "yaxis": {"type": view.scale, "range": price_range, "fixedrange": True, "automargin": False,
                  "anchor": "x", "domain": list(style.price_domain(with_volume))},
    }
    if with_volume:
        layout["xaxis"].update({"matches": "x2", "showticklabels": False})
        layout["xaxis2"] = {**xaxis, "anchor": "y2", "domain": [0.0, 1.0]}
        layout["yaxis2"] = {"anchor": "x2", "domain": list(style.volume_domain),
                            "fixedrange": True, "automargin": False, "showticklabels": False}
    return layout


def _margin_left(price_range: list[float] | None, scale: str, font: int) -> int:
    """Return the left margin that holds the price axis' tick labels (e.g. ``1,250`` or ``0.5``)."""
    if price_range is None:
        return 40
    top = 10 ** price_range[1] if scale == "log" else price_range[1]
    digits = len(f"{top:,.0f}") + (2 if top < 10 else 0)
    return math.ceil(digits * 0.6 * font) + 10


def _price_range(visible: pd.DataFrame, targets: tuple[float, float] | None, levels: list[float],
                 view: ViewState) -> list[float] | None:
    """Return the price axis range: the visible candles (and bands, the ``targets`` and key ``levels`` drawn),
    padded by 4%.

    Trendlines far from the price are clipped rather than allowed to squash the candles; key levels are within
    40 % of the close (indicators.relevance), and the brief names them, so they stay in view.
    """
    if visible.empty:
        return None
    lo, hi = float(visible["low"].min()), float(visible["high"].max())
    if view.shows("BB"):
        lo = min(lo, float(visible["bb_lower"].min(skipna=True)))
        hi = max(hi, float(visible["bb_upper"].max(skipna=True)))
    if targets is not None:
        lo, hi = min(lo, targets[0]), max(hi, targets[1])
    if levels:
        lo, hi = min(lo, *levels), max(hi, *levels)
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
