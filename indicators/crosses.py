"""Golden and death crosses of the 50- and 200-day moving averages (simple and exponential)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

CrossKind = Literal["golden", "death"]
Family = Literal["SMA", "EMA"]

#: The (fast, slow) pairs watched for crosses, per moving-average family.
CROSS_PAIRS: tuple[tuple[Family, int, int], ...] = (("SMA", 50, 200), ("EMA", 50, 200))


@dataclass(frozen=True)
class Cross:
    """One cross: on ``date`` the ``family`` ``fast``-day average crossed its ``slow``-day one.

    ``kind`` is ``"golden"`` when the fast average rose above the slow one and ``"death"`` when it fell below;
    ``price`` is the slow average on that day (where the chart marks it), ``position`` the bar number in the frame.
    """

    date: date
    kind: CrossKind
    family: Family
    fast: int
    slow: int
    price: float
    position: int

    @property
    def label(self) -> str:
        """Return e.g. ``'golden cross (SMA 50/200)'``."""
        return f"{self.kind} cross ({self.family} {self.fast}/{self.slow})"


def crosses(frame: pd.DataFrame, family: Family, fast: int, slow: int) -> list[Cross]:
    """Return every cross of ``<family> fast`` over ``<family> slow`` in ``frame``, oldest first.

    ``frame`` is an :func:`indicators.asof.indicator_frame` (columns ``sma_50``, ``ema_200``, ...). With
    ``d_b = fast_b - slow_b`` on bars where both are defined, a golden cross is the first bar with ``d > 0``
    after a bar with ``d <= 0``; a death cross the first bar with ``d < 0`` after a bar with ``d >= 0``
    (consecutive defined bars; a tie only delays the cross to the bar that leaves it).
    """
    prefix = family.lower()
    fast_v = frame[f"{prefix}_{fast}"].to_numpy(dtype="float64")
    slow_v = frame[f"{prefix}_{slow}"].to_numpy(dtype="float64")
    diff = fast_v - slow_v
    defined = np.isfinite(diff)
    prev, cur = diff[:-1], diff[1:]
    both = defined[:-1] & defined[1:]
    golden = np.flatnonzero(both & (prev <= 0) & (cur > 0)) + 1
    death = np.flatnonzero(both & (prev >= 0) & (cur < 0)) + 1
    events: list[tuple[int, CrossKind]] = [(int(i), "golden") for i in golden] + [(int(i), "death") for i in death]
    return [Cross(frame.index[i].date(), kind, family, fast, slow, float(slow_v[i]), i) for i, kind in sorted(events)]


def all_crosses(frame: pd.DataFrame) -> list[Cross]:
    """Return the crosses of every pair in :data:`CROSS_PAIRS`, oldest first (SMA before EMA on one day)."""
    found = [c for family, fast, slow in CROSS_PAIRS for c in crosses(frame, family, fast, slow)]
    return sorted(found, key=lambda c: (c.position, c.family != "SMA"))


def recent_crosses(frame: pd.DataFrame, bars: int) -> list[Cross]:
    """Return the crosses within the last ``bars`` bars of ``frame`` (the as-of bar counts as one), oldest first."""
    t = len(frame) - 1
    return [c for c in all_crosses(frame) if c.position > t - bars]
