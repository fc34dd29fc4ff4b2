"""Support (and resistance) trendlines through pivots, computed as of a date.

Conventions (all defaults live in :class:`TrendlineParams`):

* **As-of cut first.** ``bars`` (date index, ascending; columns ``open high low close``) are cut at the as-of
  date before anything else (a weekend/holiday as-of uses the previous bar). ``t`` is the position of the last
  bar of the cut; nothing after it is read, so ``detect(bars, asof)`` equals ``detect(bars[:asof])``.
* **Log prices.** Every line is straight in log price: ``L(b) = c + m·b`` with ``b`` the bar position in the cut
  (0 = first bar). Results are therefore invariant to multiplying all prices by a constant.
* **Tolerance** ``tau = clip(0.5 × ATR14 / close, 0.5 %, 5 %)`` on bar ``t``, used directly as a log distance
  (same formula as :func:`indicators.pivots.tolerance`; computed with :func:`indicators.pivots.wilder_atr`, an
  exact, faster replica of ``ta``'s ATR, whose loop costs ~40 ms per 1,000 bars).
  **Relative ATR** ``a_b = ATR14_b / close_b`` (log units; bars before the first ATR value use the first one).
* **Anchors.** Pivot lows with ``w = 5``: the confirmed ones (:func:`indicators.pivots.pivot_lows`,
  ``i + w <= t``) and the *provisional* one (:func:`indicators.pivots.provisional_pivot`: the lowest low of the
  last ``w - 1`` bars before ``t`` once a later close is ``rebound_atr`` (1) relative ATR at ``t`` above it), so a
  bounce off a line counts on the day of the bounce. A candidate is a pair ``i < j`` of pivot lows with
  ``j - i >= 10``; the line runs through both log lows.
* **Relevance.** A pair is dropped when its level at ``t`` lies more than ``max_distance_pct``
  (:data:`indicators.relevance.RELEVANCE_PCT`, 40 %) from the close, or when it is degenerate: its level changes
  by more than ×10 (or ÷10) a year (``|252·m| > ln 10``), a slope no reader draws on a daily chart.
* **Hold rule.** A close *violates* the line when ``log close_b < L(b) - tau`` (strict). A line is kept only if

  1. no low between the anchors is below the line by more than tau (``log low_b >= L(b) - tau``, ``i < b < j``),
  2. no close violates it from the first anchor through bar ``t - recent_bars`` (10) — checked for all pairs at
     once with the per-anchor largest admissible slope ``M_i = min_b (log close_b + tau - log low_i)/(b - i)``,
  3. in the last ``recent_bars`` bars, no violation comes before the last touch (touches are only counted
     before the first violation, and a violation before ``j`` rejects the pair).

  So a violation older than ``recent_bars`` bars removes the line; a recent one is reported through ``status``.
* **Touches.** Pivot lows (the provisional one included) ``p >= i`` with ``|log low_p - L(p)| <= tau`` before
  the first violation, taken greedily in time order starting at ``i``: a touch needs ``>= w`` bars since the
  previous touch (always true of two pivot lows, which are more than ``w`` bars apart) and a rebound in between:
  the highest *close* strictly between the two touches is at least ``rebound_atr`` (1) relative ATR (``a`` at the
  later touch) above the line. Both anchors are always touches (a pivot between them is taken only if it also
  keeps ``>= w`` bars and a rebound before ``j``); a pair whose anchors have no rebound between them is dropped.
  3+ touches = ``confirmed``, 2 = tentative. ``provisional``: the last touch is the provisional pivot; later bars
  that confirm it change only this flag.
* **Status** (last ``recent_bars`` bars, only bars after the last touch can violate):
  ``broken`` — two consecutive violating closes, or one close more than ``max(tau, 3 %)`` below the line
  (``close < level × 0.97`` and violating); ``testing`` — a violating close that is not (yet) a break, or a bar
  whose low is within tau of the line and whose close holds it (``log close >= L - tau``); else ``active``.
* **Labels.** ``direction``: slope in price terms ``(exp(252·m) - 1)`` above +2 %/year ascending, below −2 %/year
  descending, else flat. ``long_term``: first anchor to last touch spans ``>= 250`` bars.
  ``higher_lows_intact``: successive touch lows never fall by more than tau, and every confirmed pivot low from
  the first anchor to ``t`` is at or above ``L - tau``.
* **Score** (higher is better)::

      score = 1.0 · min(n_touches, 6)             # touches
            + 1.0 · min(span_bars / 250, 2)       # span
            + 2.0 · exp(-(t - last_touch) / 126)  # recency of the last touch
            + 2.0 · exp(-|distance_atr| / 4)      # nearness to the price at t
            + 0.5 · (1 - fit_residual)            # only with 3+ touches (a 2-touch line has no fit evidence)

  where ``fit_residual`` = mean ``|log low - L| / tau`` over the non-anchor touches.

  ``distance_atr = (close_t - level_t) / ATR14_t`` in price units. Near-duplicates are dropped (lower score
  loses): lines sharing 3+ touches, or whose levels at ``t`` differ by at most tau and whose slopes differ by at
  most ``tau / max(span)``. Ties break on smaller residual, then wider anchors, then earlier anchor.
* **Speed.** The admissible pairs come from one vectorised pass over an (anchors × bars) block (per-anchor
  ``M_i`` plus per-segment minima for the lows between anchors), status and touch candidates from
  (pairs × bars-in-window) and (pairs × pivots) arrays; only touch selection loops per pair, best score bound
  first, and stops as soon as the lines already scored fill ``max_lines`` after de-duplication (so the result is
  the same as scoring every pair). ~5–20 ms for 2,500 bars.
* **Resistance** mirrors everything through pivot highs (``log`` prices negated): lines stay above closes, a
  violation is ``log close_b > L(b) + tau``, touches are pivot highs, ``higher_lows_intact`` means *lower highs*
  intact, and ``distance_atr`` keeps the same formula (negative below the line).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, cast

import numpy as np
import pandas as pd

from indicators.pivots import REBOUND_ATR
from indicators.prepared import PreparedBars, ToleranceSettings, prepared
from indicators.relevance import RELEVANCE_PCT

BARS_PER_YEAR = 252

Kind = Literal["support", "resistance"]
Direction = Literal["ascending", "flat", "descending"]
Status = Literal["active", "testing", "broken"]


@dataclass(frozen=True)
class TrendlineParams:
    """Documented defaults of the detector (see the module docstring for how each is used)."""

    pivot_window: int = 5  # w: pivot half-window; also the minimum spacing of touches (bars)
    min_anchor_gap: int = 10  # j - i >= this
    atr_window: int = 14
    tolerance_factor: float = 0.5  # tau = clip(factor · ATR / close, floor, cap)
    tolerance_floor: float = 0.005
    tolerance_cap: float = 0.05
    rebound_atr: float = REBOUND_ATR  # rebound between touches (relative ATR at the later touch); also what
    # makes the newest swing a provisional pivot (relative ATR at t)
    recent_bars: int = 10  # window for status (testing/broken); older violations remove the line
    break_pct: float = 0.03  # one close this far below the line (and below L - tau) = broken
    flat_pct_per_year: float = 2.0  # |slope| within this (price %, per 252 bars) = flat
    long_term_bars: int = 250
    confirmed_touches: int = 3
    max_lines: int = 5
    max_distance_pct: float = RELEVANCE_PCT  # lines whose level at t is farther from the close are not reported
    max_slope_log_per_year: float = 2.302585092994046  # |ln(level change per 252 bars)| <= ln 10: beyond ×10 or
    # ÷10 a year a line is degenerate on a daily chart
    # score weights and scales
    weight_touches: float = 1.0
    max_scored_touches: int = 6
    weight_span: float = 1.0
    span_scale_bars: float = 250.0
    max_span_score: float = 2.0
    weight_recency: float = 2.0
    recency_scale_bars: float = 126.0
    weight_distance: float = 2.0
    distance_scale_atr: float = 4.0
    weight_fit: float = 0.5

    def tolerance_settings(self) -> ToleranceSettings:
        """Return how ATR and tau are computed for these parameters."""
        return ToleranceSettings(self.atr_window, self.tolerance_factor, self.tolerance_floor, self.tolerance_cap)


DEFAULT_PARAMS = TrendlineParams()


@dataclass(frozen=True)
class Trendline:
    """One straight line in log price, with its touches and labels as of ``asof_date`` (bar ``asof_position``).

    Positions are bar numbers in the as-of cut (0 = first bar of ``bars``). Prices are in the frame's units.
    """

    kind: Kind
    anchor_positions: tuple[int, int]
    anchor_dates: tuple[date, date]
    touch_positions: tuple[int, ...]
    touch_dates: tuple[date, ...]
    touch_prices: tuple[float, ...]  # the lows (support) or highs (resistance) at the touches
    slope_log_per_bar: float  # m in log(price) = intercept_log + m · position
    intercept_log: float  # log price of the line at position 0
    slope_pct_per_year: float  # (exp(252·m) - 1) · 100
    level_at_asof: float  # price of the line at t
    asof_position: int
    asof_date: date
    tolerance: float  # tau (log units) used at t
    span_bars: int  # last touch - first anchor
    n_touches: int
    confirmed: bool  # n_touches >= 3
    direction: Direction
    status: Status
    long_term: bool
    higher_lows_intact: bool  # for resistance: lower highs intact
    fit_residual: float  # mean |log residual| / tau over the non-anchor touches (0 if none)
    score: float
    distance_atr: float  # (close_t - level_at_asof) / ATR14_t
    first_date: date  # first anchor
    last_touch_date: date
    provisional: bool = False  # the last touch is the provisional pivot (not yet confirmed by w later bars)
    _dates: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"), repr=False, compare=False)

    def value_at(self, when: int | date | pd.Timestamp) -> float:
        """Price of the line at a bar position, or at a date.

        A date on or before ``asof_date`` maps to the last bar dated on or before it (a weekend uses the previous
        bar); a later date is projected with business days (``numpy.busday_count``) past ``asof_date``.
        """
        return float(math.exp(self.intercept_log + self.slope_log_per_bar * self._position(when)))

    def _position(self, when: int | date | pd.Timestamp) -> float:
        if isinstance(when, int | np.integer):
            return float(when)
        day = np.datetime64(pd.Timestamp(when).date(), "D")
        dates = self._dates
        if len(dates) == 0:
            raise ValueError("this Trendline has no calendar; pass a bar position")
        if day > dates[-1]:
            return float(len(dates) - 1 + np.busday_count(dates[-1], day))
        if day < dates[0]:
            return float(-np.busday_count(day, dates[0]))
        return float(np.searchsorted(dates, day, side="right") - 1)


def detect_trendlines(bars: pd.DataFrame | PreparedBars, asof: date | None = None,
                      params: TrendlineParams = DEFAULT_PARAMS) -> list[Trendline]:
    """Return up to ``params.max_lines`` support lines as of ``asof`` (None = last bar), best score first.

    ``bars`` may be a :class:`indicators.prepared.PreparedBars` already cut at the as-of bar (then ``asof`` is
    None): its ATR, tolerance and pivots are shared with the other detectors.
    """
    return _detect(prepared(bars, asof, params.tolerance_settings()), params, "support")


def detect_resistance_trendlines(bars: pd.DataFrame | PreparedBars, asof: date | None = None,
                                 params: TrendlineParams = DEFAULT_PARAMS) -> list[Trendline]:
    """Mirror of :func:`detect_trendlines` through pivot highs: lines that stay above every close + tau."""
    return _detect(prepared(bars, asof, params.tolerance_settings()), params, "resistance")


# --------------------------------------------------------------------------------------------------------------
# Core (support space: for resistance the log prices are negated, see indicators.prepared)


@dataclass(frozen=True)
class _RawLine:
    i: int
    j: int
    m: float
    c: float
    touches: tuple[int, ...]
    status: Status
    higher_lows: bool
    fit: float
    score: float
    level_t: float  # support-space log level at t
    distance_atr: float


def _detect(prep: PreparedBars, params: TrendlineParams, kind: Kind) -> list[Trendline]:
    n = len(prep)
    if n < 2 * params.pivot_window + params.min_anchor_gap + 1:
        return []
    tau = prep.tau
    atr_rel = prep.atr_rel if np.isfinite(prep.atr_rel).all() else np.full(n, 2.0 * tau)
    lo, _, cl = prep.space(kind)
    piv, provisional = prep.pivots(kind, params.rebound_atr * float(atr_rel[n - 1]), params.pivot_window)
    sign = 1.0 if kind == "support" else -1.0
    raw = _support_core(lo, cl, piv, atr_rel, tau, sign, prep.atr_t, params)
    return [_trendline(r, prep, kind, provisional, params) for r in raw]


def _trendline(r: _RawLine, prep: PreparedBars, kind: Kind, provisional: int | None,
               params: TrendlineParams) -> Trendline:
    """Return the public :class:`Trendline` of a support-space line (mirrored back for resistance)."""
    sign = 1.0 if kind == "support" else -1.0
    dates = prep.dates
    t = len(prep) - 1
    m, c = sign * r.m, sign * r.c
    pct_year = (math.exp(m * BARS_PER_YEAR) - 1.0) * 100.0
    touch_dates = tuple(_to_date(dates[p]) for p in r.touches)
    src = prep.low if kind == "support" else prep.high
    return Trendline(
        kind=kind, anchor_positions=(r.i, r.j), anchor_dates=(_to_date(dates[r.i]), _to_date(dates[r.j])),
        touch_positions=r.touches, touch_dates=touch_dates,
        touch_prices=tuple(float(src[p]) for p in r.touches),
        slope_log_per_bar=m, intercept_log=c, slope_pct_per_year=pct_year, level_at_asof=math.exp(c + m * t),
        asof_position=t, asof_date=_to_date(dates[t]), tolerance=prep.tau,
        span_bars=r.touches[-1] - r.i, n_touches=len(r.touches),
        confirmed=len(r.touches) >= params.confirmed_touches, direction=_direction(pct_year, params),
        status=r.status, long_term=r.touches[-1] - r.i >= params.long_term_bars, higher_lows_intact=r.higher_lows,
        fit_residual=r.fit, score=r.score,
        distance_atr=r.distance_atr,
        first_date=touch_dates[0], last_touch_date=touch_dates[-1],
        provisional=provisional is not None and r.touches[-1] == provisional, _dates=dates,
    )


def _direction(pct_year: float, params: TrendlineParams) -> Direction:
    """Return ascending / descending beyond ±``flat_pct_per_year`` % a year, else flat."""
    if pct_year > params.flat_pct_per_year:
        return "ascending"
    if pct_year < -params.flat_pct_per_year:
        return "descending"
    return "flat"


def _to_date(value: np.datetime64) -> date:
    day: date = pd.Timestamp(value).date()
    return day


@dataclass(frozen=True)
class _Pairs:
    """Candidate lines, one entry per anchor pair: pivot indices ``r < s`` (into the pivots), anchor bars
    ``i < j``, slope ``m`` and intercept ``c`` of the support-space log line ``L(b) = c + m·b``."""

    r: np.ndarray
    s: np.ndarray
    i: np.ndarray
    j: np.ndarray
    m: np.ndarray
    c: np.ndarray

    def __len__(self) -> int:
        return len(self.r)

    def take(self, mask: np.ndarray) -> _Pairs:
        return _Pairs(self.r[mask], self.s[mask], self.i[mask], self.j[mask], self.m[mask], self.c[mask])


@dataclass(frozen=True)
class _Evidence:
    """What the recent window and the pivots say about each pair (arrays aligned with :class:`_Pairs`)."""

    status: np.ndarray  # "active" / "testing" / "broken"
    near: np.ndarray  # (pairs × pivots): the pivot is a touch candidate of the line
    below: np.ndarray  # a pivot from the first anchor on lies under L - tau: higher lows not intact
    level_t: np.ndarray  # support-space log level at t
    dist: np.ndarray  # distance_atr (NaN without ATR)
    dist_score: np.ndarray  # the nearness term of the score
    bound: np.ndarray  # an upper bound of the score (every near pivot a touch, perfect fit)


def _support_core(lo: np.ndarray, cl: np.ndarray, piv: np.ndarray, atr_rel: np.ndarray, tau: float, sign: float,
                  atr_t: float, params: TrendlineParams) -> list[_RawLine]:
    """Support lines in log space (mirrored when ``sign`` is -1); see the module docstring for every rule.

    ``piv`` are the anchors (confirmed and provisional pivot lows of ``lo``, ascending). ``sign`` and ``atr_t``
    (ATR at t in price units) are used for ``distance_atr`` and the relevance rule.
    """
    if len(piv) < 2:
        return []
    pairs = _relevant_pairs(lo, cl, piv, tau, sign, params)
    if len(pairs) == 0:
        return []
    pairs, first_viol, status = _judge_recent(pairs, lo, cl, tau, params)
    if len(pairs) == 0:
        return []
    evidence = _evidence(pairs, first_viol, status, lo, cl, piv, tau, sign, atr_t, params)
    return _best_lines(pairs, evidence, lo, cl, piv, atr_rel, tau, params)


def _relevant_pairs(lo: np.ndarray, cl: np.ndarray, piv: np.ndarray, tau: float, sign: float,
                    params: TrendlineParams) -> _Pairs:
    """Return the pairs that pass hold rules 1 and 2 and the relevance rule (level at t within
    ``max_distance_pct`` of the close, slope within ``max_slope_log_per_year``)."""
    t = len(lo) - 1
    y = lo[piv]
    rr, ss = _admissible_pairs(lo, cl, piv, tau, t - params.recent_bars, params.min_anchor_gap)
    if len(rr) == 0:
        return _Pairs(rr, ss, rr, ss, np.empty(0), np.empty(0))
    ii, jj = piv[rr], piv[ss]
    mm = (y[ss] - y[rr]) / (jj - ii)
    cc = y[rr] - mm * ii
    pairs = _Pairs(rr, ss, ii, jj, mm, cc)
    ratio = np.exp(sign * (cc + mm * t - cl[t]))  # level_t / close_t in price terms
    relevant = (np.abs(ratio - 1.0) * 100.0 <= params.max_distance_pct) & (
        np.abs(mm) * BARS_PER_YEAR <= params.max_slope_log_per_year)
    return pairs if relevant.all() else pairs.take(relevant)


def _judge_recent(pairs: _Pairs, lo: np.ndarray, cl: np.ndarray, tau: float, params: TrendlineParams
                  ) -> tuple[_Pairs, np.ndarray, np.ndarray]:
    """Apply hold rule 3 and label each kept pair from the last ``recent_bars`` bars, all pairs at once.

    Returns the kept pairs (no violating close before their second anchor), the bar of each one's first
    violating close (``n`` when none) and its status (broken / testing / active, see the module docstring).
    """
    n = len(lo)
    recent = np.arange(max(n - params.recent_bars, 0), n)  # the bars after t_hold = t - recent_bars
    ii, jj, mm, cc = pairs.i, pairs.j, pairs.m, pairs.c
    line_recent = cc[:, None] + mm[:, None] * recent[None, :]
    cl_recent = cl[recent][None, :]
    viol = (cl_recent < line_recent - tau) & (recent[None, :] > ii[:, None])
    any_viol = np.asarray(viol.any(axis=1))
    first_viol = np.where(any_viol, recent[np.argmax(viol, axis=1)], n) if len(recent) else np.full(len(pairs), n)
    keep = first_viol > jj
    if not keep.all():
        pairs, first_viol, any_viol = pairs.take(keep), first_viol[keep], any_viol[keep]
        line_recent, viol = line_recent[keep], viol[keep]
    decisive = viol & (cl_recent < line_recent + math.log1p(-params.break_pct))
    broken = decisive.any(axis=1) | (viol[:, 1:] & viol[:, :-1]).any(axis=1)
    held = ((np.abs(lo[recent][None, :] - line_recent) <= tau) & (cl_recent >= line_recent - tau)
            & (recent[None, :] > pairs.i[:, None])).any(axis=1)
    status = np.where(broken, "broken", np.where(any_viol | held, "testing", "active"))
    return pairs, first_viol, status


def _evidence(pairs: _Pairs, first_viol: np.ndarray, status: np.ndarray, lo: np.ndarray, cl: np.ndarray,
              piv: np.ndarray, tau: float, sign: float, atr_t: float, params: TrendlineParams) -> _Evidence:
    """Return touch candidates, the higher-lows check, distances and the score bound of every pair."""
    t = len(lo) - 1
    ii, mm, cc = pairs.i, pairs.m, pairs.c
    # Touch candidates: pivots within tau of the line, from the first anchor, before the first violation.
    resid = lo[piv][None, :] - (cc[:, None] + mm[:, None] * piv[None, :])
    from_i = piv[None, :] >= ii[:, None]
    near = (np.abs(resid) <= tau) & from_i & (piv[None, :] < first_viol[:, None])
    rows = np.arange(len(pairs))
    near[rows, pairs.r] = True
    near[rows, pairs.s] = True
    below = ((resid < -tau) & from_i).any(axis=1)

    level_t = cc + mm * t
    close_t = math.exp(sign * cl[-1])
    if np.isfinite(atr_t) and atr_t > 0:
        dist = (close_t - np.exp(sign * level_t)) / atr_t
        dist_score = params.weight_distance * np.exp(-np.abs(dist) / params.distance_scale_atr)
    else:
        dist = np.full(len(pairs), math.nan)
        dist_score = np.zeros(len(pairs))

    n_near = near.sum(axis=1)
    last_near = np.where(near, piv[None, :], -1).max(axis=1)
    bound = (_score_parts(params, np.minimum(n_near, params.max_scored_touches), last_near - ii, t - last_near)
             + dist_score + np.where(n_near > 2, params.weight_fit, 0.0))
    return _Evidence(status, near, below, level_t, dist, dist_score, bound)


def _best_lines(pairs: _Pairs, ev: _Evidence, lo: np.ndarray, cl: np.ndarray, piv: np.ndarray,
                atr_rel: np.ndarray, tau: float, params: TrendlineParams) -> list[_RawLine]:
    """Score the pairs best bound first and return the best ``max_lines`` after de-duplication.

    Stops as soon as the lines already scored above the next pair's bound fill ``max_lines`` after
    de-duplication: no pair left can change the result.
    """
    rebound_need = (params.rebound_atr * atr_rel).tolist()
    posf = np.arange(len(lo), dtype="float64")
    lo_list = lo.tolist()
    raws: list[_RawLine] = []
    checked = 0  # number of lines scoring above the bound at the last (failed) stopping check
    for q in np.argsort(-ev.bound, kind="stable").tolist():
        above = [r for r in raws if r.score > ev.bound[q] + 1e-9]
        if len(above) >= params.max_lines and len(above) != checked:
            if len(_dedupe(above, tau, params.max_lines)) >= params.max_lines:
                break  # every line not scored yet scores at most bound[q]: the result cannot change
            checked = len(above)
        i, j, m, c = int(pairs.i[q]), int(pairs.j[q]), float(pairs.m[q]), float(pairs.c[q])
        touches = _select_touches(piv[ev.near[q]].tolist(), i, j, m, c, cl, posf, rebound_need,
                                  params.pivot_window)
        if touches is not None:
            raws.append(_scored_line(q, i, j, m, c, touches, ev, lo_list, tau, len(lo) - 1, params))
    return _dedupe(raws, tau, params.max_lines)


def _scored_line(q: int, i: int, j: int, m: float, c: float, touches: tuple[int, ...], ev: _Evidence,
                 lo_list: list[float], tau: float, t: int, params: TrendlineParams) -> _RawLine:
    """Return pair ``q``'s line with its touches, higher-lows flag, fit residual and score."""
    tl = [lo_list[p] for p in touches]
    higher_lows = not ev.below[q] and all(b >= a - tau for a, b in itertools.pairwise(tl))
    extra = [p for p in touches if p != i and p != j]
    fit = sum(abs(lo_list[p] - (c + m * p)) for p in extra) / len(extra) / tau if extra else 0.0
    span = touches[-1] - i
    score = (params.weight_touches * min(len(touches), params.max_scored_touches)
             + params.weight_span * min(span / params.span_scale_bars, params.max_span_score)
             + params.weight_recency * math.exp(-(t - touches[-1]) / params.recency_scale_bars)
             + float(ev.dist_score[q]) + (params.weight_fit * (1.0 - fit) if extra else 0.0))
    return _RawLine(i, j, m, c, touches, cast(Status, str(ev.status[q])), higher_lows, fit, score,
                    float(ev.level_t[q]), float(ev.dist[q]))


