"""EMA: ta-based implementation against a plain recursive reference and hand-computed golden values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators.moving_averages import EMA_WINDOWS, SMA_WINDOWS, ema, emas, sma, smas
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS
from tests.support.reference import ema_reference, sma_reference


def test_ema_hand_computed() -> None:
    # alpha = 0.5 for window 3: 1, 1.5, 2.25, 3.125, 4.0625; first two hidden (not enough history)
    out = ema(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0]), 3)
    assert out.name == "ema_3"
    assert out.iloc[:2].isna().all()
    assert out.iloc[2:].tolist() == [2.25, 3.125, 4.0625]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_ema_matches_recursive_reference_on_full_history(symbol: str) -> None:
    close = read_bars(symbol)["close"]
    for window in EMA_WINDOWS:
        got = ema(close, window).to_numpy()
        want = np.array(ema_reference(close.tolist(), window))
        assert np.isnan(got[: window - 1]).all()
        np.testing.assert_allclose(got[window - 1 :], want[window - 1 :], rtol=0, atol=1e-9)


def test_emas_frame_columns_and_index() -> None:
    close = read_bars("CIFR")["close"]
    frame = emas(close)
    assert list(frame.columns) == ["ema_20", "ema_50", "ema_100", "ema_200"]
    assert frame.index.equals(close.index)


def test_ema_rejects_bad_window() -> None:
    with pytest.raises(ValueError):
        ema(pd.Series([1.0]), 0)


def test_reference_is_not_trivially_equal_to_a_simple_mean() -> None:
    # guards the reference itself: an EMA of a ramp lags the last value but exceeds the simple mean
    values = [float(i) for i in range(1, 41)]
    last = ema_reference(values, 20)[-1]
    assert math.fsum(values[-20:]) / 20 < last < values[-1]


def test_sma_hand_computed() -> None:
    out = sma(pd.Series([1.0, 2.0, 3.0, 4.0, 6.0]), 3)
    assert out.name == "sma_3"
    assert out.iloc[:2].isna().all()
    assert out.iloc[2:].tolist() == [2.0, 3.0, pytest.approx(13.0 / 3.0, abs=1e-15)]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_sma_matches_loop_reference_on_full_history(symbol: str) -> None:
    close = read_bars(symbol)["close"]
    frame = smas(close)
    assert list(frame.columns) == [f"sma_{w}" for w in SMA_WINDOWS] == ["sma_20", "sma_50", "sma_200"]
    for window in SMA_WINDOWS:
        got = frame[f"sma_{window}"].to_numpy()
        want = np.array(sma_reference(close.tolist(), window))
        assert np.isnan(got[: window - 1]).all()
        np.testing.assert_allclose(got[window - 1 :], want[window - 1 :], rtol=0, atol=1e-9)


def test_sma_rejects_bad_window() -> None:
    with pytest.raises(ValueError):
        sma(pd.Series([1.0]), 0)
