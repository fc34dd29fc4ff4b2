"""Horizontal support/resistance levels from clustered swing pivots, scored for significance; dynamic levels.

Conventions (all defaults live in :class:`LevelParams`):

* **As-of first.** ``bars`` is cut at the as-of bar ``t`` before anything else (``asof=None`` means the
  last bar; a non-trading as-of such as a weekend resolves to the previous bar). Nothing after ``t`` is
  read, so ``horizontal_levels(bars, d) == horizontal_levels(bars.loc[:d])``.
* **Pivots.** Pivot highs (on ``high``) and pivot lows (on ``low``) with half-window ``w = 5``, confirmed
  (``i + w <= t``), plus the provisional pivot of each kind (:func:`indicators.pivots.provisional_pivot`: the
  newest swing low once a close has rebounded ``rebound_atr`` (1) ATR from it, mirrored for highs), whose bar
  lies in the lookback: the last ``lookback_bars = 504`` bars up to and including ``t`` (≈ 2 years).
* **Log prices.** Clustering works on ``log(price)``, so it is scale invariant; ``tau`` from
  :func:`indicators.pivots.tolerance` (0.5 × ATR14 / close at ``t``, clipped to 0.5%..5%) is a log distance.
* **Clustering.** All pivot prices (highs and lows together) are sorted and split wherever the gap between
  neighbours exceeds ``gap = max(tau, min_gap)`` (``min_gap = 0.01``, i.e. 1%). Single-linkage chaining can
  glue a whole dense price range into one cluster, so a cluster wider than ``max_width_factor × gap``
  (default 2 × gap) is further split at its largest internal gap, recursively. Every cluster is a candidate
  level: price = median (of the log prices, exponentiated), zone = [min, max] of its pivots, ``touches`` =
  number of pivots, first/last touch = dates of its oldest/newest pivot, ``weight`` =
  Σ 0.5 ** ((t - i) / half_life_bars) over its pivots ``i`` (``half_life_bars = 126`` ≈ 6 months).
* **Swing size.** Each pivot's swing is the larger of its two legs (:func:`indicators.pivots.swing_legs`: how
  far price moved away from it before coming back through it, looking forward and looking back) in units of
  the relative ATR on the pivot's bar, capped at ``swing_cap_atr = 10``. The move into an old extreme and the
  rally off a new low both make a large swing; a pause inside a trend makes a small one.
* **Significance.** ``score`` = Σ over the level's pivots of swing × 0.5 ** ((t - i) / half_life_bars): every
  touch adds the size of the reaction it marked, recent ones count more (a six-month half-life). Highs and lows
  in one cluster both count, so a level that flipped role (old resistance, now support) adds up both sides.
  A level is **major** when ``score >= major_score`` (4): e.g. one fresh 4-ATR swing, two 2-ATR swings, or an
  8-ATR turn six months ago. Measured on published chart readings (``benchmarks/levels_agreement.py``),
  swing size and recency decide which levels writers name; touch count alone does not.
* **52-week extremes.** The max ``high`` and min ``low`` over the last ``extreme_bars = 252`` bars up to
  ``t``. If one lies within ``tau`` (log) of a cluster's price (the nearest such cluster), it is merged into
  it: the merged level keeps the cluster's price, touches, dates, weight and score, its zone is widened to
  include the extreme, its ``source`` becomes ``"52w high"``/``"52w low"`` and ``tags`` lists both
  (``("pivots", "52w high")``). Otherwise it is a stand-alone level with one touch (the extreme bar), a
  zero-width zone, and a swing of only the reaction that followed it (it is no pivot yet, so the move into it
  does not count: a low made on the last bars is not a support that held).
* **Listing.** A level is listed when it is major or was touched at least ``min_touches = 2`` times, and its
  price lies within ``max_distance_pct`` (:data:`indicators.relevance.RELEVANCE_PCT`, ±40 %) of the close.
* **Zones.** Neighbouring listed levels on one side merge into one zone when at least one of them is major,
  the gap between their zones is at most ``zone_gap_atr = 1`` ATR and the merged zone is at most
  ``zone_width_atr = 1`` ATR wide ("$14 to $15"). The merged level takes the price, source of its
  highest-scored part; touches, weight and score add up; tags are united.
* **Sides.** ``price < close`` → support, ``price > close`` → resistance; a tie goes to support for
  ``"52w low"`` and to resistance otherwise. Supports are sorted nearest first (descending price),
  resistances nearest first (ascending price).
* **Distances** are signed: ``distance_pct = (price / close - 1) × 100`` and
  ``distance_atr = (price - close) / ATR14(t)`` (NaN while ATR is undefined), negative for supports.
* **Provisional.** ``provisional`` marks a level whose newest touch is a provisional pivot; bars that later
  confirm it change only this flag.
* **Dynamic levels** (:func:`dynamic_levels`): EMA 20/50/100/200, SMA 20/50/200 and Bollinger upper/middle/lower
  at ``t`` from :func:`indicators.asof.indicator_frame`, with zero-width zones, no pivots (``weight = 0``) and
  within ``max_distance_pct`` of the close; undefined (NaN) indicators are skipped. ``touches`` counts the bars
  of the last ``dynamic_test_bars = 10`` that tested the line, held it and were followed by a move away from it
  (support: ``low <= line × e^tau`` and ``close >= line`` on the bar, then a later close at least
  ``rebound_atr`` (1) ATR above the line; resistance mirrored; the side is taken at ``t``), ``first_touch``/
  ``last_touch`` the oldest/newest of them. The upper band only acts as resistance and the lower band only as
  support. A dynamic level is **major** when it was tested, held and left at least once (``score`` = touches): a
  moving average the price bounced off lately, not one it merely sits on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from indicators.asof import DYNAMIC_COLUMNS, indicator_frame
from indicators.distance import distance_atr, distance_pct
from indicators.pivots import REBOUND_ATR, swing_legs
from indicators.prepared import PreparedBars, ToleranceSettings, prepared
from indicators.relevance import RELEVANCE_PCT, within_relevance

Side = Literal["support", "resistance"]

PIVOTS = "pivots"
HIGH_52W = "52w high"
LOW_52W = "52w low"

#: Dynamic level name for each :func:`indicators.asof.indicator_frame` column, in display order.
DYNAMIC_SOURCES: dict[str, str] = DYNAMIC_COLUMNS


@dataclass(frozen=True)
class LevelParams:
    """Tunable parameters of :func:`horizontal_levels` (see the module docstring for their meaning)."""

    pivot_window: int = 5  # w: a pivot is the extreme of its ±w bars, confirmed once i + w <= t
    lookback_bars: int = 504  # pivots are taken from the last 504 bars up to t (≈ 2 years)
    min_gap: float = 0.01  # split threshold floor in log price (1%); the threshold is max(tau, min_gap)
    max_width_factor: float = 2.0  # clusters wider than this × threshold are re-split at their largest gap
    min_touches: int = 2  # a minor level is listed only with at least this many pivots
    half_life_bars: float = 126.0  # touch weight 0.5 ** (age_in_bars / half_life) (≈ 6 months)
    extreme_bars: int = 252  # 52-week high/low window, in bars up to and including t
    atr_window: int = 14  # ATR used for tau, swings and distance_atr
    rebound_atr: float = REBOUND_ATR  # rebound (ATR at t) that makes the newest swing a provisional pivot
    swing_cap_atr: float = 10.0  # a pivot's swing counts at most this many ATR
    major_score: float = 4.0  # score at or above which a level is major
    zone_gap_atr: float = 1.0  # neighbouring levels this close (ATR) merge into a zone ...
    zone_width_atr: float = 1.0  # ... when the zone stays at most this wide (ATR)
    max_distance_pct: float = RELEVANCE_PCT  # levels farther from the close are not listed
    dynamic_test_bars: int = 10  # bars in which a dynamic level must have been tested and held to be major

    def tolerance_settings(self) -> ToleranceSettings:
        """Return how ATR and tau are computed for these parameters (ATR window; tau's default factor and clip)."""
        return ToleranceSettings(atr_window=self.atr_window)


@dataclass(frozen=True)
class Level:
    """One horizontal or dynamic level as seen from the close on the as-of bar.

    ``source`` is ``"pivots"``, ``"52w high"``, ``"52w low"`` or a dynamic name (``"EMA 20"``, ``"SMA 50"``,
    ``"BB upper"``, ...); ``tags`` lists every contributing source (more than one when a 52-week extreme merged
    into a pivot cluster, or levels merged into a zone). ``distance_pct`` and ``distance_atr`` are signed
    (negative below the close). ``score`` is the significance (see the module docstring), ``major`` whether it
    reaches ``major_score`` (dynamic levels: tested and held lately), ``swing_atr`` the largest swing of its
    pivots, ``provisional`` whether its newest touch is a provisional pivot.
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
    score: float = 0.0
    major: bool = False
    swing_atr: float = 0.0
    provisional: bool = False


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

    @property
    def majors(self) -> tuple[Level, ...]:
        """The major levels ordered by price, lowest first."""
        return tuple(lv for lv in self.levels if lv.major)


# --------------------------------------------------------------------------------------------------------------
# Horizontal levels


def horizontal_levels(bars: pd.DataFrame | PreparedBars, asof: date | None = None,
                      params: LevelParams = LevelParams()) -> LevelSet:
    """Return the listed pivot-cluster and 52-week levels of ``bars`` (date-indexed OHLC) as of ``asof``.

    ``bars`` may be a :class:`indicators.prepared.PreparedBars` already cut at the as-of bar (then ``asof`` is
    None), so a caller that also detects trendlines computes ATR, tau and pivots once. See the module docstring
    for the conventions. Raises ``ValueError`` when no bar is on or before ``asof``.
    """
    prep = _prepared(bars, asof, params)
    t = len(prep) - 1
    close = float(prep.close[-1])
    gap = max(prep.tau, params.min_gap)
    pivots = _pivot_points(prep, params)
    candidates = [_cluster_candidate(pivots, members, t, params)
                  for members in _clusters(pivots.log_price, gap, params.max_width_factor * gap)]
    hi_i, lo_i = _extreme_positions(prep, params.extreme_bars)
    arel = prep.atr_rel if np.isfinite(prep.atr).any() else np.full(len(prep), 2.0 * prep.tau)
    for i, source in ((hi_i, HIGH_52W), (lo_i, LOW_52W)):
        exact = float(prep.high[i] if source == HIGH_52W else prep.low[i])
        swing = _extreme_swing(prep, i, source, arel, params)
        _add_extreme(candidates, exact, i, source, prep.tau, t, swing, params)

    levels = [_to_level(c, prep, close, params) for c in candidates]
    listed = [lv for lv in levels if (lv.major or lv.touches >= params.min_touches)
              and within_relevance(lv.price, close, params.max_distance_pct)]
    zones = _merge_zones(listed, close, prep.atr_t, params)
    return replace(
        _level_set(prep.date_at(-1), close, prep.atr_t, prep.tau, zones),
        high_52w=float(prep.high[hi_i]), high_52w_date=prep.date_at(hi_i),
        low_52w=float(prep.low[lo_i]), low_52w_date=prep.date_at(lo_i),
    )


def _prepared(bars: pd.DataFrame | PreparedBars, asof: date | None, params: LevelParams) -> PreparedBars:
    prep = prepared(bars, asof, params.tolerance_settings())
    if len(prep) == 0:
        when = "the as-of date" if asof is None and isinstance(bars, PreparedBars) else asof
        raise ValueError(f"no bars on or before {when}")
    return prep


def _cluster_candidate(pivots: _Pivots, members: np.ndarray, t: int, params: LevelParams) -> _Candidate:
    """Return the candidate level of one cluster of pivots (``members``: indices into ``pivots``)."""
    lp, ip = pivots.log_price[members], pivots.position[members]
    return _Candidate(
        log_price=float(np.median(lp)), zone_low=float(lp.min()), zone_high=float(lp.max()),
        touches=len(members), first=int(ip.min()), last=int(ip.max()),
        weight=_weight(ip, t, params.half_life_bars), source=PIVOTS, tags=(PIVOTS,),
        score=float(pivots.contribution[members].sum()), swing=float(pivots.swing[members].max()),
        provisional=bool(pivots.provisional[members].any()),
    )


def _extreme_positions(prep: PreparedBars, extreme_bars: int) -> tuple[int, int]:
    """Return the positions of the 52-week high and low: the highest high and lowest low (the first on ties) of
    the last ``extreme_bars`` bars up to ``t``."""
    start = max(0, len(prep) - extreme_bars)
    return start + int(np.argmax(prep.high[start:])), start + int(np.argmin(prep.low[start:]))


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
    score: float
    swing: float
    provisional: bool
    exact: float | None = None  # stand-alone 52-week extreme: its raw price (avoids exp(log(x)) rounding)


@dataclass(frozen=True)
class _Pivots:
    """Pivot highs and lows of the lookback (confirmed and provisional), one entry each."""

    log_price: np.ndarray
    position: np.ndarray
    swing: np.ndarray  # swing size in ATR (capped)
    contribution: np.ndarray  # swing × recency weight: the pivot's share of its level's score
    provisional: np.ndarray  # bool


def _pivot_points(prep: PreparedBars, params: LevelParams) -> _Pivots:
    """Return the confirmed and provisional pivots whose bar is in the lookback, with their swings."""
    n, w = len(prep), params.pivot_window
    t = n - 1
    first = max(0, n - params.lookback_bars)
    finite = np.isfinite(prep.atr).any()
    arel = prep.atr_rel if finite else np.full(n, 0.02)
    need = params.rebound_atr * float(arel[-1]) if finite else math.inf
    parts = []
    sides: tuple[tuple[float, Side], ...] = ((1.0, "support"), (-1.0, "resistance"))
    for sign, side in sides:
        ext, opp, _ = prep.space(side)
        pos, prov = prep.pivots(side, need, w)
        pos = pos[pos >= first]
        left, right = swing_legs(ext, opp, pos)
        swing = np.minimum(np.maximum(left, right) / arel[pos], params.swing_cap_atr)
        parts.append((sign * ext[pos], pos, swing, pos == (prov if prov is not None else -1)))
    log_p = np.concatenate([parts[0][0], parts[1][0]])
    pos = np.concatenate([parts[0][1], parts[1][1]]).astype(np.int64)
    swing = np.concatenate([parts[0][2], parts[1][2]])
    recency = 0.5 ** ((t - pos) / params.half_life_bars)
    return _Pivots(log_p, pos, swing, swing * recency, np.concatenate([parts[0][3], parts[1][3]]))


def _extreme_swing(prep: PreparedBars, i: int, source: str, arel: np.ndarray, params: LevelParams) -> float:
    """Return the swing (ATR, capped) of a stand-alone 52-week extreme on bar ``i``: only the reaction that
    followed it (its right leg). Such an extreme is no pivot (yet), so the move into it does not count: a low
    made on the last bars is not a support that held."""
    ext, opp, _ = prep.space("support" if source == LOW_52W else "resistance")
    _, right = swing_legs(ext, opp, np.array([i]))
    return float(min(right[0] / arel[i], params.swing_cap_atr))


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
                 swing: float, params: LevelParams) -> None:
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
    recency = _weight(np.array([i]), t, params.half_life_bars)
    candidates.append(_Candidate(
        log_price=log_price, zone_low=log_price, zone_high=log_price, touches=1, first=i, last=i,
        weight=recency, source=source, tags=(source,), score=swing * recency, swing=swing, provisional=False,
        exact=exact,
    ))


def _to_level(c: _Candidate, prep: PreparedBars, close: float, params: LevelParams) -> Level:
    if c.exact is not None:
        price = zone_low = zone_high = c.exact
    else:
        price, zone_low, zone_high = math.exp(c.log_price), math.exp(c.zone_low), math.exp(c.zone_high)
    return Level(
        price=price, zone_low=zone_low, zone_high=zone_high, touches=c.touches,
        first_touch=prep.date_at(c.first), last_touch=prep.date_at(c.last), weight=c.weight, source=c.source,
        side=_side(price, close, c.source), distance_pct=distance_pct(price, close),
        distance_atr=distance_atr(price, close, prep.atr_t), tags=c.tags, score=c.score,
        major=c.score >= params.major_score, swing_atr=c.swing, provisional=c.provisional,
    )


def _merge_zones(levels: list[Level], close: float, atr_t: float, params: LevelParams) -> list[Level]:
    """Merge neighbouring levels of one side into zones (see the module docstring); return them by price."""
    if not math.isfinite(atr_t):
        return levels
    out: list[Level] = []
    for level in sorted(levels, key=lambda lv: lv.price):
        prev = out[-1] if out else None
        if (prev is not None and prev.side == level.side and (prev.major or level.major)
                and level.zone_low - prev.zone_high <= params.zone_gap_atr * atr_t
                and max(prev.zone_high, level.zone_high) - prev.zone_low <= params.zone_width_atr * atr_t):
            out[-1] = _merged(prev, level, close, atr_t)
        else:
            out.append(level)
    return out


def _merged(a: Level, b: Level, close: float, atr_t: float) -> Level:
    lead = a if a.score >= b.score else b
    firsts = [d for d in (a.first_touch, b.first_touch) if d is not None]
    lasts = [d for d in (a.last_touch, b.last_touch) if d is not None]
    tags = tuple(dict.fromkeys((*lead.tags, *a.tags, *b.tags)))
    return replace(
        lead, zone_low=min(a.zone_low, b.zone_low), zone_high=max(a.zone_high, b.zone_high),
        touches=a.touches + b.touches, first_touch=min(firsts) if firsts else None,
        last_touch=max(lasts) if lasts else None, weight=a.weight + b.weight, tags=tags,
        score=a.score + b.score, major=a.major or b.major, swing_atr=max(a.swing_atr, b.swing_atr),
        provisional=a.provisional or b.provisional,
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
    """Return the moving averages and Bollinger bands at ``asof`` as levels.

    ``bars`` is cut at ``asof`` and run through :func:`indicators.asof.indicator_frame`; see
    :func:`dynamic_levels_from_frame`.
    """
    prep = _prepared(bars, asof, params)
    return dynamic_levels_from_frame(indicator_frame(prep.bars, None), params, prep)


def dynamic_levels_from_frame(frame: pd.DataFrame, params: LevelParams = LevelParams(),
                              prepared_bars: PreparedBars | None = None) -> LevelSet:
    """Return the dynamic levels on the last row of an :func:`indicators.asof.indicator_frame`.

    Each level has a zero-width zone and ``weight = 0``; ``touches`` counts the recent bars that tested and held
    it (see the module docstring), ``major`` is ``touches >= 1``; NaN indicator values (too little history) and
    values beyond ``max_distance_pct`` of the close are skipped. ``tau`` is the tolerance on the frame.
    ``prepared_bars``, when given, must hold the frame's bars (the same rows); its ATR and tau are used instead
    of computing them again.
    """
    if frame.empty:
        raise ValueError("empty indicator frame")
    prep = prepared(frame if prepared_bars is None else prepared_bars, None, params.tolerance_settings())
    high, low, closes, atr_t, tau = prep.high, prep.low, prep.close, prep.atr_t, prep.tau
    close = float(closes[-1])
    recent = slice(max(0, len(frame) - params.dynamic_test_bars), len(frame))
    dates = frame.index[recent]
    levels: list[Level] = []
    for column, source in DYNAMIC_SOURCES.items():
        line = frame[column].to_numpy(dtype="float64")
        value = float(line[-1])
        if not math.isfinite(value) or not within_relevance(value, close, params.max_distance_pct):
            continue
        side = _side(value, close, source)
        tested = [] if _wrong_band_side(column, side) else [
            d.date() for d, ok in zip(dates, _held(line, high, low, closes, side, tau, atr_t, recent, params),
                                      strict=True) if ok]
        levels.append(Level(
            price=value, zone_low=value, zone_high=value, touches=len(tested),
            first_touch=tested[0] if tested else None, last_touch=tested[-1] if tested else None,
            weight=0.0, source=source, side=side,
            distance_pct=distance_pct(value, close), distance_atr=distance_atr(value, close, atr_t), tags=(source,),
            score=float(len(tested)), major=bool(tested),
        ))
    return _level_set(frame.index[-1].date(), close, atr_t, tau, levels)


def _wrong_band_side(column: str, side: Side) -> bool:
    """A Bollinger band acts only on its own side: the upper band as resistance, the lower one as support."""
    return (column == "bb_upper" and side == "support") or (column == "bb_lower" and side == "resistance")


def _held(line: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray, side: Side, tau: float,
          atr_t: float, recent: slice, params: LevelParams) -> np.ndarray:
    """Return, per bar of ``recent``, whether it tested the line and held it, and price moved away since.

    Support: ``low <= line × e^tau`` and ``close >= line`` on the bar, and some close after it (up to ``t``) at
    least ``rebound_atr`` ATR (at ``t``) above the line on that bar. Resistance mirrors it.
    """
    idx = np.arange(len(close))[recent]
    if not math.isfinite(atr_t) or len(idx) == 0:
        return np.zeros(len(idx), dtype=bool)
    away = params.rebound_atr * atr_t
    # best close strictly after each bar: support looks for the highest, resistance for the lowest
    after = close[::-1]
    best = (np.maximum.accumulate(after) if side == "support" else np.minimum.accumulate(after))[::-1]
    best_after = np.append(best[1:], np.nan)[idx]
    v = line[idx]
    with np.errstate(invalid="ignore"):
        if side == "support":
            held: np.ndarray = (low[idx] <= v * math.exp(tau)) & (close[idx] >= v) & (best_after - v >= away)
        else:
            held = (high[idx] >= v * math.exp(-tau)) & (close[idx] <= v) & (v - best_after >= away)
    return held
