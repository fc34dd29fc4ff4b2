"""The levels that matter now: the nearest major supports and resistances, of any kind, for the brief and chart.

Candidates on each side of the close (conventions of :mod:`indicators.levels` and :mod:`indicators.trendlines`):

* **horizontal** — major horizontal levels and zones (``kind = "extreme"`` when the level carries a 52-week
  high or low; its price is then the exact extreme, which lies in its zone);
* **ema** / **sma** / **band** — dynamic levels (moving averages, Bollinger bands) that price tested and held in
  the last bars (:func:`indicators.levels.dynamic_levels_from_frame` marks them major);
* **trendline** — confirmed (3+ touches) lines that are not broken, priced at their level on the as-of bar.

A candidate is a support when its price is below the close and a resistance when above. Each side is ordered
nearest first by the edge of its zone facing the close (a zone that reaches the close is at distance 0); the
first is the **immediate** support/resistance, the next ones are what is exposed beyond it. A candidate whose
zone overlaps a nearer one on its side, or lies within the tolerance ``tau`` (log) of it, is dropped: it says
nothing new.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from indicators.asof import INDICATOR_FAMILIES
from indicators.distance import distance_pct
from indicators.levels import HIGH_52W, LOW_52W, Level, LevelSet, Side
from indicators.trendlines import Trendline

KeyKind = Literal["horizontal", "trendline", "ema", "sma", "band", "extreme"]


@dataclass(frozen=True)
class KeyLevel:
    """One level that matters now: ``price`` (the line or the level's price), its zone, what it is and its name.

    ``name`` is e.g. ``"EMA 50"``, ``"52w high"``, ``"horizontal"`` or ``"ascending trendline"``;
    ``distance_pct`` is signed, ``(price / close - 1) × 100``. ``level`` / ``line`` hold the source object.
    """

    price: float
    zone_low: float
    zone_high: float
    kind: KeyKind
    name: str
    side: Side
    distance_pct: float
    level: Level | None = None
    line: Trendline | None = None


@dataclass(frozen=True)
class KeyLevels:
    """The key levels on each side of the close, nearest first."""

    close: float
    supports: tuple[KeyLevel, ...]
    resistances: tuple[KeyLevel, ...]

    @property
    def immediate_support(self) -> KeyLevel | None:
        return self.supports[0] if self.supports else None

    @property
    def immediate_resistance(self) -> KeyLevel | None:
        return self.resistances[0] if self.resistances else None


def _kind_of(level: Level) -> KeyKind:
    family = INDICATOR_FAMILIES.get(level.source)
    if family is not None:
        return family
    if HIGH_52W in level.tags or LOW_52W in level.tags:
        return "extreme"
    return "horizontal"


def _from_level(level: Level, close: float, extremes: LevelSet) -> KeyLevel:
    kind = _kind_of(level)
    name = level.source if kind != "horizontal" else "horizontal"
    price = level.price
    if kind == "extreme":
        name = HIGH_52W if HIGH_52W in level.tags else LOW_52W
        exact = extremes.high_52w if name == HIGH_52W else extremes.low_52w
        price = exact if exact is not None else price
    return KeyLevel(price, level.zone_low, level.zone_high, kind, name, _side_of(level.price, close),
                    distance_pct(price, close), level=level)


def _from_line(line: Trendline, close: float) -> KeyLevel:
    price = line.level_at_asof
    return KeyLevel(price, price, price, "trendline", f"{line.direction} trendline", _side_of(price, close),
                    distance_pct(price, close), line=line)


def _side_of(price: float, close: float) -> Side:
    return "support" if price < close else "resistance"


def major_line(line: Trendline) -> bool:
    """Return whether a trendline is major: confirmed (3+ touches) and not broken."""
    return line.confirmed and line.status != "broken"


def key_levels(levels: LevelSet, dynamic: LevelSet, lines: Iterable[Trendline]) -> KeyLevels:
    """Return the :class:`KeyLevels` from the horizontal levels, the dynamic levels and the trendlines."""
    close = levels.close
    candidates = [_from_level(lv, close, levels) for lv in (*levels.levels, *dynamic.levels) if lv.major]
    candidates += [_from_line(line, close) for line in lines if major_line(line)]
    supports = _ordered([c for c in candidates if c.side == "support"], close, levels.tau, below=True)
    resistances = _ordered([c for c in candidates if c.side == "resistance"], close, levels.tau, below=False)
    return KeyLevels(close, supports, resistances)


def _ordered(side: list[KeyLevel], close: float, tau: float, below: bool) -> tuple[KeyLevel, ...]:
    def gap(k: KeyLevel) -> float:
        return max(0.0, close - k.zone_high) if below else max(0.0, k.zone_low - close)

    near = math.exp(tau)
    out: list[KeyLevel] = []
    for k in sorted(side, key=lambda k: (gap(k), -(k.level.score if k.level else 0.0))):
        if any(k.zone_low <= o.zone_high * near and o.zone_low <= k.zone_high * near for o in out):
            continue
        out.append(k)
    return tuple(out)
