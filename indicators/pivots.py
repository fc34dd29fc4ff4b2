"""Pivot highs/lows, the provisional pivot, swing sizes, the ATR and the tolerance used by trendlines and levels.

All functions take arrays or frames already cut at the as-of bar ``t`` (the last row). A pivot is *confirmed*
once it has ``w`` bars after it (``i + w <= t``). Before that, the one candidate of the last ``w`` bars can count
as a *provisional* pivot as soon as price has rebounded from it by :data:`REBOUND_ATR` ATR (see
:func:`provisional_pivot`), so a bounce is seen on the day it happens; later bars either confirm it (only its
provisional flag changes) or replace it by a more extreme one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from ta.volatility import AverageTrueRange

#: A rebound of this many ATR (ATR14 at ``t``) makes the newest swing low/high a provisional pivot. It is the
#: same rebound the trendline detector asks for between two touches.
REBOUND_ATR = 1.0


def atr(bars: pd.DataFrame, window: int = 14) -> pd.Series:
    """Return the Average True Range of ``bars`` (``ta``'s Wilder-smoothed ATR; first ``window-1`` values 0/NaN).

    This is the reference; :func:`wilder_atr` computes the same values on arrays, without ``ta``'s per-row loop.
    """
    out = AverageTrueRange(bars["high"], bars["low"], bars["close"], window=window, fillna=False).average_true_range()
    return out.replace(0.0, np.nan)


def wilder_atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: int = 14) -> np.ndarray:
    """Return the ATR exactly as :func:`atr` does (NaN where that returns NaN), ~40× faster.

    Wilder smoothing: the first value (bar ``window - 1``) is the mean true range of the first ``window`` bars
    (the first bar's true range is its high - low), then ``atr_b = (atr_{b-1} × (window - 1) + TR_b) / window``.
    """
    n = len(close)
    out = np.full(n, np.nan)
    if n < window:
        return out
    prev = np.empty(n)
    prev[0] = np.nan
    prev[1:] = close[:-1]
    true_range = np.fmax(high - low, np.fmax(np.abs(high - prev), np.abs(low - prev)))
    values = [0.0] * n
    acc = float(np.nanmean(true_range[:window]))  # pandas' mean skips NaN
    values[window - 1] = acc
    w1, wf = window - 1, float(window)
    for i, tr in enumerate(true_range[window:].tolist(), start=window):
        acc = (acc * w1 + tr) / wf
        values[i] = acc
    out = np.asarray(values)
    out[out == 0.0] = np.nan
    return out


def tolerance(bars: pd.DataFrame, window: int = 14, factor: float = 0.5,
              floor: float = 0.005, cap: float = 0.05) -> float:
    """Return tau = clip(factor × ATR(window) / close, floor, cap) on the last bar, as a log-price distance.

    ``tau`` is a fraction of price (0.5% .. 5%); in log prices a distance of ``tau`` is used directly.
    With fewer than ``window`` bars the floor is returned.
    """
    if len(bars) < window + 1:
        return floor
    last_atr = atr(bars, window).iloc[-1]
    if not np.isfinite(last_atr):
        return floor
    return float(np.clip(factor * last_atr / float(bars["close"].iloc[-1]), floor, cap))


def tolerance_from_atr(atr_last: float, close_last: float, n_bars: int, window: int = 14, factor: float = 0.5,
                       floor: float = 0.005, cap: float = 0.05) -> float:
    """Return :func:`tolerance` from the last ATR value and close (``n_bars``: bars in the cut)."""
    if n_bars < window + 1 or not np.isfinite(atr_last):
        return floor
    return float(np.clip(factor * atr_last / close_last, floor, cap))


def relative_atr(atr_values: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Return ``ATR_b / close_b`` per bar (log units); bars before the first ATR value use the first one."""
    rel: np.ndarray = pd.Series(atr_values / close).ffill().bfill().to_numpy()
    return rel


def pivot_lows(low: np.ndarray, w: int = 5) -> np.ndarray:
    """Return the positions ``i`` (ascending) where ``low[i]`` is the minimum of ``low[i-w : i+w+1]``.

    Convention for ties: strictly below every low in the ``w`` bars before, and at or below every low in
    the ``w`` bars after (so a flat bottom yields its first bar). Only confirmed pivots (``i + w <= n-1``)
    and bars with a full left window (``i >= w``) are returned.
    """
    return _pivots(np.asarray(low, dtype="float64"), w, lowest=True)


def pivot_highs(high: np.ndarray, w: int = 5) -> np.ndarray:
    """Mirror of :func:`pivot_lows`: positions where ``high[i]`` is the maximum of its ±``w`` window."""
    return _pivots(np.asarray(high, dtype="float64"), w, lowest=False)


def _pivots(values: np.ndarray, w: int, lowest: bool) -> np.ndarray:
    n = len(values)
    if w < 1 or n < 2 * w + 1:
        return np.empty(0, dtype=np.int64)
    v = values if lowest else -values
    windows = sliding_window_view(v, w)  # windows[k] = v[k : k+w]
    centre = v[w : n - w]
    left_min = windows[: n - 2 * w].min(axis=1)  # v[i-w : i] for i = w .. n-w-1
    right_min = windows[w + 1 : n - w + 1].min(axis=1)  # v[i+1 : i+w+1]
    ok = (centre < left_min) & (centre <= right_min)
    return np.flatnonzero(ok) + w


def provisional_pivot(ext: np.ndarray, close: np.ndarray, need: float, w: int = 5) -> int | None:
    """Return the position of the provisional pivot low of ``ext``, or None.

    ``ext`` and ``close`` are in "support space": log lows and log closes for a pivot low; for a pivot high pass
    the negated log highs and log closes. With ``t`` the last position, the candidate ``p`` is the lowest
    ``ext`` among ``t-w+1 .. t-1`` (the bars a confirmed pivot cannot reach yet; the first on ties). It is a
    provisional pivot when it has a full left window and is strictly below the ``w`` values before it (as
    :func:`pivot_lows` asks), at or below every value after it up to ``t``, and the highest close after it is
    at least ``need`` above it (``need`` = rebound in log units, e.g. ``REBOUND_ATR × ATR_t / close_t``).
    """
    t = len(ext) - 1
    lo = max(t - w + 1, w)
    if t - lo < 1 or not np.isfinite(need):
        return None
    p = lo + int(np.argmin(ext[lo:t]))
    if not (ext[p] < ext[p - w:p].min() and ext[p] <= ext[p + 1:].min()):
        return None
    return p if float(close[p + 1:].max()) - float(ext[p]) >= need else None


def pivots_with_provisional(ext: np.ndarray, close: np.ndarray, need: float, w: int = 5
                            ) -> tuple[np.ndarray, int | None]:
    """Return (confirmed pivot lows of ``ext`` plus the provisional one, ascending; the provisional position).

    Support space as in :func:`provisional_pivot`.
    """
    confirmed = pivot_lows(ext, w)
    p = provisional_pivot(ext, close, need, w)
    if p is None:
        return confirmed, None
    return np.append(confirmed, np.int64(p)), p


def swing_legs(ext: np.ndarray, opp: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the (left, right) swing legs of the pivot lows at ``positions``, in the units of the arrays.

    Support space: ``ext`` = log lows, ``opp`` = log highs (for pivot highs pass ``-log high`` and ``-log low``).
    The right leg of a pivot at ``i`` is how far price rose from it before trading below it again: the highest
    ``opp`` after ``i`` up to the first bar whose ``ext`` is below ``ext[i]`` (or up to ``t``) minus ``ext[i]``;
    the left leg is the same looking back (to the last bar below it, or to the first bar). Both are 0 where the
    segment is empty. Their minimum is the pivot's topographic prominence; their maximum, its swing size.
    """
    n = len(ext)
    left = np.zeros(len(positions))
    right = np.zeros(len(positions))
    for k, i in enumerate(positions.tolist()):
        v = ext[i]
        after = np.flatnonzero(ext[i + 1:] < v)
        end = i + 1 + int(after[0]) if len(after) else n
        if end > i + 1:
            right[k] = float(opp[i + 1:end].max()) - v
        before = np.flatnonzero(ext[:i] < v)
        start = int(before[-1]) + 1 if len(before) else 0
        if i > start:
            left[k] = float(opp[start:i].max()) - v
    return left, right
