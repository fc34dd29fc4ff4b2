"""Display windows: which rows of a computed frame a range preset shows."""

from __future__ import annotations

import pandas as pd

RANGE_PRESETS: tuple[str, ...] = ("1M", "3M", "6M", "YTD", "1Y", "2Y", "All")


def window_start(end: pd.Timestamp, preset: str) -> pd.Timestamp | None:
    """Return the first date shown for ``preset`` ending at ``end`` (None means all history)."""
    offsets = {"1M": pd.DateOffset(months=1), "3M": pd.DateOffset(months=3), "6M": pd.DateOffset(months=6),
               "1Y": pd.DateOffset(years=1), "2Y": pd.DateOffset(years=2)}
    if preset == "All":
        return None
    if preset == "YTD":
        return pd.Timestamp(year=end.year, month=1, day=1)
    if preset not in offsets:
        raise ValueError(f"unknown range preset {preset!r}")
    return end - offsets[preset] + pd.Timedelta(days=1)


def window(frame: pd.DataFrame, preset: str) -> pd.DataFrame:
    """Return the rows of ``frame`` visible for range ``preset`` (ending at the frame's last bar)."""
    if frame.empty:
        return frame
    start = window_start(frame.index[-1], preset)
    return frame if start is None else frame.loc[start:]
