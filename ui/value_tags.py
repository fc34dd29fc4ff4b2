"""Right-edge value tags: each drawn line's value on the as-of bar, next to the price axis, never overlapping.

A tag is a one-entry Plotly legend of its own (``legend2``, ``legend3``, ...) placed in the figure's right margin
at the height of its value, holding a trace of the line's ``legendgroup``: the tag reads like a price-axis label
(a short stroke in the line's colour and the value, in that colour), and a click on it hides or shows the line
with its tag, as a click in the main legend does. The trace has one point (the as-of bar, the tag's value) and
draws nothing on the plot.

Placement is one pass over every tag (lines, bands, trendlines, targets and key levels): their heights in pixels
follow from the explicit price-axis range, scale, figure height, margins and panel domain, so the tags are sorted
by value and pushed apart to :data:`gap` pixels with the least total movement (isotonic regression with a minimum
spacing, solved by pooling adjacent violators), kept inside the price panel. When more tags than fit are asked
for, the least important (highest ``rank``) go first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Tag:
    """One value tag: ``value`` (price), ``text`` (what it reads), ``color``, the ``group`` (legendgroup of the
    line it belongs to; the tag hides with it) and ``rank`` (0 = most important, kept first)."""

    value: float
    text: str
    color: str
    group: str
    rank: int = 1


@dataclass(frozen=True)
class PriceAxis:
    """Where prices sit on the figure: the price axis ``range`` (log10 units on a log axis), its ``scale``, the
    plot area's height in pixels (figure height less the top and bottom margins) and the price panel's
    ``domain`` (fractions of the plot area, bottom to top)."""

    range: tuple[float, float]
    scale: str
    plot_height: float
    domain: tuple[float, float]

    @property
    def panel_height(self) -> float:
        return self.plot_height * (self.domain[1] - self.domain[0])

    def pixels(self, value: float) -> float | None:
        """Return the height of ``value`` above the panel's bottom edge in pixels (None outside the range)."""
        if self.scale == "log":
            if value <= 0:
                return None
            value = math.log10(value)
        lo, hi = self.range
        if not lo <= value <= hi or hi <= lo:
            return None
        return (value - lo) / (hi - lo) * self.panel_height

    def paper(self, pixels: float) -> float:
        """Return the paper y (0 = bottom, 1 = top of the plot area) of a height above the panel's bottom."""
        return self.domain[0] + pixels / self.plot_height


def spread(desired: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """Return positions for points wanted at ``desired`` (any order), in the same order: consecutive positions
    (by value) at least ``gap`` apart, all within ``[lo, hi]``, moved as little as possible in total (least
    squares) without changing their order. Needs ``(n - 1) × gap <= hi - lo``.

    With ``z_i = d_i − i·gap`` over the sorted wishes, the positions are ``y_i + i·gap`` for the non-decreasing
    ``y`` closest to ``z`` (pool adjacent violators), clipped to ``[lo, hi − (n − 1)·gap]``.
    """
    n = len(desired)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: desired[i])
    z = [desired[i] - k * gap for k, i in enumerate(order)]
    blocks: list[list[float]] = []  # [sum, count]
    for value in z:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    y: list[float] = []
    for total, count in blocks:
        y += [total / count] * int(count)
    top = hi - (n - 1) * gap
    out = [0.0] * n
    for k, i in enumerate(order):
        out[i] = min(max(y[k], lo), top) + k * gap
    return out


def place(tags: Sequence[Tag], axis: PriceAxis, gap: float) -> list[tuple[Tag, float]]:
    """Return the tags that fit, each with its paper y, no two closer than ``gap`` pixels.

    Left out: tags whose value lies outside the axis range; a tag that repeats an earlier one (same colour and
    wording, value within 0.2 %: e.g. three support trendlines meeting at the as-of bar); then the highest ranks
    (the last given first) while they need more than the panel's height.
    """
    shown: list[tuple[Tag, float]] = []
    for tag in tags:
        px = axis.pixels(tag.value)
        if px is not None and not any(_repeats(tag, other) for other, _ in shown):
            shown.append((tag, px))
    room = axis.panel_height - gap
    capacity = max(int(room // gap) + 1, 0)
    if len(shown) > capacity:
        keep = sorted(range(len(shown)), key=lambda i: (shown[i][0].rank, i))[:capacity]
        shown = [shown[i] for i in sorted(keep)]
    positions = spread([px for _, px in shown], gap, gap / 2, axis.panel_height - gap / 2)
    return [(tag, axis.paper(p)) for (tag, _), p in zip(shown, positions, strict=True)]


_NUMBER = re.compile(r"[0-9.,–]+")


def _repeats(tag: Tag, other: Tag) -> bool:
    return (tag.color == other.color and _NUMBER.sub("", tag.text) == _NUMBER.sub("", other.text)
            and abs(tag.value - other.value) <= 0.002 * max(abs(other.value), 1e-9))


def tag_parts(placed: Sequence[tuple[Tag, float]], x: str, font_size: int, gap: float, plot_height: float,
              first_legend: int = 2) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Return the traces and the layout legends (``legend2`` ...) that draw ``placed`` tags at the right edge.

    Tags pushed together (``gap`` pixels apart, the height of a legend entry) share one legend, listed top down,
    centred on their mean height: a Plotly legend costs a text measurement and a layout of its own, so a figure
    with twenty tags in five clusters draws five legends, not twenty. ``x`` is the as-of bar's date: each trace's
    single point (the value, rounded as the lines' values are), which draws nothing (a line needs two points). A
    tag's text is wrapped in a span of its colour (a legend has one font colour; Plotly's pseudo-HTML colours each
    entry).
    """
    traces: list[dict[str, Any]] = []
    legends: dict[str, dict[str, Any]] = {}
    clusters: list[list[tuple[Tag, float]]] = []
    for tag, y in sorted(placed, key=lambda p: -p[1]):
        if clusters and (clusters[-1][-1][1] - y) * plot_height <= gap + 0.5:
            clusters[-1].append((tag, y))
        else:
            clusters.append([(tag, y)])
    for k, cluster in enumerate(clusters):
        legend = f"legend{first_legend + k}"
        for tag, _ in cluster:
            traces.append({
                "type": "scatter", "x": [x], "y": [float(np.round(tag.value, 4))], "mode": "lines",
                "name": f'<span style="color:{tag.color}">{tag.text}</span>', "legend": legend,
                "legendgroup": tag.group, "showlegend": True, "hoverinfo": "skip",
                "line": {"color": tag.color, "width": 3},
            })
        legends[legend] = {
            "x": 1.0, "xanchor": "left", "y": sum(y for _, y in cluster) / len(cluster), "yanchor": "middle",
            "orientation": "v", "traceorder": "normal", "tracegroupgap": 0, "bgcolor": "rgba(0,0,0,0)",
            "borderwidth": 0, "indentation": -15, "itemwidth": 30, "font": {"size": font_size, "weight": 600},
            "itemclick": "toggle", "itemdoubleclick": False, "groupclick": "togglegroup",
        }
    return traces, legends


def tag_text(name: str) -> str:
    """Return what a tag trace's ``name`` reads (its colour span removed)."""
    return re.sub(r"<[^>]*>", "", name)


def price_text(value: float) -> str:
    """Return a price as a tag writes it: ``12.34``, ``1,234`` at 1,000 and above, ``0.1234`` below 1."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 1:
        return f"{value:.4f}"
    return f"{value:,.2f}"
