"""One object holding everything the chart draws and the brief says, for one ticker as of one date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analyst.actions import AnalystAction, latest_action
from analyst.targets import Consensus, consensus
from indicators.asof import LevelsSnapshot, indicator_frame, snapshot_at
from indicators.crosses import Cross, all_crosses
from indicators.key_levels import KeyLevel, KeyLevels, key_levels
from indicators.levels import LevelSet, dynamic_levels_from_frame, horizontal_levels
from indicators.prepared import prepare_bars
from indicators.trendlines import Trendline, detect_resistance_trendlines, detect_trendlines

#: The brief mentions a golden/death cross that happened within this many bars (the as-of bar included).
RECENT_CROSS_BARS = 10
#: A trendline touched within this many bars is written about however far price has moved from it since.
RECENT_TOUCH_BARS = 15


@dataclass(frozen=True)
class TechnicalPicture:
    """Indicators, trendlines and levels of ``symbol`` computed only from bars up to ``snapshot.date``.

    ``frame`` is the indicator frame (bars + EMAs + SMAs + bands) cut at the as-of bar; ``supports`` and
    ``resistance_lines`` are trendlines, best score first; ``levels`` are the listed horizontal levels (with the
    52-week high/low) and ``dynamic`` the moving averages and bands as levels; ``key`` the major levels of every
    kind, nearest first on each side (the immediate support/resistance first); ``crosses`` every golden/death
    cross up to the as-of bar; ``action`` the latest analyst action; ``consensus`` the analysts' consensus target
    as of the as-of bar (analyst.targets).
    """

    symbol: str
    frame: pd.DataFrame
    snapshot: LevelsSnapshot
    supports: tuple[Trendline, ...]
    resistance_lines: tuple[Trendline, ...]
    levels: LevelSet
    dynamic: LevelSet
    key: KeyLevels
    crosses: tuple[Cross, ...]
    action: AnalystAction | None
    consensus: Consensus | None = None

    @property
    def asof(self) -> date:
        return self.snapshot.date

    def primary_support(self, near_atr: float = 3.0, recent_bars: int = RECENT_TOUCH_BARS) -> Trendline | None:
        """Return the support trendline the brief talks about, or None when no line is near in price or time.

        Among the lines within ``near_atr`` ATR of the close, or touched in the last ``recent_bars`` bars, or not
        ``active`` (testing or broken lately), the nearest one (smallest ``|distance_atr|``, then the best
        score). Other lines are listed and drawn but not written about.
        """
        t = len(self.frame) - 1
        near = [line for line in self.supports if abs(line.distance_atr) <= near_atr or line.status != "active"
                or t - line.touch_positions[-1] <= recent_bars]
        return min(near, key=lambda line: (abs(line.distance_atr), -line.score)) if near else None

    @property
    def immediate_support(self) -> KeyLevel | None:
        """Return the nearest major support of any kind (see :mod:`indicators.key_levels`), or None."""
        return self.key.immediate_support

    @property
    def immediate_resistance(self) -> KeyLevel | None:
        """Return the nearest major resistance of any kind, or None."""
        return self.key.immediate_resistance

    def exposed_support(self) -> KeyLevel | None:
        """Return the major support below the immediate one: what the price may fall to if that one gives way."""
        return self.key.supports[1] if len(self.key.supports) > 1 else None

    def next_resistance(self) -> KeyLevel | None:
        """Return the major resistance above the immediate one, or None."""
        return self.key.resistances[1] if len(self.key.resistances) > 1 else None

    def recent_crosses(self, bars: int = RECENT_CROSS_BARS) -> tuple[Cross, ...]:
        """Return the crosses within the last ``bars`` bars (the as-of bar counts as one), oldest first."""
        t = len(self.frame) - 1
        return tuple(c for c in self.crosses if c.position > t - bars)

    def chart_prices(self) -> set[float]:
        """Return every price the chart draws for this picture, rounded to cents (for cross-checks)."""
        snap = self.snapshot
        prices = {snap.close, snap.open}
        if snap.prev_close is not None:
            prices |= {snap.prev_close, abs(snap.close - snap.prev_close)}
        prices |= {v for v in snap.values.values() if v is not None}
        for line in (*self.supports, *self.resistance_lines):
            prices.add(line.level_at_asof)
        for level in (*self.levels.supports, *self.levels.resistances):
            prices |= {level.price, level.zone_low, level.zone_high}
        for key in (*self.key.supports, *self.key.resistances):
            prices |= {key.price, key.zone_low, key.zone_high}
        for extreme in (self.levels.high_52w, self.levels.low_52w):
            if extreme is not None:
                prices.add(extreme)
        if self.action is not None:
            prices |= {p for p in (self.action.target_from, self.action.target_to) if p is not None}
        if self.consensus is not None and self.consensus.n:
            prices |= {p for p in (self.consensus.median, self.consensus.high, self.consensus.low) if p is not None}
        return {round(p, 2) for p in prices}


def build_picture(symbol: str, bars: pd.DataFrame, actions: pd.DataFrame, asof: date | None = None) -> TechnicalPicture:
    """Return the :class:`TechnicalPicture` of ``symbol`` as of ``asof`` (None = last bar).

    Every part is computed from ``bars`` cut at the as-of bar, so later bars change nothing. The bars are cut
    once, and their ATR, tolerance and pivots computed once (:class:`indicators.prepared.PreparedBars`) for every
    detector. Raises ValueError when there is no bar on or before ``asof``.
    """
    prepared = prepare_bars(bars, asof)
    frame = indicator_frame(prepared.bars)
    snap = snapshot_at(frame)
    if snap is None:
        raise ValueError(f"{symbol}: no bar on or before {asof}")
    supports = tuple(detect_trendlines(prepared))
    resistance_lines = tuple(detect_resistance_trendlines(prepared))
    levels = horizontal_levels(prepared)
    dynamic = dynamic_levels_from_frame(frame, prepared_bars=prepared)
    return TechnicalPicture(
        symbol=symbol,
        frame=frame,
        snapshot=snap,
        supports=supports,
        resistance_lines=resistance_lines,
        levels=levels,
        dynamic=dynamic,
        key=key_levels(levels, dynamic, (*supports, *resistance_lines)),
        crosses=tuple(all_crosses(frame)),
        action=latest_action(actions, symbol, snap.date),
        consensus=consensus(actions, symbol, snap.date),
    )
