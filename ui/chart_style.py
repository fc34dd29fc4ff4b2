"""How the chart is drawn for one reader: theme, device class and legend, and the sizes that follow from them.

The server is never told the browser's viewport (no custom components or raw HTML here), so the figure's
height follows the *device class* read from the request headers: a phone (``Sec-CH-UA-Mobile: ?1``, or a
User-Agent naming a phone) gets a shorter chart with smaller type, anything else (laptops, desktops, tablets)
the laptop size. A phone browser that asks for the desktop site, or a narrow desktop window, gets the other
class's height; the chart still fits its width (Plotly fills the container).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ui.palette import PALETTES, Palette, Theme

Device = Literal["phone", "desktop"]
DEVICES: tuple[Device, ...] = ("phone", "desktop")


def device_of(headers: Mapping[str, str]) -> Device:
    """Return ``"phone"`` when the request headers say so (client hint ``Sec-CH-UA-Mobile: ?1``, or a
    User-Agent with ``Mobi``/``iPhone``/``iPod``, or ``Android`` with ``Mobile``; an iPad is not a phone),
    else ``"desktop"``. ``headers``: a case-insensitive mapping such as ``st.context.headers``."""
    if (headers.get("Sec-CH-UA-Mobile") or "").strip() == "?1":
        return "phone"
    agent = headers.get("User-Agent") or ""
    if "iPad" in agent:
        return "desktop"
    if any(word in agent for word in ("Mobi", "iPhone", "iPod")):
        return "phone"
    return "desktop"


def legend_by_default(device: Device) -> bool:
    """Return whether the chart's legend is shown when the URL does not say: on a laptop yes, on a phone no (the
    value tags name the lines; the legend would take a third of a phone's chart)."""
    return device == "desktop"


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes of one device class: the figure's height without a legend, the height added for the legend
    (``legend_height``, at most that tall: it scrolls beyond), fonts, the fixed margins, and ``tag_gap``, the
    least distance between two value tags' centres: the height of a Plotly legend entry (16 px at least, plus 3),
    so that tags pushed together stack as the entries of one legend (ui.value_tags)."""

    height: int
    legend_height: int
    font: int
    tag_font: int
    title_font: int
    top: int
    bottom: int  # x-axis tick labels
    tag_gap: int


SIZES: dict[Device, Sizes] = {
    "desktop": Sizes(height=540, legend_height=50, font=11, tag_font=11, title_font=13, top=30, bottom=24,
                     tag_gap=19),
    "phone": Sizes(height=450, legend_height=50, font=10, tag_font=10, title_font=12, top=26, bottom=22,
                   tag_gap=19),
}

VOLUME_SHARE = 0.14  # of the plot area, under the price panel
PANEL_GAP = 0.025


@dataclass(frozen=True)
class ChartStyle:
    """Theme (``"light"``/``"dark"``), device class and whether the legend is drawn (value tags always are)."""

    theme: Theme = "light"
    device: Device = "desktop"
    legend: bool = True

    @property
    def palette(self) -> Palette:
        return PALETTES[self.theme]

    @property
    def sizes(self) -> Sizes:
        return SIZES[self.device]

    @property
    def height(self) -> int:
        """Return the figure's height in pixels."""
        return self.sizes.height + (self.sizes.legend_height if self.legend else 0)

    @property
    def margin_bottom(self) -> int:
        return self.sizes.bottom + (self.sizes.legend_height if self.legend else 0)

    @property
    def plot_height(self) -> int:
        """Return the height of the plot area (both panels) in pixels."""
        return self.height - self.sizes.top - self.margin_bottom

    def price_domain(self, with_volume: bool) -> tuple[float, float]:
        """Return the price panel's domain in the plot area (the volume panel takes the bottom when shown)."""
        return (VOLUME_SHARE + PANEL_GAP, 1.0) if with_volume else (0.0, 1.0)

    @property
    def volume_domain(self) -> tuple[float, float]:
        """Return the volume panel's domain in the plot area (under the price panel, ``PANEL_GAP`` below it)."""
        return (0.0, VOLUME_SHARE)

    @property
    def labelled_tags(self) -> bool:
        """Whether the tags name their line (``EMA50 12.34``); on a phone they show the value only."""
        return self.device == "desktop"


DEFAULT_STYLE = ChartStyle()
