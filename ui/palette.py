"""The chart's colours for Streamlit's light and dark themes, chosen to be legible on each background.

Rule (checked by tests/ui/test_palette.py with the WCAG 2 contrast ratio): every line, marker and tag colour has a
contrast of at least 4.5:1 with the theme's background, WCAG's bar for small text, since each line's value tag is
written in the line's colour (graphical objects need only 3:1). Light theme: darker colours; dark theme: brighter
ones.

Backgrounds are Streamlit 1.67's (``#ffffff`` and ``#171614``); the chart's paper, grid and fonts follow the
theme through ``st.plotly_chart(theme="streamlit")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Theme = Literal["light", "dark"]
THEMES: tuple[Theme, ...] = ("light", "dark")
BACKGROUND: dict[Theme, str] = {"light": "#ffffff", "dark": "#171614"}


@dataclass(frozen=True)
class Palette:
    """Colours of one theme (``#rrggbb``; fills are ``rgba`` strings)."""

    ema: tuple[str, str, str, str]  # EMA 20, 50, 100, 200
    sma: tuple[str, str, str]  # SMA 20, 50, 200
    band: str
    band_fill: str
    up: str
    down: str
    support: str
    resistance: str
    broken: str
    support_zone: str
    resistance_zone: str
    golden: str
    death: str
    consensus: str
    consensus_fill: str
    upgrade: str
    downgrade: str
    firms: tuple[str, ...]
    outline: str  # marker outlines: the background's colour

    def lines(self) -> dict[str, str]:
        """Return every line/marker/tag colour by a descriptive name (for the contrast checks)."""
        named = {f"ema{i}": c for i, c in enumerate(self.ema)} | {f"sma{i}": c for i, c in enumerate(self.sma)}
        named |= {f"firm{i}": c for i, c in enumerate(self.firms)}
        for name in ("band", "up", "down", "support", "resistance", "broken", "golden", "death", "consensus",
                     "upgrade", "downgrade"):
            named[name] = getattr(self, name)
        return named


LIGHT = Palette(
    ema=("#1565c0", "#b45309", "#7b1fa2", "#37474f"),
    sma=("#00838f", "#6b6f00", "#795548"),
    band="#546e7a", band_fill="rgba(84, 110, 122, 0.10)",
    up="#00796b", down="#d32f2f",
    support="#00796b", resistance="#c62828", broken="#757575",
    support_zone="rgba(0, 121, 107, 0.10)", resistance_zone="rgba(198, 40, 40, 0.08)",
    golden="#8d6e00", death="#424242",
    consensus="#2e7d32", consensus_fill="rgba(46, 125, 50, 0.10)",
    upgrade="#2e7d32", downgrade="#c62828",
    firms=("#1f5fa8", "#b45309", "#2e7d32", "#c62828", "#6a3d9a", "#8c564b",
           "#ad1457", "#616161", "#6b6f00", "#00838f", "#393b79", "#9e3d3f"),
    outline=BACKGROUND["light"],
)

DARK = Palette(
    ema=("#64b5f6", "#ffb74d", "#ce93d8", "#eceff1"),
    sma=("#4dd0e1", "#d4e157", "#bcaaa4"),
    band="#90a4ae", band_fill="rgba(144, 164, 174, 0.12)",
    up="#26a69a", down="#ef5350",
    support="#4db6ac", resistance="#ef5350", broken="#9e9e9e",
    support_zone="rgba(77, 182, 172, 0.12)", resistance_zone="rgba(239, 83, 80, 0.10)",
    golden="#ffd54f", death="#b0bec5",
    consensus="#81c784", consensus_fill="rgba(129, 199, 132, 0.12)",
    upgrade="#81c784", downgrade="#ef5350",
    firms=("#64b5f6", "#ffb74d", "#81c784", "#e57373", "#b39ddb", "#bcaaa4",
           "#f48fb1", "#bdbdbd", "#d4e157", "#4dd0e1", "#9fa8da", "#ff8a65"),
    outline=BACKGROUND["dark"],
)

PALETTES: dict[Theme, Palette] = {"light": LIGHT, "dark": DARK}


def theme_of(value: object) -> Theme:
    """Return ``value`` as a theme: ``"dark"`` when it says so, else ``"light"`` (also for None)."""
    return "dark" if value == "dark" else "light"


def luminance(color: str) -> float:
    """Return the WCAG relative luminance of a ``#rrggbb`` colour (0 = black, 1 = white)."""
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
