"""Exponential moving averages, computed with ``ta``'s :class:`ta.trend.EMAIndicator`."""

from __future__ import annotations

import pandas as pd
from ta.trend import EMAIndicator

EMA_WINDOWS: tuple[int, ...] = (20, 50, 100, 200)


def ema(close: pd.Series, window: int) -> pd.Series:
    """Return the ``window``-day EMA of ``close`` (same index), named ``ema_<window>``.

    Conventions (those of ``ta`` 0.11, ``ewm(span=window, adjust=False)``): smoothing
    ``alpha = 2 / (window + 1)``; seeded with the first close (``ema[0] = close[0]``), then
    ``ema[t] = alpha * close[t] + (1 - alpha) * ema[t-1]``; the first ``window - 1`` values are NaN
    (not enough history), so compute on the full history before cutting a display window.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    out = EMAIndicator(close=close.astype("float64"), window=window, fillna=False).ema_indicator()
    return out.rename(f"ema_{window}")


def emas(close: pd.Series, windows: tuple[int, ...] = EMA_WINDOWS) -> pd.DataFrame:
    """Return a frame with one column ``ema_<w>`` per window in ``windows`` (see :func:`ema`)."""
    return pd.concat([ema(close, w) for w in windows], axis=1)
