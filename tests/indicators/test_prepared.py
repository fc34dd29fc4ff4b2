"""PreparedBars: one as-of cut with its ATR, tau and pivots, shared by the detectors without changing them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from indicators.asof import indicator_frame
from indicators.distance import close_vs_level_pct, distance_atr, distance_pct
from indicators.levels import LevelParams, dynamic_levels, dynamic_levels_from_frame, horizontal_levels
from indicators.pivots import atr, pivots_with_provisional, tolerance
from indicators.prepared import ToleranceSettings, prepare_bars
from indicators.trendlines import TrendlineParams, detect_resistance_trendlines, detect_trendlines
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS

ASOF = date(2025, 6, 30)


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_detectors_give_the_same_result_from_prepared_bars_as_from_plain_bars(symbol: str) -> None:
    bars = read_bars(symbol)
    prep = prepare_bars(bars, ASOF)
    assert detect_trendlines(prep) == detect_trendlines(bars, ASOF)
    assert detect_resistance_trendlines(prep) == detect_resistance_trendlines(bars, ASOF)
    assert horizontal_levels(prep) == horizontal_levels(bars, ASOF)
    frame = indicator_frame(bars, ASOF)
    assert dynamic_levels_from_frame(frame, prepared_bars=prep) == dynamic_levels_from_frame(frame)
    assert dynamic_levels(bars, ASOF) == dynamic_levels_from_frame(frame)


def test_prepared_bars_use_nothing_after_the_asof_bar_and_match_the_reference_atr() -> None:
    bars = read_bars(SYMBOLS[0])
    cut = bars.loc[: pd.Timestamp(ASOF)]
    prep = prepare_bars(bars, ASOF)
    assert prep.bars.index[-1] == cut.index[-1] and len(prep) == len(cut)
    np.testing.assert_allclose(prep.atr, atr(cut).to_numpy(), rtol=1e-12)  # ta's ATR, the reference
    assert prep.atr_t == pytest.approx(float(atr(cut).iloc[-1]), rel=1e-12)
    assert prep.tau == pytest.approx(tolerance(cut), rel=1e-12)
    assert prep.date_at(-1) == cut.index[-1].date()
    need = float(prep.atr_rel[-1])
    got, p = prep.pivots("resistance", need, 5)
    want, q = pivots_with_provisional(-np.log(cut["high"].to_numpy()), -np.log(cut["close"].to_numpy()), need, 5)
    np.testing.assert_array_equal(got, want)
    assert p == q
    assert prep.pivots("resistance", need, 5)[0] is got  # computed once


def test_prepared_arrays_are_read_only() -> None:
    prep = prepare_bars(read_bars(SYMBOLS[0]))
    for values in (prep.high, prep.low, prep.close, prep.atr, prep.atr_rel, prep.dates, *prep.space("support"),
                   prep.pivots("support", 0.05, 5)[0]):
        with pytest.raises(ValueError):
            values[0] = values[0]


def test_other_tolerance_parameters_are_prepared_again_not_reused() -> None:
    bars = read_bars(SYMBOLS[1])
    prep = prepare_bars(bars, ASOF)
    params = TrendlineParams(tolerance_factor=1.0)
    assert params.tolerance_settings() != prep.settings
    assert detect_trendlines(prep, params=params) == detect_trendlines(bars, ASOF, params)
    wide = LevelParams(atr_window=20)
    assert wide.tolerance_settings() == ToleranceSettings(atr_window=20)
    assert horizontal_levels(prep, params=wide) == horizontal_levels(bars, ASOF, wide)
    assert horizontal_levels(prep, params=wide).tau != horizontal_levels(prep).tau


def test_an_empty_cut_is_refused_by_the_level_detector_and_gives_no_trendlines() -> None:
    bars = read_bars(SYMBOLS[0])
    early = date(1990, 1, 1)
    assert detect_trendlines(bars, early) == []
    with pytest.raises(ValueError, match="no bars on or before 1990-01-01"):
        horizontal_levels(bars, early)
    with pytest.raises(ValueError, match="no bars on or before the as-of date"):
        horizontal_levels(prepare_bars(bars, early))


def test_distance_conventions() -> None:
    assert distance_pct(110.0, 100.0) == pytest.approx(10.0)  # level above the close: positive, % of the close
    assert distance_pct(90.0, 100.0) == pytest.approx(-10.0)
    assert distance_atr(104.0, 100.0, 2.0) == pytest.approx(2.0)
    assert close_vs_level_pct(100.0, 80.0) == pytest.approx(25.0)  # close above the level: positive, % of the level
    assert close_vs_level_pct(100.0, 125.0) == pytest.approx(-20.0)
