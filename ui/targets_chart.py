"""The chart's Targets overlay: each firm's target path, its actions, and the consensus with its range.

Drawn as plain plotly dicts (no validation, see ui.chart), only for the visible window and nothing after the
as-of bar:

* ``Consensus median`` — the median live target on each visible day (analyst.targets.consensus_series), with
  ``Consensus high`` / ``Consensus low`` as a light band; a gap where no firm has a live target.
* one ``<firm> PT $T · <rating>`` step line per drawn firm (its latest target and rating in the name), from each
  target action to the next one or 365 days later (analyst.targets.target_paths); an action that states a prior
  target different from the step before it starts with a vertical stub from that prior target;
* one marker per action of a drawn firm: triangle up for an upgrade, down for a downgrade, a circle otherwise (a
  diamond for a user-entered row that is not an up/downgrade), at its target (an action without one sits on the
  firm's live target, else on the close). The hover text names the day, firm, analysts, target from → to, rating
  change, the source (escaped text, never a link) and, for a hand-entered row, "user-entered".

Legibility: at most :data:`MAX_FIRMS` firms are drawn, those with the most recent actions among the firms whose
path reaches into the window; every firm counts in the consensus, whose legend name says how many live targets
it holds on the as-of day. Each drawn firm has its own colour.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from analyst.targets import Step, firm_targets, series_from, steps_from, ticker_records
from ui.labels import money, rating_change, target_change
from ui.palette import LIGHT, Palette

#: ``tag(value, label, color, group, rank, phone_label)``: adds a value tag (ui.chart collects them).
TagSink = Callable[..., None]

MAX_FIRMS = 12
MARKERS = {"upgrade": "triangle-up", "downgrade": "triangle-down"}


def plain(text: str) -> str:
    """Return ``text`` safe for plotly's hover/legend text: markup characters as entities (drawn, never parsed)."""
    return html.escape(" ".join(str(text).split()), quote=False)


def source_text(source: str, limit: int = 60) -> str:
    """Return a short, plain description of a source: the host and path of an http(s) address, else the text."""
    parts = urlsplit(source) if source.startswith(("http://", "https://")) else None
    text = f"{parts.netloc}{parts.path}" if parts is not None and parts.netloc else source
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(ts: pd.Timestamp) -> str:
    return str(ts.strftime("%Y-%m-%d"))


def drawn_firms(steps: list[Step], records: list[dict[str, Any]], first_day: pd.Timestamp) -> list[str]:
    """Return the firms to draw: those with a path in the window, the most recently active first (then by name),
    at most :data:`MAX_FIRMS`. ``records``: the ticker's actions up to the as-of day, newest first."""
    visible = {s.firm for s in steps if s.end >= first_day}
    latest: dict[str, pd.Timestamp] = {}
    for r in records:
        if r["firm"] in visible and r["firm"] not in latest:
            latest[r["firm"]] = r["date"]
    return sorted(latest, key=lambda f: (-latest[f].value, f))[:MAX_FIRMS]


def hover_text(r: dict[str, Any]) -> str:
    """Return the hover text of one action (a record of the actions frame), escaped."""
    who = plain(r["firm"]) + (f" ({plain(r['analysts'])})" if r["analysts"] else "")
    tag = " · user-entered" if r["origin"] == "user" else ""
    lines = [f"{_day(r['date'])} · {who}{tag}", f"PT {plain(target_change(r['target_from'], r['target_to']))}"]
    change = rating_change(r["action"], r["rating_from"], r["rating_to"])
    lines.append(plain(f"{r['action'].replace('_', ' ')}{': ' + change if change else ''}"))
    if r["source"]:
        lines.append(f"source: {plain(source_text(r['source']))}")
    return "<br>".join(lines)


def _path(steps: list[Step], first_day: pd.Timestamp,
          drawn: list[float]) -> tuple[list[str | None], list[float | None]]:
    """Return the x/y points of one firm's step line (``hv`` shape) in the window, ``None`` between gaps."""
    xs: list[str | None] = []
    ys: list[float | None] = []
    for s in steps:
        if s.end < first_day:
            continue
        start = max(s.start, first_day)
        if xs and xs[-1] == _day(start):  # continues the previous step: a vertical jump
            xs.pop()
            ys.pop()
        elif xs:
            xs.append(None)
            ys.append(None)
        if start == s.start and not math.isnan(s.target_from) and s.target_from != s.target:
            xs.append(_day(start))  # the stated prior target: a vertical stub to the new one
            ys.append(round(s.target_from, 4))
            drawn.append(s.target_from)
        xs += [_day(start), _day(s.end)]
        ys += [round(s.target, 4), round(s.target, 4)]
        drawn.append(s.target)
    return xs, ys


