"""One object holding everything the chart draws and the brief says, for one ticker as of one date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators.asof import LevelsSnapshot, indicator_frame, snapshot_at
from indicators.levels import Level, LevelSet, dynamic_levels_from_frame, horizontal_levels
from indicators.trendlines import Trendline, detect_resistance_trendlines, detect_trendlines


@dataclass(frozen=True)
class AnalystAction:
    """The latest analyst action on or before the as-of date (plain values, from the actions frame)."""

    date: date
    firm: str
    action: str
    rating_from: str
    rating_to: str
    target_from: float | None
    target_to: float | None


@dataclass(frozen=True)
class TechnicalPicture:
    """Indicators, trendlines and levels of ``symbol`` computed only from bars up to ``snapshot.date``.

    ``frame`` is the indicator frame (bars + EMAs + bands) cut at the as-of bar; ``supports`` and
    ``resistance_lines`` are trendlines, best score first; ``levels`` are horizontal pivot levels (with the
    52-week high/low) and ``dynamic`` the EMAs and bands as levels; ``action`` the latest analyst action.
    """

    symbol: str
    frame: pd.DataFrame
    snapshot: LevelsSnapshot
    supports: tuple[Trendline, ...]
    resistance_lines: tuple[Trendline, ...]
    levels: LevelSet
    dynamic: LevelSet
    action: AnalystAction | None

    @property
    def asof(self) -> date:
        return self.snapshot.date

    def primary_support(self, near_atr: float = 3.0) -> Trendline | None:
        """Return the support trendline the brief talks about.

        The line nearest the close (smallest ``|distance_atr|``) among those within ``near_atr`` ATR of it,
        broken or not; if none is that near, the highest line that still holds under the price; else the
        best-scored broken one; None without any line.
        """
        near = [t for t in self.supports if abs(t.distance_atr) <= near_atr]
        if near:
            return min(near, key=lambda t: (abs(t.distance_atr), -t.score))
        holding = [t for t in self.supports if t.status != "broken" and t.level_at_asof <= self.snapshot.close]
        if holding:
            return max(holding, key=lambda t: (t.level_at_asof, t.score))
        return self.supports[0] if self.supports else None

    def exposed_support(self) -> Level | None:
        """Return the horizontal support the price may fall to if the primary trendline is lost: the nearest
        pivot level under the line (or, with no holding line, the nearest support under the close)."""
        line = self.primary_support()
        if line is not None and line.status != "broken":
            below = [lv for lv in self.levels.supports if lv.price < line.level_at_asof]
            return below[0] if below else None
        return self.levels.nearest_support()

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
        for extreme in (self.levels.high_52w, self.levels.low_52w):
            if extreme is not None:
                prices.add(extreme)
        if self.action is not None:
            prices |= {p for p in (self.action.target_from, self.action.target_to) if p is not None}
        return {round(p, 2) for p in prices}


def _latest_action(actions: pd.DataFrame, symbol: str, asof: date) -> AnalystAction | None:
    rows = actions[(actions["ticker"] == symbol) & (actions["date"] <= pd.Timestamp(asof))]
    if rows.empty:
        return None
    r = rows.iloc[0]

    def num(value: object) -> float | None:
        return None if pd.isna(value) else float(value)  # type: ignore[arg-type]

    return AnalystAction(r["date"].date(), r["firm"], r["action"], r["rating_from"], r["rating_to"],
                         num(r["target_from"]), num(r["target_to"]))


def build_picture(symbol: str, bars: pd.DataFrame, actions: pd.DataFrame, asof: date | None = None) -> TechnicalPicture:
    """Return the :class:`TechnicalPicture` of ``symbol`` as of ``asof`` (None = last bar).

    Every part is computed from ``bars`` cut at the as-of bar, so later bars change nothing.
    Raises ValueError when there is no bar on or before ``asof``.
    """
    frame = indicator_frame(bars, asof)
    snap = snapshot_at(frame)
    if snap is None:
        raise ValueError(f"{symbol}: no bar on or before {asof}")
    cut = frame[["open", "high", "low", "close", "volume"]]
    return TechnicalPicture(
        symbol=symbol,
        frame=frame,
        snapshot=snap,
        supports=tuple(detect_trendlines(cut)),
        resistance_lines=tuple(detect_resistance_trendlines(cut)),
        levels=horizontal_levels(cut),
        dynamic=dynamic_levels_from_frame(frame),
        action=_latest_action(actions, symbol, snap.date),
    )
