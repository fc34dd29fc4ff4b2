"""Bollinger Bands (20, 2, population σ) against a plain rolling reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators.volatility import bollinger
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS
from tests.support.reference import bollinger_reference


def test_bollinger_hand_computed_population_sigma() -> None:
    out = bollinger(pd.Series([1.0, 2.0, 3.0, 4.0]), window=3, devs=2.0)
    sd = math.sqrt(2.0 / 3.0)  # population σ of (1, 2, 3); the sample σ would be 1.0
    assert out["bb_mid"].iloc[2] == pytest.approx(2.0, abs=1e-12)
    assert out["bb_upper"].iloc[2] == pytest.approx(2.0 + 2 * sd, abs=1e-12)
    assert out["bb_lower"].iloc[3] == pytest.approx(3.0 - 2 * sd, abs=1e-12)
    assert out.iloc[:2].isna().all().all()


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_bollinger_matches_reference_on_full_history(symbol: str) -> None:
    close = read_bars(symbol)["close"]
    got = bollinger(close)
    want = np.array(bollinger_reference(close.tolist()))
    for k, col in enumerate(("bb_mid", "bb_upper", "bb_lower")):
        np.testing.assert_allclose(got[col].to_numpy()[19:], want[19:, k], rtol=0, atol=1e-9)
        assert got[col].iloc[:19].isna().all()
