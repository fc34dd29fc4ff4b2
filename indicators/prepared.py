"""Bars cut at the as-of bar, with what every detector shares computed once: ATR, relative ATR, tolerance, pivots.

:func:`prepare_bars` cuts ``bars`` at the as-of date (nothing after it is kept) and computes, for one
:class:`ToleranceSettings`, the Wilder ATR (:func:`indicators.pivots.wilder_atr`), the relative ATR
(:func:`indicators.pivots.relative_atr`) and the tolerance ``tau`` (:func:`indicators.pivots.tolerance_from_atr`).
The trendline and level detectors take the resulting :class:`PreparedBars` (or build one from plain bars), so a
picture cuts its bars once and computes each of these once.

**Support space.** A detector looks for supports; for resistances it mirrors prices. :meth:`PreparedBars.space`
returns ``(ext, opp, close)`` in log prices: ``(log low, log high, log close)`` for ``"support"`` and
``(-log high, -log low, -log close)`` for ``"resistance"``; pivots of a side are the pivot lows of its ``ext``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from indicators.asof import cut_at
from indicators.pivots import pivots_with_provisional, relative_atr, tolerance_from_atr, wilder_atr

Side = Literal["support", "resistance"]


@dataclass(frozen=True)
class ToleranceSettings:
    """How ATR and the tolerance are computed: ``tau = clip(factor × ATR(atr_window) / close, floor, cap)`` at t."""

    atr_window: int = 14
    factor: float = 0.5
    floor: float = 0.005
    cap: float = 0.05


@dataclass(frozen=True)
class _Space:
    ext: np.ndarray
    opp: np.ndarray
    close: np.ndarray


@dataclass(frozen=True)
class PreparedBars:
    """``bars`` cut at the as-of bar ``t`` (the last row) and the quantities every detector reads.

    ``high``/``low``/``close`` are float64 arrays of the cut; ``atr`` the Wilder ATR per bar (NaN before its first
    value and where it is 0); ``atr_t`` the ATR at ``t`` (NaN while undefined); ``atr_rel`` the relative ATR
    ``ATR_b / close_b`` (bars before the first ATR value use the first one; all NaN without any ATR value);
    ``tau`` the tolerance at ``t`` (a log distance; the floor with fewer than ``atr_window + 1`` bars); ``dates``
    the bar dates as ``datetime64[D]``. Every array is read-only. Build it with :func:`prepare_bars`.
    """

    bars: pd.DataFrame
    settings: ToleranceSettings
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    atr: np.ndarray
    atr_rel: np.ndarray
    atr_t: float
    tau: float
    dates: np.ndarray
    _spaces: dict[Side, _Space] = field(repr=False, compare=False)
    _pivots: dict[tuple[Side, float, int], tuple[np.ndarray, int | None]] = field(
        default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.close)

    def date_at(self, position: int) -> date:
        """Return the date of the bar at ``position`` (negative positions count from ``t``)."""
        day: date = self.bars.index[position].date()
        return day

    def space(self, side: Side) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(ext, opp, close)`` of ``side`` in support space (see the module docstring); read-only."""
        s = self._spaces[side]
        return s.ext, s.opp, s.close

    def pivots(self, side: Side, need: float, w: int) -> tuple[np.ndarray, int | None]:
        """Return :func:`indicators.pivots.pivots_with_provisional` of ``side`` (confirmed pivot lows of its
        ``ext`` plus the provisional one, ascending; the provisional position or None).

        ``need`` is the rebound (log units) that makes the newest swing provisional, ``w`` the pivot half-window.
        Computed once per (side, need, w) and shared by every detector; the positions are read-only.
        """
        key = (side, need, w)
        if key not in self._pivots:
            ext, _, close = self.space(side)
            positions, provisional = pivots_with_provisional(ext, close, need, w)
            self._pivots[key] = (_frozen(positions), provisional)
        return self._pivots[key]


def prepare_bars(bars: pd.DataFrame, asof: date | None = None,
                 settings: ToleranceSettings = ToleranceSettings()) -> PreparedBars:
    """Return ``bars`` (date-indexed, ascending; columns ``high low close`` at least) cut at ``asof`` (None = all)
    with their ATR, relative ATR and tolerance (see :class:`PreparedBars`). An empty cut gives empty arrays,
    ``atr_t`` NaN and ``tau`` at its floor."""
    cut = cut_at(bars, asof)
    high = cut["high"].to_numpy(dtype="float64")
    low = cut["low"].to_numpy(dtype="float64")
    close = cut["close"].to_numpy(dtype="float64")
    atr = wilder_atr(high, low, close, settings.atr_window)
    atr_t = float(atr[-1]) if len(atr) and math.isfinite(atr[-1]) else math.nan
    tau = tolerance_from_atr(atr_t, float(close[-1]) if len(close) else math.nan, len(cut), settings.atr_window,
                             settings.factor, settings.floor, settings.cap)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_low, log_high, log_close = np.log(low), np.log(high), np.log(close)
    spaces: dict[Side, _Space] = {
        "support": _Space(_frozen(log_low), _frozen(log_high), _frozen(log_close)),
        "resistance": _Space(_frozen(-log_high), _frozen(-log_low), _frozen(-log_close)),
    }
    return PreparedBars(
        bars=cut, settings=settings, high=_frozen(high), low=_frozen(low), close=_frozen(close), atr=_frozen(atr),
        atr_rel=_frozen(relative_atr(atr, close)), atr_t=atr_t, tau=tau,
        dates=_frozen(cut.index.to_numpy().astype("datetime64[D]")), _spaces=spaces,
    )


def prepared(bars: pd.DataFrame | PreparedBars, asof: date | None, settings: ToleranceSettings) -> PreparedBars:
    """Return ``bars`` prepared with ``settings`` at ``asof``: the object itself when it already is (``asof`` None),
    else :func:`prepare_bars` of its (or their) bars."""
    if isinstance(bars, PreparedBars):
        if asof is None and bars.settings == settings:
            return bars
        return prepare_bars(bars.bars, asof, settings)
    return prepare_bars(bars, asof, settings)


def _frozen(values: np.ndarray) -> np.ndarray:
    """Return ``values`` marked read-only (a copy when it is a view of another array)."""
    out = values if values.base is None else values.copy()
    out.setflags(write=False)
    return out
