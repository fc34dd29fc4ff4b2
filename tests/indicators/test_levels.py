"""Horizontal and dynamic levels: planted levels are found, no look-ahead, scale invariance, sides and ordering."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from indicators.asof import indicator_frame
from indicators.key_levels import key_levels
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
from indicators.pivots import atr, tolerance
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS

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


def test_touch_counts_provisionally_on_the_rebound_then_is_confirmed() -> None:
    bars, touches = planted_bars(100.0, 3, "support", seed=7)
    last = touches[-1]
    w = LevelParams().pivot_window
    atr_ref = atr(bars)  # ta's ATR, independent of the fast replica the levels use
    log_low = math.log(bars["low"].iloc[last])

    def rebounded(t: int) -> bool:  # a close since the touch at least 1 ATR (at t, relative) above its low
        best = math.log(bars["close"].iloc[last + 1 : t + 1].max())
        return best - log_low >= atr_ref.iloc[t] / bars["close"].iloc[t]

    bounce = next(t for t in range(last + 1, last + w) if rebounded(t))
    before = level_near(horizontal_levels(bars.iloc[:bounce]), 100.0)  # t = bounce - 1: no rebound yet
    on_bounce = level_near(horizontal_levels(bars.iloc[: bounce + 1]), 100.0)
    confirmed = level_near(horizontal_levels(bars.iloc[: last + w + 1]), 100.0)  # t = last + w
    assert before.touches == 2 and not before.provisional
    assert on_bounce.touches == 3 and on_bounce.provisional
    assert on_bounce.last_touch == bars.index[last].date()
    assert confirmed.touches == 3 and not confirmed.provisional
    # later bars change only the provisional flag of the level (and what depends on t: weights, distances)
    keys = ("price", "zone_low", "zone_high", "touches", "first_touch", "last_touch", "source", "tags")
    assert [getattr(on_bounce, k) for k in keys] == [getattr(confirmed, k) for k in keys]


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
        assert abs(lv.distance_pct) <= params.max_distance_pct
        assert lv.distance_atr == pytest.approx((lv.price - result.close) / result.atr)
        assert lv.first_touch is not None and lv.last_touch is not None
        assert lv.first_touch <= lv.last_touch <= result.asof
        assert 0 < lv.weight <= lv.touches
        assert lv.major == (lv.score >= params.major_score) or len(lv.tags) > 1  # a merged zone: any part major
        assert lv.major or lv.touches >= params.min_touches
        if PIVOTS in lv.tags:
            assert first_allowed <= lv.first_touch
            assert lv.last_touch <= last_confirmed or lv.provisional
    assert result.nearest_support() == (result.supports[0] if result.supports else None)
    assert result.nearest_resistance() == (result.resistances[0] if result.resistances else None)


ANY_DISTANCE = LevelParams(max_distance_pct=math.inf)  # the relevance filter off


def test_clsk_52_week_extremes_against_csv() -> None:
    bars = read_bars("CLSK")
    year = bars.loc[: pd.Timestamp(ASOF)].iloc[-252:]
    # CLSK closed at $11.48 on ASOF: its 52-week high ($23.61) and low lie beyond ±40 %, so they are not listed
    listed = horizontal_levels(bars, ASOF)
    assert not [lv for lv in listed.levels if HIGH_52W in lv.tags or LOW_52W in lv.tags]
    assert (listed.high_52w, listed.low_52w) == (year["high"].max(), year["low"].min())
    result = horizontal_levels(bars, ASOF, ANY_DISTANCE)
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
    spike = bars.index[-1]
    bars.loc[spike, "high"] = bars["high"].max() * 1.5  # an isolated 52-week high on the as-of bar: no pivot yet
    # nothing has reacted to it yet: its swing is 0, so it is neither major nor listed (one touch)
    assert not [lv for lv in horizontal_levels(bars, None, ANY_DISTANCE).levels if HIGH_52W in lv.tags]
    result = horizontal_levels(bars, None, LevelParams(max_distance_pct=math.inf, min_touches=1))
    (high,) = [lv for lv in result.levels if HIGH_52W in lv.tags]
    assert high.tags == (HIGH_52W,)
    assert high.price == result.high_52w == bars.loc[spike, "high"]
    assert high.touches == 1 and high.first_touch == high.last_touch == spike.date()
    assert high.side == "resistance"
    assert not high.provisional and high.score == 0.0 and not high.major


def test_spike_price_fell_away_from_is_a_provisional_swing_high() -> None:
    bars, _ = planted_bars(100.0, 3, "support", seed=4)
    spike = bars.index[-3]
    bars.loc[spike, "high"] = bars["high"].max() * 1.5  # two bars later the closes are far below it
    result = horizontal_levels(bars, None, ANY_DISTANCE)
    (high,) = [lv for lv in result.levels if HIGH_52W in lv.tags]
    assert high.tags == (PIVOTS, HIGH_52W) and high.provisional
    assert high.touches == 1 and high.last_touch == spike.date()
    assert high.price == pytest.approx(bars.loc[spike, "high"], rel=1e-12)


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


def held_bars_by_loops(frame: pd.DataFrame, column: str, side: str, bars: int = 10) -> list[date]:
    """The dynamic-level test rule with plain loops: bars of the last ``bars`` whose low (high) came within tau
    of the line, whose close held it, and after which some close got 1 ATR (ta's ATR at t) away from it."""
    cut = frame[["open", "high", "low", "close"]]
    tau = tolerance(cut)
    atr_t = float(atr(cut).iloc[-1])
    n = len(frame)
    out = []
    for b in range(max(0, n - bars), n):
        line = float(frame[column].iloc[b])
        later = frame["close"].iloc[b + 1 :].tolist()
        if side == "support":
            ok = (frame["low"].iloc[b] <= line * math.exp(tau) and frame["close"].iloc[b] >= line
                  and any(c - line >= atr_t for c in later))
        else:
            ok = (frame["high"].iloc[b] >= line * math.exp(-tau) and frame["close"].iloc[b] <= line
                  and any(line - c >= atr_t for c in later))
        if ok:
            out.append(frame.index[b].date())
    return out


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
    relevant = {source for column, source in DYNAMIC_SOURCES.items()
                if abs(row[column] / row["close"] - 1) * 100 <= LevelParams().max_distance_pct}
    assert set(by_source) == relevant
    assert "BB middle" not in DYNAMIC_SOURCES.values() and "SMA 20" in DYNAMIC_SOURCES.values()
    for column, source in DYNAMIC_SOURCES.items():
        if source not in relevant:
            continue
        lv = by_source[source]
        assert lv.price == row[column]
        side = "support" if row[column] < row["close"] else "resistance"
        assert lv.side == side
        wrong_band = (column, side) in (("bb_upper", "support"), ("bb_lower", "resistance"))
        tested = [] if wrong_band else held_bars_by_loops(frame, column, side)
        assert lv.touches == len(tested) and lv.major == bool(tested) and lv.weight == 0.0
        assert (lv.first_touch, lv.last_touch) == ((tested[0], tested[-1]) if tested else (None, None))
    assert all(lv.price < result.close for lv in result.supports)
    assert all(lv.price >= result.close for lv in result.resistances)
    assert [lv.price for lv in result.supports] == sorted((lv.price for lv in result.supports), reverse=True)
    assert [lv.price for lv in result.resistances] == sorted(lv.price for lv in result.resistances)


def test_dynamic_levels_skip_undefined_indicators() -> None:
    bars = read_bars("CLSK").iloc[:60]  # EMA 100/200 and SMA 200 undefined; EMA/SMA 20/50 and the bands defined
    sources = {lv.source for lv in dynamic_levels(bars).levels}
    assert sources == {"EMA 20", "EMA 50", "SMA 20", "SMA 50", "BB upper", "BB lower"}


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("asof", ASOFS)
def test_52_week_extremes_are_last_252_bars(symbol: str, asof: date) -> None:
    bars = read_bars(symbol)
    year = bars.loc[: pd.Timestamp(asof)].iloc[-252:]
    result = horizontal_levels(bars, asof)
    assert (result.high_52w, result.low_52w) == (year["high"].max(), year["low"].min())


# --------------------------------------------------------------------------------------------------------------
# Significance, relevance and the immediate levels


def bars_from_path(legs: list[tuple[int, float]], start: float = 125.0, bar_range: float = 0.04) -> pd.DataFrame:
    """Bars whose log closes run linearly through ``legs`` ((bars, target price), ...) from ``start``; each bar
    spans its open and close widened by ``bar_range`` (log), so the ATR is about 4-5 % of the price."""
    log_close = [math.log(start)]
    for n, target in legs:
        log_close.extend(np.linspace(log_close[-1], math.log(target), n + 1)[1:])
    close = np.exp(np.array(log_close))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * math.exp(bar_range / 2)
    low = np.minimum(open_, close) * math.exp(-bar_range / 2)
    index = pd.bdate_range("2023-01-02", periods=len(close), name="date")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": 1e6}, index=index)


def two_supports() -> pd.DataFrame:
    """Five 25 % rebounds off ~$98 (the lows of bars closing at $100), then two shallow dips to ~$110 that price
    left by only ~6 %, closing at $116: a far 5-touch support with large reactions, a near 2-touch one."""
    legs = [(12, 100.0), (12, 125.0)] * 4 + [(12, 100.0), (10, 118.0)]
    legs += [(4, 112.0), (6, 118.0), (6, 112.5), (6, 118.0), (4, 116.0)]
    return bars_from_path(legs)


def test_five_large_reactions_outrank_a_nearer_two_touch_level() -> None:
    result = horizontal_levels(two_supports())
    far = level_near(result, 98.0)
    near = level_near(result, 110.0)
    assert far.touches == 5 and near.touches == 2
    assert near.price > far.price and near.side == far.side == "support"
    assert far.score > 3 * near.score
    assert far.major and not near.major
    assert far.swing_atr > 2 * near.swing_atr
    # the immediate support is the nearest MAJOR level, not the nearest one
    empty = LevelSet(result.asof, result.close, result.atr, result.tau, (), ())
    key = key_levels(result, empty, ())
    assert key.immediate_support is not None
    assert key.immediate_support.level == far and key.immediate_support.kind == "extreme"  # also the 52-week low


def test_score_is_the_recency_weighted_sum_of_swings() -> None:
    bars = two_supports()
    result = horizontal_levels(bars)
    params = LevelParams()
    near = level_near(result, 110.0)
    # recompute the near level's score by hand: its two pivot lows, their legs (ATR at the pivot) and ages
    t = len(bars) - 1
    lows = bars["low"].to_numpy()
    highs = bars["high"].to_numpy()
    atr_ref = atr(bars).to_numpy() / bars["close"].to_numpy()
    pivots = [i for i in range(5, t - 4) if lows[i] < lows[i - 5:i].min() and lows[i] <= lows[i + 1:i + 6].min()
              and abs(math.log(lows[i] / near.price)) < 0.03]
    assert len(pivots) == 2
    total = 0.0
    for i in pivots:
        before = [b for b in range(i) if lows[b] < lows[i]]
        after = [b for b in range(i + 1, t + 1) if lows[b] < lows[i]]
        start, end = (before[-1] + 1 if before else 0), (after[0] if after else t + 1)
        left = math.log(highs[start:i].max() / lows[i])
        right = math.log(highs[i + 1:end].max() / lows[i])
        swing = min(max(left, right) / atr_ref[i], params.swing_cap_atr)
        total += swing * 0.5 ** ((t - i) / params.half_life_bars)
    assert near.score == pytest.approx(total, rel=1e-9)


def test_relevance_drops_far_levels_and_zones_merge_neighbours() -> None:
    bars = read_bars("CIFR")
    every = horizontal_levels(bars, ASOF, ANY_DISTANCE)
    listed = horizontal_levels(bars, ASOF)
    far = [lv for lv in every.levels if abs(lv.distance_pct) > 40.0]
    assert far, "CIFR at $16.71 after a 5x year has levels far below"
    assert all(abs(lv.distance_pct) <= 40.0 for lv in listed.levels)
    params = LevelParams()
    gap = max(listed.tau, params.min_gap)
    for lv in listed.levels:  # a zone is one cluster (with its 52-week extreme) or merged levels within one ATR
        one_cluster = math.log(lv.zone_high / lv.zone_low) <= params.max_width_factor * gap + listed.tau + 1e-12
        within_atr = lv.zone_high - lv.zone_low <= params.zone_width_atr * listed.atr + 1e-9
        assert one_cluster or within_atr, lv
    no_zones = LevelParams(zone_gap_atr=0.0, zone_width_atr=0.0)
    merges = 0
    for symbol in SYMBOLS:
        zoned, plain = horizontal_levels(read_bars(symbol), ASOF), horizontal_levels(read_bars(symbol), ASOF, no_zones)
        merges += len(plain.levels) - len(zoned.levels)
        assert sum(lv.touches for lv in zoned.levels) == sum(lv.touches for lv in plain.levels)  # nothing lost
    assert merges > 0
