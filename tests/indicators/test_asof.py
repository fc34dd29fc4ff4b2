"""As-of computation: values equal the golden references and never depend on bars after the as-of date."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.asof import INDICATOR_COLUMNS, indicator_frame, snapshot_at
from indicators.windows import RANGE_PRESETS, window, window_start
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "indicators_2025-11-24.csv"


def golden_rows() -> dict[str, dict[str, str]]:
    with GOLDEN.open() as fh:
        return {row["symbol"]: row for row in csv.DictReader(fh)}


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_asof_values_equal_golden(symbol: str) -> None:
    row = golden_rows()[symbol]
    frame = indicator_frame(read_bars(symbol), date(2025, 11, 24))
    assert frame.index[-1] == pd.Timestamp("2025-11-24")
    snap = snapshot_at(frame)
    assert snap is not None
    assert snap.close == pytest.approx(float(row["close"]), abs=1e-12)
    for col in INDICATOR_COLUMNS:
        assert snap.values[col] == pytest.approx(float(row[col]), abs=1e-9), col


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_changing_bars_after_asof_changes_nothing(symbol: str) -> None:
    bars = read_bars(symbol)
    asof = date(2025, 11, 24)
    baseline = indicator_frame(bars, asof)
    altered = bars.copy()
    later = altered.index > pd.Timestamp(asof)
    assert later.sum() > 100
    altered.loc[later, ["open", "high", "low", "close"]] *= 7.5
    altered.loc[later, "volume"] = 0
    rng = np.random.default_rng(1)
    altered.loc[later, "close"] += rng.normal(0, 5, later.sum())
    result = indicator_frame(altered, asof)
    pd.testing.assert_frame_equal(result, baseline)
    # and the cut-first computation equals computing on the truncated history
    pd.testing.assert_frame_equal(indicator_frame(bars.loc[: pd.Timestamp(asof)]), baseline)


def test_asof_on_a_weekend_uses_the_previous_close() -> None:
    frame = indicator_frame(read_bars("CLSK"), date(2025, 11, 23))  # a Sunday
    assert frame.index[-1] == pd.Timestamp("2025-11-21")


def test_full_history_then_window_keeps_long_emas_defined() -> None:
    frame = indicator_frame(read_bars("RIOT"), date(2025, 11, 24))
    shown = window(frame, "1M")
    assert shown.index[0] >= pd.Timestamp("2025-10-25")
    assert not shown["ema_200"].isna().any()  # computed on the full history, then windowed


@pytest.mark.parametrize("preset", RANGE_PRESETS)
def test_window_presets(preset: str) -> None:
    end = pd.Timestamp("2025-11-24")
    start = window_start(end, preset)
    expected = {"1M": "2025-10-25", "3M": "2025-08-25", "6M": "2025-05-25", "YTD": "2025-01-01",
                "1Y": "2024-11-25", "2Y": "2023-11-25", "All": None}[preset]
    assert (start is None and expected is None) or start == pd.Timestamp(expected)


def test_window_rejects_unknown_preset() -> None:
    with pytest.raises(ValueError):
        window_start(pd.Timestamp("2025-11-24"), "5Y")
