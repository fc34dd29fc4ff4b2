"""Horizontal and dynamic levels: planted levels are found, no look-ahead, scale invariance, sides and ordering."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from indicators.asof import indicator_frame
from indicators.levels import (
    DYNAMIC_SOURCES,
    HIGH_52W,
    LOW_52W,
    PIVOTS,
    Level,
    LevelParams,
    LevelSet,
    _clusters,
    dynamic_levels,
    dynamic_levels_from_frame,
    horizontal_levels,
)
from indicators.pivots import atr
from tests.conftest import SYMBOLS, read_bars

ASOF = date(2025, 11, 24)
ASOFS = (date(2023, 6, 30), date(2024, 12, 31), ASOF, date(2026, 8, 12))


# --------------------------------------------------------------------------------------------------------------
# Synthetic bars with a planted horizontal level


def planted_bars(level: float, k: int, side: str, seed: int) -> tuple[pd.DataFrame, list[int]]:
    """Bars that touch ``level`` exactly ``k`` times with V-shaped rebounds of random size in between.

    For a support the price stays above ``level`` and each touch bar's low is ``level`` (± 0.2%); for a
    resistance the mirror image (highs at the level, price below). Between touches the log close walks
    linearly (≈ 1.5% a bar, 12-20 bars per leg) towards a random turning point 12-35% away, with 0.3% noise,
    and the series ends on a rebound leg. Returns the bars and the positions of the touch bars.
    """
    rng = np.random.default_rng(seed)
    s = 1.0 if side == "support" else -1.0
    dist: list[float] = []  # log distance from the level, >= 0, per bar
    touches: list[int] = []
    current = float(rng.uniform(0.18, 0.30))
    for j in range(k + 1):
        if j > 0:  # rebound leg after touch j - 1
            target = float(rng.uniform(0.12, 0.35))
            m = int(rng.integers(12, 21))
            dist.extend(np.linspace(0.01, target, m + 1)[1:])
            current = target
        if j == k:
            break
        m = int(rng.integers(12, 21))
        dist.extend(np.linspace(current, 0.01, m + 1)[1:])
        touches.append(len(dist) - 1)
    d = np.asarray(dist)
    log_close = math.log(level) + s * (d + rng.normal(0.0, 0.003, len(d)) * (d > 0.011))
    close = np.exp(log_close)
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.003, len(d))))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.003, len(d))))
    for i in touches:
        exact = level * math.exp(float(rng.uniform(-0.002, 0.002)))
        if s > 0:
            low[i] = exact
        else:
            high[i] = exact
    index = pd.bdate_range("2024-01-01", periods=len(d), name="date")
    bars = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": 1e6}, index=index)
    return bars, touches


def level_near(levels: LevelSet, price: float) -> Level:
    return min(levels.levels, key=lambda lv: abs(lv.price - price))


@pytest.mark.parametrize("side", ["support", "resistance"])
@pytest.mark.parametrize("k", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_level_found_with_touch_count_and_side(k: int, side: str, seed: int) -> None:
    level = 100.0
    bars, touches = planted_bars(level, k, side, seed)
    result = horizontal_levels(bars)
    found = level_near(result, level)
    assert abs(found.price - level) <= 0.25 * result.atr
    assert found.touches == k
    assert found.side == side
    assert PIVOTS in found.tags
    assert found.first_touch == bars.index[touches[0]].date()
    assert found.last_touch == bars.index[touches[-1]].date()
    group = result.supports if side == "support" else result.resistances
    assert found in group
    assert found.zone_low <= found.price <= found.zone_high
    # The planted level is also the 52-week extreme on its side and merges into the cluster.
    assert found.source == (LOW_52W if side == "support" else HIGH_52W)


def test_only_confirmed_touches_count() -> None:
    bars, touches = planted_bars(100.0, 3, "support", seed=7)
    last = touches[-1]
    w = LevelParams().pivot_window
    before = horizontal_levels(bars.iloc[: last + w])  # t = last + w - 1: last touch not yet confirmed
    after = horizontal_levels(bars.iloc[: last + w + 1])  # t = last + w: confirmed
    assert level_near(before, 100.0).touches == 2
    assert level_near(after, 100.0).touches == 3


def test_clusters_split_at_gaps_and_wide_chains() -> None:
    values = np.log(np.array([100.0, 100.5, 101.0, 110.0, 111.0]))
    parts = sorted(sorted(p.tolist()) for p in _clusters(values, gap=0.02, max_width=1.0))
    assert parts == [[0, 1, 2], [3, 4]]
    # A chain of 0.9% steps never exceeds the gap but is 8% wide: it is split at its largest gaps.
    chain = np.log(100.0 * np.cumprod([1.0, 1.009, 1.009, 1.012, 1.009, 1.009, 1.009, 1.011, 1.009]))
    for part in _clusters(chain, gap=0.01, max_width=0.02):
        assert chain[part].max() - chain[part].min() <= 0.02
    assert sum(len(p) for p in _clusters(chain, gap=0.01, max_width=0.02)) == len(chain)


# --------------------------------------------------------------------------------------------------------------
# No look-ahead


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("asof", ASOFS[:3])
def test_no_lookahead(symbol: str, asof: date) -> None:
    bars = read_bars(symbol)
    expected = horizontal_levels(bars, asof)
    assert expected.asof <= asof
    assert horizontal_levels(bars.loc[: pd.Timestamp(asof)]) == expected
    altered = bars.copy()
    after = altered.index > pd.Timestamp(asof)
    rng = np.random.default_rng(0)
    factor = rng.uniform(0.3, 3.0, after.sum())
    for col in ("open", "high", "low", "close"):
        altered.loc[after, col] = altered.loc[after, col] * factor
    altered.loc[after, "high"] *= 1.5  # spikes right after t would be pivots/extremes if read
    altered.loc[after, "low"] *= 0.5
    assert horizontal_levels(altered, asof) == expected
    assert dynamic_levels(altered, asof) == dynamic_levels(bars, asof)


def test_weekend_asof_is_previous_bar() -> None:
    bars = read_bars("CLSK")
    saturday = horizontal_levels(bars, date(2025, 11, 22))
    friday = horizontal_levels(bars, date(2025, 11, 21))
    assert saturday == friday
    assert saturday.asof == date(2025, 11, 21)
    assert horizontal_levels(bars).asof == bars.index[-1].date()
    with pytest.raises(ValueError):
        horizontal_levels(bars, date(2000, 1, 1))


# --------------------------------------------------------------------------------------------------------------
# Scale invariance


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("scale", [0.01, 1000.0])
def test_scale_invariance(symbol: str, scale: float) -> None:
    bars = read_bars(symbol)
    scaled = bars.copy()
    scaled[["open", "high", "low", "close"]] *= scale
    base, other = horizontal_levels(bars, ASOF), horizontal_levels(scaled, ASOF)
    assert other.tau == pytest.approx(base.tau, rel=1e-9)
    assert other.atr == pytest.approx(base.atr * scale, rel=1e-9)
    for group_a, group_b in ((base.supports, other.supports), (base.resistances, other.resistances)):
        assert len(group_a) == len(group_b)
        for a, b in zip(group_a, group_b, strict=True):
            assert (a.touches, a.first_touch, a.last_touch, a.source, a.side, a.tags) == (
                b.touches, b.first_touch, b.last_touch, b.source, b.side, b.tags)
            assert b.price == pytest.approx(a.price * scale, rel=1e-9)
            assert b.zone_low == pytest.approx(a.zone_low * scale, rel=1e-9)
            assert b.zone_high == pytest.approx(a.zone_high * scale, rel=1e-9)
            assert b.weight == pytest.approx(a.weight, rel=1e-12)
            assert b.distance_pct == pytest.approx(a.distance_pct, rel=1e-9, abs=1e-9)
            assert b.distance_atr == pytest.approx(a.distance_atr, rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------------------------------------------
# Sides, ordering, bookkeeping and the 52-week extremes on real bars


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("asof", ASOFS)
def test_sides_ordering_and_touch_bookkeeping(symbol: str, asof: date) -> None:
    bars = read_bars(symbol)
    result = horizontal_levels(bars, asof)
    cut = bars.loc[: pd.Timestamp(asof)]
    params = LevelParams()
    assert result.close == cut["close"].iloc[-1]
    assert result.atr == pytest.approx(atr(cut).iloc[-1])
    assert result.supports or result.resistances
    assert all(lv.price < result.close and lv.side == "support" for lv in result.supports)
    assert all(lv.price > result.close and lv.side == "resistance" for lv in result.resistances)
    assert [lv.price for lv in result.supports] == sorted((lv.price for lv in result.supports), reverse=True)
    assert [lv.price for lv in result.resistances] == sorted(lv.price for lv in result.resistances)
    last_confirmed = cut.index[-1 - params.pivot_window].date()
    first_allowed = cut.index[max(0, len(cut) - params.lookback_bars)].date()
    for lv in result.levels:
        assert lv.zone_low <= lv.price <= lv.zone_high
        assert lv.distance_pct == pytest.approx((lv.price / result.close - 1) * 100)
        assert lv.distance_atr == pytest.approx((lv.price - result.close) / result.atr)
        assert lv.first_touch is not None and lv.last_touch is not None
        assert lv.first_touch <= lv.last_touch <= result.asof
        assert 0 < lv.weight <= lv.touches
        if PIVOTS in lv.tags:
            assert lv.touches >= params.min_touches
            assert first_allowed <= lv.first_touch
            assert lv.last_touch <= last_confirmed
    assert result.nearest_support() == (result.supports[0] if result.supports else None)
    assert result.nearest_resistance() == (result.resistances[0] if result.resistances else None)


def test_clsk_52_week_extremes_against_csv() -> None:
    bars = read_bars("CLSK")
    year = bars.loc[: pd.Timestamp(ASOF)].iloc[-252:]
    result = horizontal_levels(bars, ASOF)
    assert result.close == 11.48
    assert result.high_52w == year["high"].max()
    assert result.low_52w == year["low"].min()
    assert result.high_52w_date == year["high"].idxmax().date()
    assert result.low_52w_date == year["low"].idxmin().date()
    (high,) = [lv for lv in result.levels if HIGH_52W in lv.tags]
    (low,) = [lv for lv in result.levels if LOW_52W in lv.tags]
    assert high.side == "resistance" and high.zone_low <= result.high_52w <= high.zone_high
    assert low.side == "support" and low.zone_low <= result.low_52w <= low.zone_high
    for lv, extreme in ((high, result.high_52w), (low, result.low_52w)):
        if PIVOTS in lv.tags:  # merged: the cluster is within tau of the extreme
            assert abs(math.log(lv.price / extreme)) <= result.tau
        else:
            assert lv.price == extreme and lv.touches == 1


def test_unmerged_extreme_is_its_own_level() -> None:
    bars, _ = planted_bars(100.0, 3, "support", seed=4)
    spike = bars.index[-3]
    bars.loc[spike, "high"] = bars["high"].max() * 1.5  # an unconfirmed, isolated 52-week high
    result = horizontal_levels(bars)
    (high,) = [lv for lv in result.levels if HIGH_52W in lv.tags]
    assert high.tags == (HIGH_52W,)
    assert high.price == result.high_52w == bars.loc[spike, "high"]
    assert high.touches == 1 and high.first_touch == high.last_touch == spike.date()
    assert high.side == "resistance"


def test_helpers_walk_the_levels() -> None:
    result = horizontal_levels(read_bars("CLSK"), ASOF)
    first = result.nearest_resistance()
    assert first is not None
    second = result.next_resistance_after(first)
    assert second is result.resistances[1]
    assert result.next_resistance_after(result.resistances[-1]) is None
    support = result.nearest_support()
    assert support is not None
    assert result.next_resistance_after(support) is first
    assert result.next_support_below(support) is result.supports[1]
    empty = LevelSet(asof=ASOF, close=1.0, atr=0.1, tau=0.01, supports=(), resistances=())
    assert empty.nearest_support() is None and empty.nearest_resistance() is None


# --------------------------------------------------------------------------------------------------------------
# Dynamic levels


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("asof", ASOFS)
def test_dynamic_levels_equal_indicator_frame(symbol: str, asof: date) -> None:
    bars = read_bars(symbol)
    frame = indicator_frame(bars, asof)
    row = frame.iloc[-1]
    result = dynamic_levels(bars, asof)
    assert result == dynamic_levels_from_frame(frame)
    assert result.asof == frame.index[-1].date()
    assert result.close == row["close"]
    by_source = {lv.source: lv for lv in result.levels}
    assert set(by_source) == set(DYNAMIC_SOURCES.values())
    for column, source in DYNAMIC_SOURCES.items():
        lv = by_source[source]
        assert lv.price == row[column]
        assert lv.side == ("support" if row[column] < row["close"] else "resistance")
        assert lv.touches == 0 and lv.first_touch is None and lv.weight == 0.0
    assert all(lv.price < result.close for lv in result.supports)
    assert all(lv.price >= result.close for lv in result.resistances)
    assert [lv.price for lv in result.supports] == sorted((lv.price for lv in result.supports), reverse=True)
    assert [lv.price for lv in result.resistances] == sorted(lv.price for lv in result.resistances)


def test_dynamic_levels_skip_undefined_indicators() -> None:
    bars = read_bars("CLSK").iloc[:60]  # EMA 100/200 undefined, EMA 20/50 and Bollinger defined
    sources = {lv.source for lv in dynamic_levels(bars).levels}
    assert sources == {"EMA 20", "EMA 50", "BB upper", "BB middle", "BB lower"}


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("asof", ASOFS)
def test_52_week_extremes_are_last_252_bars(symbol: str, asof: date) -> None:
    bars = read_bars(symbol)
    year = bars.loc[: pd.Timestamp(asof)].iloc[-252:]
    result = horizontal_levels(bars, asof)
    assert (result.high_52w, result.low_52w) == (year["high"].max(), year["low"].min())
