"""Per-ticker signals for the overview screener, from the same :class:`TechnicalPicture` the ticker page uses.

One source of truth: the trendline state here is the one the brief writes about, the nearest major support and
resistance are the picture's immediate levels, the crosses are the picture's.

Conventions:

* ``support_pct`` / ``resistance_pct``: signed distance of the level's price from the close, ``(price / close - 1)
  × 100`` (negative below): :func:`indicators.distance.distance_pct`, as for every level of :mod:`indicators.levels`.
* **Trendline state** of the support line the brief talks about (:meth:`TechnicalPicture.primary_support`):
  ``"back above"`` (broken lately but the close is back above it), ``"broke"`` (broken, close below),
  ``"rebounding"`` (touched on one of the last bars, provisionally or while testing, and price already left it by
  more than two tolerances), ``"testing"`` (a recent bar tested it), ``"holding"`` (active, price above it).
* **EMA stack**: the EMAs (20/50/100/200) the close is at or above; ``averages`` holds every moving average's
  value by its overlay name (``"EMA200"``, ``"SMA50"``) for the above/below filters.
* **Cross**: the newest golden/death cross (50/200, SMA or EMA) within the last :data:`CROSS_BARS` bars.
* **%B**: ``(close - lower band) / (upper band - lower band)``; 0 at the lower band, 1 at the upper.
* **Target** and **upside**: the latest analyst action's target on or before the as-of date and
  ``(target / close - 1) × 100`` (:func:`analyst.targets.upside_pct`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from analyst.picture import TechnicalPicture
from analyst.targets import upside_pct
from indicators.crosses import Cross
from indicators.distance import distance_pct
from indicators.key_levels import KeyLevel
from indicators.moving_averages import EMA_WINDOWS, SMA_WINDOWS
from indicators.trendlines import Trendline

TrendlineState = Literal["rebounding", "testing", "broke", "back above", "holding"]
TRENDLINE_STATES: tuple[TrendlineState, ...] = ("rebounding", "testing", "broke", "back above", "holding")
CROSS_BARS = 20


def trendline_state(line: Trendline, close: float) -> TrendlineState:
    """Return the state of a support ``line`` against the ``close`` on its as-of bar (see the module docstring)."""
    if line.status == "broken":
        return "back above" if close >= line.level_at_asof else "broke"
    gap = 1.0 - line.level_at_asof / close
    if line.provisional or (line.status == "testing" and gap > 2.0 * line.tolerance):
        return "rebounding"
    if line.status == "testing":
        return "testing"
    return "holding"


@dataclass(frozen=True)
class Signals:
    """The screener's view of one ticker as of one bar (see the module docstring for each field)."""

    symbol: str
    asof: date
    close: float
    support: KeyLevel | None
    resistance: KeyLevel | None
    trend_state: TrendlineState | None
    trend_level: float | None
    ema_above: tuple[int, ...]
    averages: dict[str, float | None]
    cross: Cross | None
    percent_b: float | None
    target: float | None

    @property
    def support_pct(self) -> float | None:
        return None if self.support is None else distance_pct(self.support.price, self.close)

    @property
    def resistance_pct(self) -> float | None:
        return None if self.resistance is None else distance_pct(self.resistance.price, self.close)

    @property
    def upside_pct(self) -> float | None:
        return upside_pct(self.target, self.close)

    def above(self, average: str) -> bool | None:
        """Return whether the close is at or above ``average`` (``"EMA200"``, ``"SMA50"``; None if undefined)."""
        value = self.averages.get(average)
        return None if value is None else self.close >= value


def signals(p: TechnicalPicture) -> Signals:
    """Return the :class:`Signals` of a picture."""
    close = p.snapshot.close
    line = p.primary_support()
    values = p.snapshot.values
    upper, lower = values["bb_upper"], values["bb_lower"]
    percent_b = (close - lower) / (upper - lower) if upper is not None and lower is not None and upper > lower else None
    crosses = p.recent_crosses(CROSS_BARS)
    return Signals(
        symbol=p.symbol, asof=p.asof, close=close, support=p.immediate_support, resistance=p.immediate_resistance,
        trend_state=None if line is None else trendline_state(line, close),
        trend_level=None if line is None else line.level_at_asof,
        ema_above=tuple(w for w in EMA_WINDOWS if (v := values[f"ema_{w}"]) is not None and close >= v),
        averages={**{f"EMA{w}": values[f"ema_{w}"] for w in EMA_WINDOWS},
                  **{f"SMA{w}": values[f"sma_{w}"] for w in SMA_WINDOWS}},
        cross=crosses[-1] if crosses else None, percent_b=percent_b,
        target=None if p.action is None else p.action.target_to,
    )