def _score_parts(params: TrendlineParams, touches: np.ndarray, span: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Touch + span + recency terms of the score, vectorised (the per-line loop spells out the same formula)."""
    return (params.weight_touches * np.asarray(touches, dtype="float64")
            + params.weight_span * np.minimum(np.asarray(span) / params.span_scale_bars, params.max_span_score)
            + params.weight_recency * np.exp(-np.asarray(age) / params.recency_scale_bars))


def _admissible_pairs(lo: np.ndarray, cl: np.ndarray, piv: np.ndarray, tau: float, t_hold: int, min_gap: int,
                      chunk: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Return pivot-index pairs (r, s), r < s, whose line through log lows passes the hold rules 1 and 2.

    With ``y_i = log low_i`` and, for each anchor ``i`` and later bar ``b``, the largest slopes a line from
    ``(i, y_i)`` may have without cutting the bar (``R_low`` for its low, ``R_close`` for its close)::

        R_low(i, b)   = (log low_b   + tau - y_i) / (b - i)
        R_close(i, b) = (log close_b + tau - y_i) / (b - i)
        M_i      = min over i < b <= t_hold of R_close(i, b)        (the per-anchor admissible slope)
        E_i(j)   = min over i < b <  j      of R_low(i, b)          (lows strictly between the anchors)

    the pair ``(i, j)`` is admissible iff ``j - i >= min_gap`` and its slope is ``<= M_i`` and ``<= E_i(j)``.
    Everything is one pass over an (anchors × bars) block per chunk of anchors, visiting only bars after the
    chunk's first anchor; ``E_i`` comes from per-segment minima between consecutive pivots (``reduceat``) and a
    running minimum over the (small) anchors × pivots result.
    """
    k = len(piv)
    n = len(lo)
    y = lo[piv]
    gaps = piv[None, :] - piv[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = (y[None, :] - y[:, None]) / gaps
    ok = gaps >= min_gap
    out_r: list[np.ndarray] = []
    out_s: list[np.ndarray] = []
    posf = np.arange(n, dtype="float64")
    last_col = int(piv[-1])  # bars >= the last pivot never lie strictly between two pivots
    for a in range(0, k - 1, chunk):
        rows = np.arange(a, min(a + chunk, k - 1))
        if not ok[rows].any():
            continue
        anchors = piv[rows]
        c0 = int(anchors[0]) + 1
        c1 = max(last_col, t_hold + 1)
        span_cols = int(anchors[-1]) - c0 + 1  # leading columns where a later anchor of the chunk is not before b
        den = posf[None, c0:c1] - anchors[:, None].astype("float64")
        base = (y[rows] - tau)[:, None]
        bad = den[:, :span_cols] <= 0  # b <= i for a later anchor of the chunk: never binds
        with np.errstate(divide="ignore"):
            inv = np.divide(1.0, den, out=den)
        r_low = np.subtract(lo[None, c0:last_col], base)
        r_low *= inv[:, :last_col - c0]
        r_low[:, :span_cols][bad[:, :last_col - c0]] = np.inf
        hold_cols = t_hold + 1 - c0
        if hold_cols > 0:
            r_close = np.subtract(cl[None, c0:t_hold + 1], base)
            r_close *= inv[:, :hold_cols]
            r_close[:, :span_cols][bad[:, :hold_cols]] = np.inf
            m_max = r_close.min(axis=1)
        else:
            m_max = np.full(len(rows), np.inf)
        # E_i(piv[s]) for s = a+1 .. k-1: segment s covers bars piv[s-1]+1 .. piv[s]-1 (the first from c0)
        starts = np.concatenate(([0], piv[a + 1:k - 1] - c0))
        env = np.minimum.accumulate(np.minimum.reduceat(r_low, starts, axis=1), axis=1)
        sl = slopes[rows, a + 1:]
        valid = ok[rows, a + 1:] & (sl <= m_max[:, None]) & (sl <= env)
        r_idx, s_idx = np.nonzero(valid)
        out_r.append(rows[r_idx])
        out_s.append(s_idx + a + 1)
    if not out_r:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(out_r), np.concatenate(out_s)


def _select_touches(cand: list[int], i: int, j: int, m: float, c: float, cl: np.ndarray, posf: np.ndarray,
                    rebound_need: list[float], w: int) -> tuple[int, ...] | None:
    """Greedy touch selection in time order with both anchors forced (None if i → j has no rebound).

    ``cand`` are the near pivots in ascending order, starting with ``i`` and containing ``j``. The rebound
    between two candidates is the highest ``log close - L`` strictly between them, assembled from one
    ``reduceat`` of per-gap maxima.
    """
    if len(cand) < 2:
        return None
    starts_ends = np.empty(2 * (len(cand) - 1), dtype=np.int64)
    starts_ends[0::2] = np.asarray(cand[:-1]) + 1
    starts_ends[1::2] = cand[1:]
    gap_max = (np.maximum.reduceat(cl - m * posf, starts_ends)[0::2] - c).tolist()  # gap k: cand[k] .. cand[k+1]

    def rebound(ka: int, kb: int) -> bool:
        return bool(max(gap_max[ka:kb]) >= rebound_need[cand[kb]])

    kj = cand.index(j)
    touches = [i]
    last = 0  # index in cand of the last touch
    for kp in range(1, len(cand)):
        p = cand[kp]
        if kp < kj:
            if p - cand[last] >= w and j - p >= w and rebound(last, kp) and rebound(kp, kj):
                touches.append(p)
                last = kp
        elif kp == kj:
            if not rebound(last, kj):
                return None
            touches.append(j)
            last = kj
        elif p - cand[last] >= w and rebound(last, kp):
            touches.append(p)
            last = kp
    return tuple(touches)


def _dedupe(raws: list[_RawLine], tau: float, max_lines: int) -> list[_RawLine]:
    order = sorted(raws, key=lambda r: (-r.score, r.fit, -(r.j - r.i), r.i, r.j))
    kept: list[_RawLine] = []
    for r in order:
        if len(kept) >= max_lines:
            break
        if any(_near_duplicate(r, k, tau) for k in kept):
            continue
        kept.append(r)
    return kept


def _near_duplicate(a: _RawLine, b: _RawLine, tau: float) -> bool:
    if len(set(a.touches) & set(b.touches)) >= 3:
        return True
    span = max(a.touches[-1] - a.i, b.touches[-1] - b.i, 1)
    return abs(a.level_t - b.level_t) <= tau and abs(a.m - b.m) * span <= tau
