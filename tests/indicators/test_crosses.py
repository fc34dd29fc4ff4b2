"""Golden and death crosses of the 50/200-day averages on planted series, and as of a date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from indicators.asof import indicator_frame
from indicators.crosses import all_crosses, crosses, recent_crosses
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS


def frame_from_closes(close: np.ndarray) -> pd.DataFrame:
    index = pd.bdate_range("2020-01-01", periods=len(close), name="date")
    bars = pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99, "close": close, "volume": 1e6},
                        index=index)
    return indicator_frame(bars)


def test_planted_v_gives_one_death_then_one_golden_cross() -> None:
    # a rise (50-day above the 200-day once both exist), a fall, then a recovery: one cross each way
    close = np.r_[np.linspace(60, 120, 300), np.linspace(120, 60, 200), np.linspace(60, 150, 250)]
    frame = frame_from_closes(close)
    for family in ("SMA", "EMA"):
        found = crosses(frame, family, 50, 200)
        assert [c.kind for c in found] == ["death", "golden"], (family, found)
        fast, slow = frame[f"{family.lower()}_50"], frame[f"{family.lower()}_200"]
        for c in found:
            i = c.position
            before, after = fast.iloc[i - 1] - slow.iloc[i - 1], fast.iloc[i] - slow.iloc[i]
            assert (before >= 0 > after) if c.kind == "death" else (before <= 0 < after)
            assert c.price == slow.iloc[i] and c.date == frame.index[i].date()
            assert c.label == f"{c.kind} cross ({family} 50/200)"


def test_monotonic_series_has_no_cross_and_undefined_values_never_cross() -> None:
    frame = frame_from_closes(np.linspace(50, 150, 600))  # 50-day above the 200-day from the start: no cross
    assert all_crosses(frame) == []
    short = frame_from_closes(np.r_[np.linspace(100, 60, 120), np.linspace(60, 140, 60)])  # no 200-day yet
    assert all_crosses(short) == []


def test_recent_crosses_window_counts_the_asof_bar() -> None:
    close = np.r_[np.linspace(60, 120, 300), np.linspace(120, 60, 200), np.linspace(60, 150, 250)]
    frame = frame_from_closes(close)
    golden = next(c for c in all_crosses(frame) if c.kind == "golden" and c.family == "SMA")
    cut = frame.iloc[: golden.position + 1]  # the cross is on the as-of bar
    assert golden in recent_crosses(cut, 1)
    later = frame.iloc[: golden.position + 10]  # nine bars later: still within the last 10
    assert golden in recent_crosses(later, 10)
    assert golden not in recent_crosses(frame.iloc[: golden.position + 11], 10)


def test_real_crosses_have_no_look_ahead() -> None:
    for symbol in SYMBOLS:
        bars = read_bars(symbol)
        asof = date(2025, 6, 2)
        cut = all_crosses(indicator_frame(bars, asof))
        assert cut == [c for c in all_crosses(indicator_frame(bars)) if c.date <= asof]
