"""As-of views: indicators computed only from bars up to and including the as-of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from indicators.moving_averages import EMA_WINDOWS, SMA_WINDOWS, emas, smas
from indicators.volatility import bollinger

#: Label of every indicator column of :func:`indicator_frame`, in display order (the one list of names).
INDICATOR_LABELS: dict[str, str] = {
    **{f"ema_{w}": f"EMA {w}" for w in EMA_WINDOWS},
    **{f"sma_{w}": f"SMA {w}" for w in SMA_WINDOWS},
    "bb_upper": "BB upper",
    "bb_mid": "BB middle",
    "bb_lower": "BB lower",
}
IndicatorFamily = Literal["ema", "sma", "band"]
#: The family of every indicator label (``"EMA 20"`` → ``"ema"``): what a dynamic level is, decided on this table
#: rather than on the label's text.
INDICATOR_FAMILIES: dict[str, IndicatorFamily] = {
    **{INDICATOR_LABELS[f"ema_{w}"]: "ema" for w in EMA_WINDOWS},
    **{INDICATOR_LABELS[f"sma_{w}"]: "sma" for w in SMA_WINDOWS},
    **{INDICATOR_LABELS[c]: "band" for c in ("bb_upper", "bb_mid", "bb_lower")},
}
INDICATOR_COLUMNS: tuple[str, ...] = tuple(INDICATOR_LABELS)
#: The columns that act as dynamic support/resistance levels (the Bollinger middle band is ``sma_20``).
DYNAMIC_COLUMNS: dict[str, str] = {c: label for c, label in INDICATOR_LABELS.items() if c != "bb_mid"}


def cut_at(bars: pd.DataFrame, asof: date | None) -> pd.DataFrame:
    """Return the rows of ``bars`` (date-indexed, ascending) dated on or before ``asof`` (all if None)."""
    if asof is None:
        return bars
    return bars.loc[: pd.Timestamp(asof)]


def indicator_frame(bars: pd.DataFrame, asof: date | None = None) -> pd.DataFrame:
    """Return ``bars`` cut at ``asof`` with the EMA 20/50/100/200, SMA 20/50/200 and Bollinger (20, 2) columns.

    The cut happens first, so no value can depend on a bar after ``asof``; indicators are computed on
    the whole remaining history (windowing for display comes after, see :func:`window`).
    """
    cut = cut_at(bars, asof)
    return pd.concat([cut, emas(cut["close"]), smas(cut["close"]), bollinger(cut["close"])], axis=1)


@dataclass(frozen=True)
class LevelsSnapshot:
    """Key numbers on the as-of bar: date, OHLC close, change vs previous close, and each indicator."""

    date: date
    close: float
    prev_close: float | None
    open: float
    volume: float
    values: dict[str, float | None]

    @property
    def change(self) -> float | None:
        return None if self.prev_close is None else self.close - self.prev_close

    @property
    def change_pct(self) -> float | None:
        return None if self.prev_close in (None, 0) else (self.close / self.prev_close - 1.0) * 100.0


def snapshot_at(frame: pd.DataFrame) -> LevelsSnapshot | None:
    """Return the :class:`LevelsSnapshot` for the last row of an :func:`indicator_frame` (None if empty)."""
    if frame.empty:
        return None
    last = frame.iloc[-1]
    prev = float(frame["close"].iloc[-2]) if len(frame) > 1 else None
    values = {c: (None if pd.isna(last[c]) else float(last[c])) for c in INDICATOR_COLUMNS}
    return LevelsSnapshot(
        date=frame.index[-1].date(), close=float(last["close"]), prev_close=prev,
        open=float(last["open"]), volume=float(last["volume"]), values=values,
    )
