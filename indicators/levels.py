"""Horizontal support/resistance levels from clustered pivots, plus the 52-week extremes and dynamic levels.

Conventions (all defaults live in :class:`LevelParams`):

* **As-of first.** ``bars`` is cut at the as-of bar ``t`` before anything else (``asof=None`` means the
  last bar; a non-trading as-of such as a weekend resolves to the previous bar). Nothing after ``t`` is
  read, so ``horizontal_levels(bars, d) == horizontal_levels(bars.loc[:d])``.
* **Pivots.** Pivot highs (on ``high``) and pivot lows (on ``low``) with half-window ``w = 5``, confirmed
  only (``i + w <= t``), whose bar lies in the lookback: the last ``lookback_bars = 504`` bars up to and
  including ``t`` (≈ 2 years of daily bars).
* **Log prices.** Clustering works on ``log(price)``, so it is scale invariant; ``tau`` from
  :func:`indicators.pivots.tolerance` (0.5 × ATR14 / close at ``t``, clipped to 0.5%..5%) is a log distance.
* **Clustering.** All pivot prices (highs and lows together) are sorted and split wherever the gap between
  neighbours exceeds ``gap = max(tau, min_gap)`` (``min_gap = 0.01``, i.e. 1%). Single-linkage chaining can
  glue a whole dense price range into one cluster, so a cluster wider than ``max_width_factor × gap``
  (default 2 × gap) is further split at its largest internal gap, recursively.
* **Levels.** A cluster with at least ``min_touches = 2`` pivots is a level: price = median (of the log
  prices, exponentiated), zone = [min, max] of its pivots, ``touches`` = number of pivots, first/last
  touch = dates of its oldest/newest pivot, ``weight`` = Σ 0.5 ** ((t - i) / half_life_bars) over its pivots
  ``i`` (``half_life_bars = 126`` ≈ 6 months; a touch on bar ``t`` weighs 1).
* **52-week extremes.** The max ``high`` and min ``low`` over the last ``extreme_bars = 252`` bars up to
  ``t`` are added as levels with source ``"52w high"`` / ``"52w low"``. If one lies within ``tau`` (log) of a
  pivot cluster's price (the nearest such cluster), it is merged into it: the merged level keeps the
  cluster's price, touches, dates and weight, its zone is widened to include the extreme, its ``source``
  becomes ``"52w high"``/``"52w low"`` and ``tags`` lists both (``("pivots", "52w high")``). Otherwise it is
  a stand-alone level with one touch (the extreme bar) and a zero-width zone.
* **Sides.** ``price < close`` → support, ``price > close`` → resistance; a tie goes to support for
  ``"52w low"`` and to resistance otherwise. Supports are sorted nearest first (descending price),
  resistances nearest first (ascending price).
* **Distances** are signed: ``distance_pct = (price / close - 1) × 100`` and
  ``distance_atr = (price - close) / ATR14(t)`` (NaN while ATR is undefined), negative for supports.
* **Dynamic levels** (:func:`dynamic_levels`): EMA 20/50/100/200 and Bollinger upper/middle/lower at ``t``
  from :func:`indicators.asof.indicator_frame`, with zero-width zones, ``touches = 0``, no touch dates and
  ``weight = 0``; undefined (NaN) indicators are skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from indicators.asof import cut_at, indicator_frame
from indicators.pivots import atr, pivot_highs, pivot_lows, tolerance

Side = Literal["support", "resistance"]

PIVOTS = "pivots"
HIGH_52W = "52w high"
LOW_52W = "52w low"

#: Dynamic level name for each :func:`indicators.asof.indicator_frame` column, in display order.
DYNAMIC_SOURCES: dict[str, str] = {
    "ema_20": "EMA 20",
    "ema_50": "EMA 50",
    "ema_100": "EMA 100",
    "ema_200": "EMA 200",
    "bb_upper": "BB upper",
    "bb_mid": "BB middle",
    "bb_lower": "BB lower",
}


@dataclass(frozen=True)
class LevelParams:
    """Tunable parameters of :func:`horizontal_levels` (see the module docstring for their meaning)."""

    pivot_window: int = 5  # w: a pivot is the extreme of its ±w bars, confirmed once i + w <= t
    lookback_bars: int = 504  # pivots are taken from the last 504 bars up to t (≈ 2 years)
    min_gap: float = 0.01  # split threshold floor in log price (1%); the threshold is max(tau, min_gap)
    max_width_factor: float = 2.0  # clusters wider than this × threshold are re-split at their largest gap
    min_touches: int = 2  # a cluster needs at least this many pivots to become a level
    half_life_bars: float = 126.0  # touch weight 0.5 ** (age_in_bars / half_life) (≈ 6 months)
    extreme_bars: int = 252  # 52-week high/low window, in bars up to and including t
    atr_window: int = 14  # ATR used for tau and distance_atr


@dataclass(frozen=True)
class Level:
    """One horizontal or dynamic level as seen from the close on the as-of bar.

    ``source`` is ``"pivots"``, ``"52w high"``, ``"52w low"`` or a dynamic name (``"EMA 20"``, ``"BB upper"``,
    ...); ``tags`` lists every contributing source (more than one when a 52-week extreme merged into a
    pivot cluster). ``distance_pct`` and ``distance_atr`` are signed (negative below the close).
    """

    price: float
    zone_low: float
    zone_high: float
    touches: int
    first_touch: date | None
    last_touch: date | None
    weight: float
    source: str
    side: Side
    distance_pct: float
    distance_atr: float
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class LevelSet:
    """Levels as of one bar: supports below the close and resistances above, each nearest first.

    ``high_52w``/``low_52w`` (and their dates) are the exact 52-week extremes; they are set by
    :func:`horizontal_levels` only (None for dynamic levels). A merged ``"52w high"`` level is priced at its
    cluster's median, so the exact extreme lies in its zone but is read here.
    """

    asof: date
    close: float
    atr: float
    tau: float
    supports: tuple[Level, ...]
    resistances: tuple[Level, ...]
    high_52w: float | None = None
    high_52w_date: date | None = None
    low_52w: float | None = None
    low_52w_date: date | None = None

    def nearest_support(self) -> Level | None:
        """Return the highest support (closest below the close), or None."""
        return self.supports[0] if self.supports else None

    def nearest_resistance(self) -> Level | None:
        """Return the lowest resistance (closest above the close), or None."""
        return self.resistances[0] if self.resistances else None

    def next_resistance_after(self, level: Level) -> Level | None:
        """Return the first resistance priced strictly above ``level.price`` (e.g. the target once it breaks)."""
        return next((r for r in self.resistances if r.price > level.price), None)

    def next_support_below(self, level: Level) -> Level | None:
        """Return the first support priced strictly below ``level.price``."""
        return next((s for s in self.supports if s.price < level.price), None)

    @property
    def levels(self) -> tuple[Level, ...]:
        """All levels ordered by price, lowest first."""
        return (*reversed(self.supports), *self.resistances)


# --------------------------------------------------------------------------------------------------------------
# Horizontal levels


def horizontal_levels(bars: pd.DataFrame, asof: date | None = None, params: LevelParams = LevelParams()) -> LevelSet:
    """Return the pivot-cluster and 52-week levels of ``bars`` (date-indexed OHLC) as of ``asof``.

    See the module docstring for the conventions. Raises ``ValueError`` when no bar is on or before ``asof``.
    """
    cut = _cut(bars, asof)
    t = len(cut) - 1
    close = float(cut["close"].iloc[-1])
    atr_t = _atr_at(cut, params.atr_window)
    tau = tolerance(cut, window=params.atr_window)
    gap = max(tau, params.min_gap)
    dates = [ts.date() for ts in cut.index]

    log_p, pos = _pivot_points(cut, params)
    candidates: list[_Candidate] = []
    for members in _clusters(log_p, gap, params.max_width_factor * gap):
        if len(members) < params.min_touches:
            continue
        lp, ip = log_p[members], pos[members]
        candidates.append(_Candidate(
            log_price=float(np.median(lp)), zone_low=float(lp.min()), zone_high=float(lp.max()),
            touches=len(members), first=int(ip.min()), last=int(ip.max()),
            weight=_weight(ip, t, params.half_life_bars), source=PIVOTS, tags=(PIVOTS,),
        ))

    ext = cut.iloc[max(0, t + 1 - params.extreme_bars):]
    start = t + 1 - len(ext)
    hi_i = start + int(np.argmax(ext["high"].to_numpy()))
    lo_i = start + int(np.argmin(ext["low"].to_numpy()))
    _add_extreme(candidates, float(cut["high"].iloc[hi_i]), hi_i, HIGH_52W, tau, t, params)
    _add_extreme(candidates, float(cut["low"].iloc[lo_i]), lo_i, LOW_52W, tau, t, params)

    levels = [_to_level(c, dates, close, atr_t) for c in candidates]
    return replace(
        _level_set(dates[-1], close, atr_t, tau, levels),
        high_52w=float(cut["high"].iloc[hi_i]), high_52w_date=dates[hi_i],
        low_52w=float(cut["low"].iloc[lo_i]), low_52w_date=dates[lo_i],
    )


@dataclass
class _Candidate:
    log_price: float
    zone_low: float
    zone_high: float
    touches: int
    first: int
    last: int
    weight: float
    source: str
    tags: tuple[str, ...]
    exact: float | None = None  # stand-alone 52-week extreme: its raw price (avoids exp(log(x)) rounding)


def _cut(bars: pd.DataFrame, asof: date | None) -> pd.DataFrame:
    cut = cut_at(bars, asof)
    if cut.empty:
        raise ValueError(f"no bars on or before {asof}")
    return cut


def _atr_at(cut: pd.DataFrame, window: int) -> float:
    if len(cut) < window + 1:
        return math.nan
    value = float(atr(cut, window).iloc[-1])
    return value if math.isfinite(value) else math.nan


def _pivot_points(cut: pd.DataFrame, params: LevelParams) -> tuple[np.ndarray, np.ndarray]:
    """Return (log price, bar position in ``cut``) of the confirmed pivots whose bar is in the lookback."""
    n, w = len(cut), params.pivot_window
    first = max(0, n - params.lookback_bars)
    offset = max(0, first - w)  # keep w bars of left context so a pivot on the first lookback bar counts
    high = cut["high"].to_numpy(dtype="float64")[offset:]
    low = cut["low"].to_numpy(dtype="float64")[offset:]
    hi = pivot_highs(high, w)
    lo = pivot_lows(low, w)
    log_p = np.log(np.concatenate([high[hi], low[lo]]))
    pos = np.concatenate([hi, lo]) + offset
    keep = pos >= first
    return log_p[keep], pos[keep]


def _clusters(log_p: np.ndarray, gap: float, max_width: float) -> list[np.ndarray]:
    """Return index arrays into ``log_p``: sorted runs split at gaps > ``gap``, then at widths > ``max_width``."""
    if len(log_p) == 0:
        return []
    order = np.argsort(log_p, kind="stable")
    values = log_p[order]
    breaks = np.flatnonzero(np.diff(values) > gap) + 1
    out: list[np.ndarray] = []
    for run in np.split(np.arange(len(values)), breaks):
        out.extend(_split_wide(values, run, max_width))
    return [order[run] for run in out]


def _split_wide(values: np.ndarray, run: np.ndarray, max_width: float) -> list[np.ndarray]:
    """Split the sorted ``values[run]`` at its largest gap until every part is at most ``max_width`` wide."""
    if len(run) < 2 or values[run[-1]] - values[run[0]] <= max_width:
        return [run]
    cut = int(np.argmax(np.diff(values[run]))) + 1
    return _split_wide(values, run[:cut], max_width) + _split_wide(values, run[cut:], max_width)


def _weight(positions: np.ndarray, t: int, half_life: float) -> float:
    return float(np.sum(0.5 ** ((t - positions) / half_life)))


def _add_extreme(candidates: list[_Candidate], exact: float, i: int, source: str, tau: float, t: int,
                 params: LevelParams) -> None:
    """Merge a 52-week extreme into the nearest pivot cluster within ``tau``, or add it as its own level."""
    log_price = math.log(exact)
    near = [c for c in candidates if PIVOTS in c.tags and abs(c.log_price - log_price) <= tau]
    if near:
        c = min(near, key=lambda c: abs(c.log_price - log_price))
        c.zone_low = min(c.zone_low, log_price)
        c.zone_high = max(c.zone_high, log_price)
        c.source = source
        c.tags = (*c.tags, source)
        return
    candidates.append(_Candidate(
        log_price=log_price, zone_low=log_price, zone_high=log_price, touches=1, first=i, last=i,
        weight=_weight(np.array([i]), t, params.half_life_bars), source=source, tags=(source,),
        exact=exact,
    ))


def _to_level(c: _Candidate, dates: list[date], close: float, atr_t: float) -> Level:
    if c.exact is not None:
        price = zone_low = zone_high = c.exact
    else:
        price, zone_low, zone_high = math.exp(c.log_price), math.exp(c.zone_low), math.exp(c.zone_high)
    return Level(
        price=price, zone_low=zone_low, zone_high=zone_high, touches=c.touches,
        first_touch=dates[c.first], last_touch=dates[c.last], weight=c.weight, source=c.source,
        side=_side(price, close, c.source), distance_pct=(price / close - 1.0) * 100.0,
        distance_atr=(price - close) / atr_t, tags=c.tags,
    )


def _side(price: float, close: float, source: str) -> Side:
    if price < close or (price == close and source == LOW_52W):
        return "support"
    return "resistance"


def _level_set(asof: date, close: float, atr_t: float, tau: float, levels: list[Level]) -> LevelSet:
    supports = sorted((lv for lv in levels if lv.side == "support"), key=lambda lv: -lv.price)
    resistances = sorted((lv for lv in levels if lv.side == "resistance"), key=lambda lv: lv.price)
    return LevelSet(asof=asof, close=close, atr=atr_t, tau=tau, supports=tuple(supports),
                    resistances=tuple(resistances))


# --------------------------------------------------------------------------------------------------------------
# Dynamic levels


def dynamic_levels(bars: pd.DataFrame, asof: date | None = None, params: LevelParams = LevelParams()) -> LevelSet:
    """Return the EMA 20/50/100/200 and Bollinger upper/middle/lower values at ``asof`` as levels.

    ``bars`` is cut at ``asof`` and run through :func:`indicators.asof.indicator_frame`; see
    :func:`dynamic_levels_from_frame`.
    """
    return dynamic_levels_from_frame(indicator_frame(_cut(bars, asof), None), params)


def dynamic_levels_from_frame(frame: pd.DataFrame, params: LevelParams = LevelParams()) -> LevelSet:
    """Return the dynamic levels on the last row of an :func:`indicators.asof.indicator_frame`.

    Each level has a zero-width zone, ``touches = 0``, no touch dates and ``weight = 0``; NaN indicator
    values (too little history) are skipped. ``tau`` is :func:`indicators.pivots.tolerance` on the frame.
    """
    if frame.empty:
        raise ValueError("empty indicator frame")
    close = float(frame["close"].iloc[-1])
    atr_t = _atr_at(frame, params.atr_window)
    tau = tolerance(frame, window=params.atr_window)
    row = frame.iloc[-1]
    levels: list[Level] = []
    for column, source in DYNAMIC_SOURCES.items():
        value = float(row[column])
        if not math.isfinite(value):
            continue
        levels.append(Level(
            price=value, zone_low=value, zone_high=value, touches=0, first_touch=None, last_touch=None,
            weight=0.0, source=source, side=_side(value, close, source),
            distance_pct=(value / close - 1.0) * 100.0, distance_atr=(value - close) / atr_t, tags=(source,),
        ))
    return _level_set(frame.index[-1].date(), close, atr_t, tau, levels)
