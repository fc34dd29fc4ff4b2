"""Moving averages, computed with ``ta``: exponential (:class:`ta.trend.EMAIndicator`) and simple
(:class:`ta.trend.SMAIndicator`)."""

from __future__ import annotations

import pandas as pd
from ta.trend import EMAIndicator, SMAIndicator

EMA_WINDOWS: tuple[int, ...] = (20, 50, 100, 200)
SMA_WINDOWS: tuple[int, ...] = (20, 50, 200)


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


def sma(close: pd.Series, window: int) -> pd.Series:
    """Return the ``window``-day simple moving average of ``close``, named ``sma_<window>``.

    The plain mean of the last ``window`` closes (``rolling(window).mean()``, as ``ta`` computes it); the first
    ``window - 1`` values are NaN. ``sma_20`` equals the Bollinger middle band.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    out = SMAIndicator(close=close.astype("float64"), window=window, fillna=False).sma_indicator()
    return out.rename(f"sma_{window}")


def smas(close: pd.Series, windows: tuple[int, ...] = SMA_WINDOWS) -> pd.DataFrame:
    """Return a frame with one column ``sma_<w>`` per window in ``windows`` (see :func:`sma`)."""
    return pd.concat([sma(close, w) for w in windows], axis=1)
