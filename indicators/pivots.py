"""Pivot highs/lows and the ATR-based tolerance used by trendline and level detection.

All functions take arrays or frames already cut at the as-of bar ``t`` (the last row), so a pivot is
reported only once it is *confirmed*: bar ``i`` needs ``w`` bars after it (``i + w <= t``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from ta.volatility import AverageTrueRange


def atr(bars: pd.DataFrame, window: int = 14) -> pd.Series:
    """Return the Average True Range of ``bars`` (``ta``'s Wilder-smoothed ATR; first ``window-1`` values 0/NaN)."""
    out = AverageTrueRange(bars["high"], bars["low"], bars["close"], window=window, fillna=False).average_true_range()
    return out.replace(0.0, np.nan)


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
