"""Pure indicator functions on pandas objects (no Streamlit): EMAs, Bollinger Bands, as-of views."""

from indicators.asof import LevelsSnapshot, cut_at, indicator_frame, snapshot_at
from indicators.moving_averages import EMA_WINDOWS, ema, emas
from indicators.volatility import bollinger
from indicators.windows import RANGE_PRESETS, window, window_start

__all__ = [
    "EMA_WINDOWS", "RANGE_PRESETS", "LevelsSnapshot", "bollinger", "cut_at", "ema", "emas", "indicator_frame",
    "snapshot_at", "window", "window_start",
]