def _markers(firm_rows: list[dict[str, Any]], steps: list[Step], closes: pd.Series, first_day: pd.Timestamp,
             drawn: list[float], palette: Palette = LIGHT
             ) -> tuple[list[str], list[float], list[str], list[str], list[str]]:
    """Return x, y, symbols, outline colours and hover texts of one firm's actions in the window (oldest first)."""
    xs, ys, symbols, outline, texts = [], [], [], [], []
    for r in reversed(firm_rows):
        if r["date"] < first_day:
            continue
        if not math.isnan(r["target_to"]):
            y = float(r["target_to"])
        else:
            held = [s.target for s in steps if s.start <= r["date"] <= s.end]
            y = held[-1] if held else float(closes.iloc[closes.index.searchsorted(r["date"], side="right") - 1])
        xs.append(_day(r["date"]))
        ys.append(round(y, 4))
        drawn.append(y)
        symbol = MARKERS.get(r["action"], "circle")
        symbols.append("diamond" if r["origin"] == "user" and symbol == "circle" else symbol)
        outline.append(palette.upgrade if r["action"] == "upgrade" else palette.downgrade
                       if r["action"] == "downgrade" else palette.outline)
        texts.append(hover_text(r))
    return xs, ys, symbols, outline, texts


def target_traces(traces: list[dict[str, Any]], frame: pd.DataFrame, visible: pd.DataFrame,
                  actions: pd.DataFrame, symbol: str, palette: Palette = LIGHT,
                  tag: TagSink | None = None) -> tuple[float, float] | None:
    """Append the Targets overlay's traces for ``visible`` (the window of ``frame``, cut at the as-of bar), in
    ``palette``'s colours; with ``tag``, also the value tag of the consensus median on the as-of day. The firms'
    paths get none: a dozen firms would crowd the price axis; each one's latest target and rating is in its legend
    entry and its markers' hover text.

    Returns the lowest and highest price drawn (None when nothing is drawn), for the price axis.
    """
    if visible.empty or frame.empty:
        return None
    asof: date = frame.index[-1].date()
    first_day = visible.index[0]
    records = ticker_records(actions, symbol, asof)
    if not records:
        return None
    by_firm = firm_targets(records)
    series = series_from(by_firm, visible.index)
    steps = steps_from(by_firm, asof)
    firms = drawn_firms(steps, records, first_day)
    drawn: list[float] = []
    if (series.n > 0).any():
        x = visible.index.strftime("%Y-%m-%d").to_numpy(dtype="U10")
        band = {"color": "rgba(0,0,0,0)", "width": 0}
        drawn += [float(np.nanmin(series.low)), float(np.nanmax(series.high))]
        traces.append({"type": "scatter", "x": x, "y": np.round(series.high, 4), "mode": "lines", "line": band,
                       "name": "Consensus high", "legendgroup": "consensus", "showlegend": False,
                       "hoverinfo": "skip"})
        traces.append({"type": "scatter", "x": x, "y": np.round(series.low, 4), "mode": "lines", "line": band,
                       "name": "Consensus low", "legendgroup": "consensus", "showlegend": False,
                       "fill": "tonexty", "fillcolor": palette.consensus_fill, "hoverinfo": "skip"})
        custom = np.column_stack([series.n, np.round(series.low, 2), np.round(series.high, 2)])
        traces.append({
            "type": "scatter", "x": x, "y": np.round(series.median, 4), "mode": "lines",
            "name": f"Consensus median ({int(series.n[-1])} live targets)", "legendgroup": "consensus",
            "line": {"color": palette.consensus, "width": 2.5}, "customdata": custom.tolist(),
            "hovertemplate": "consensus $%{y:.2f} (%{customdata[0]} firms, $%{customdata[1]:.2f}"
                             "–$%{customdata[2]:.2f})<extra></extra>",
        })
        if tag is not None and series.n[-1] > 0:
            tag(float(series.median[-1]), "Cons.", palette.consensus, "consensus", 2)
    rows_of: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        rows_of.setdefault(r["firm"], []).append(r)
    for k, firm in enumerate(sorted(firms)):
        color = palette.firms[k % len(palette.firms)]
        mine = [s for s in steps if s.firm == firm]
        xs, ys = _path(mine, first_day, drawn)
        live = mine[-1].target if mine else None
        rating = next((r["rating_to"] for r in rows_of[firm] if r["rating_to"]), "")
        group = plain(firm)
        traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "legendgroup": group,
                       "name": plain(f"{firm} PT {money(live)}" + (f" · {rating}" if rating else "")),
                       "line": {"color": color, "width": 1.6, "shape": "hv"}, "hoverinfo": "skip", "opacity": 0.9})
        mx, my, symbols, outline, texts = _markers(rows_of[firm], mine, frame["close"], first_day, drawn, palette)
        if mx:
            traces.append({
                "type": "scatter", "x": mx, "y": my, "mode": "markers", "name": plain(f"{firm} actions"),
                "legendgroup": group, "showlegend": False, "hovertext": texts,
                "hovertemplate": "%{hovertext}<extra></extra>",
                "marker": {"symbol": symbols, "size": [7 if s == "circle" else 11 for s in symbols], "color": color,
                           "line": {"width": 1.5, "color": outline}},
            })
    return (min(drawn), max(drawn)) if drawn else None
