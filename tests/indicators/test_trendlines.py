"""Trendlines: planted lines are recovered, results are scale-free and as-of safe, every rule holds on real data."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from indicators.pivots import atr, pivot_highs, pivot_lows, tolerance, wilder_atr
from indicators.trendlines import (
    Trendline,
    TrendlineParams,
    _admissible_pairs,
    detect_resistance_trendlines,
    detect_trendlines,
)
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS
from tests.support.trendlines import CASES, SLOPE, bars_from_log_low, excursion, line_log, planted

P = TrendlineParams()
ASOFS = (date(2024, 6, 14), date(2025, 4, 30), date(2025, 11, 24))


# ---------------------------------------------------------------------------------------------------------------
# Planted lines


@pytest.mark.parametrize("n_touches", sorted(CASES))
def test_planted_exact_line_is_recovered_exactly(n_touches: int) -> None:
    bars, touches = planted(n_touches)
    lines = detect_trendlines(bars)
    assert lines, "no line found"
    best = lines[0]
    assert list(best.touch_positions) == touches
    assert set(best.anchor_positions) <= set(touches)
    assert best.slope_log_per_bar == pytest.approx(SLOPE, abs=1e-9)
    t = len(bars) - 1
    assert best.level_at_asof == pytest.approx(math.exp(line_log(t)), rel=1e-9)
    assert best.value_at(touches[0]) == pytest.approx(bars["low"].iloc[touches[0]], rel=1e-12)
    assert best.n_touches == n_touches
    assert best.confirmed
    assert best.direction == "ascending"
    assert best.slope_pct_per_year == pytest.approx((math.exp(252 * SLOPE) - 1) * 100, rel=1e-9)
    assert best.status == "active"
    assert best.higher_lows_intact
    assert best.long_term == (touches[-1] - touches[0] >= 250)
    assert best.first_date == bars.index[touches[0]].date()
    assert best.last_touch_date == bars.index[touches[-1]].date()
    assert best.touch_prices == tuple(bars["low"].iloc[touches])
    atr_t = atr(bars).iloc[-1]
    assert best.distance_atr == pytest.approx((bars["close"].iloc[-1] - best.level_at_asof) / atr_t, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_touches", [4, 6])
def test_planted_line_with_jitter_is_rank_one(n_touches: int, seed: int) -> None:
    sigma = 0.002  # log jitter of every bar (touch lows move off the line by up to ~3σ)
    bars, touches = planted(n_touches, jitter=sigma, seed=seed)
    best = detect_trendlines(bars)[0]
    assert list(best.touch_positions) == touches
    # slope through two touches at least 55 bars apart, each off the line by <= 4σ: error <= 8σ/55 ≈ 3e-4;
    # the fit term picks the pair that fits the other touches best, which is much closer.
    assert best.slope_log_per_bar == pytest.approx(SLOPE, abs=1.5e-4)
    t = len(bars) - 1
    assert math.log(best.level_at_asof) == pytest.approx(line_log(t), abs=0.02)


def test_resistance_mirror_recovers_planted_descending_line() -> None:
    n = 400
    troughs = CASES[4]
    log_high = math.log(50.0) - 0.001 * np.arange(n) - excursion(n, troughs)
    low = log_high - 0.02
    bars = bars_from_log_low(low)
    lines = detect_resistance_trendlines(bars)
    best = lines[0]
    assert best.kind == "resistance"
    assert list(best.touch_positions) == [p for p, d in troughs if d == 0.0]
    assert best.slope_log_per_bar == pytest.approx(-0.001, abs=1e-9)
    assert best.direction == "descending"
    assert best.touch_prices == tuple(bars["high"].iloc[list(best.touch_positions)])
    assert best.distance_atr < 0  # price is below its resistance
    assert best.status == "active"


# ---------------------------------------------------------------------------------------------------------------
# Scale invariance and as-of safety


def scaled(bars: pd.DataFrame, k: float) -> pd.DataFrame:
    out = bars.copy()
    out[["open", "high", "low", "close"]] *= k
    return out


def same_lines(a: list[Trendline], b: list[Trendline], k: float) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.anchor_positions == y.anchor_positions
        assert x.touch_positions == y.touch_positions
        assert (x.status, x.direction, x.confirmed, x.long_term, x.higher_lows_intact) == (
            y.status, y.direction, y.confirmed, y.long_term, y.higher_lows_intact)
        assert y.slope_log_per_bar == pytest.approx(x.slope_log_per_bar, abs=1e-12)
        assert y.level_at_asof == pytest.approx(k * x.level_at_asof, rel=1e-9)
        assert y.distance_atr == pytest.approx(x.distance_atr, rel=1e-6, abs=1e-9)
        assert y.score == pytest.approx(x.score, rel=1e-9)
        np.testing.assert_allclose(y.touch_prices, np.array(x.touch_prices) * k, rtol=1e-12)


@pytest.mark.parametrize("k", [0.01, 7.3, 1000.0])
@pytest.mark.parametrize("symbol", ["MARA", "CLSK"])
def test_scale_invariance_real(symbol: str, k: float) -> None:
    bars = read_bars(symbol)
    asof = date(2025, 11, 24)
    same_lines(detect_trendlines(bars, asof), detect_trendlines(scaled(bars, k), asof), k)
    same_lines(detect_resistance_trendlines(bars, asof), detect_resistance_trendlines(scaled(bars, k), asof), k)


@pytest.mark.parametrize("k", [0.01, 7.3, 1000.0])
def test_scale_invariance_planted(k: float) -> None:
    bars, _ = planted(4, jitter=0.002, seed=3)
    same_lines(detect_trendlines(bars), detect_trendlines(scaled(bars, k)), k)


ANY_DISTANCE = TrendlineParams(max_distance_pct=math.inf, max_slope_log_per_year=math.inf)  # relevance off


@pytest.mark.parametrize("params", [P, ANY_DISTANCE], ids=["default", "relevance-off"])
@pytest.mark.parametrize("symbol", SYMBOLS)
def test_no_look_ahead(symbol: str, params: TrendlineParams) -> None:
    bars = read_bars(symbol)
    for asof in ASOFS:
        got = detect_trendlines(bars, asof, params)
        assert got == detect_trendlines(bars.loc[: pd.Timestamp(asof)], None, params)
        if params is ANY_DISTANCE:
            assert got, f"{symbol} {asof}: expected some support line"
        later = bars.index > pd.Timestamp(asof)
        changed = bars.copy()
        changed.loc[later, ["open", "high", "low", "close"]] *= 0.3  # a crash after the as-of date
        assert detect_trendlines(changed, asof, params) == got
        assert detect_resistance_trendlines(changed, asof, params) == detect_resistance_trendlines(bars, asof, params)


def test_weekend_asof_uses_previous_bar() -> None:
    bars = read_bars("RIOT")
    friday, saturday = date(2025, 11, 21), date(2025, 11, 22)
    lines = detect_trendlines(bars, saturday)
    assert lines == detect_trendlines(bars, friday)
    assert all(x.asof_date == friday for x in lines)
    assert detect_trendlines(bars, date(1990, 1, 1)) == []


def test_value_at_dates() -> None:
    bars, touches = planted(4)
    best = detect_trendlines(bars)[0]
    t = len(bars) - 1
    assert best.value_at(bars.index[touches[1]].date()) == pytest.approx(math.exp(line_log(touches[1])), rel=1e-9)
    assert best.value_at(bars.index[-1]) == pytest.approx(best.level_at_asof, rel=1e-12)
    saturday = bars.index[200] + pd.offsets.Week(weekday=5)  # inside the data: maps to the Friday before
    friday_pos = int(bars.index.get_indexer([saturday - pd.Timedelta(days=1)])[0])
    assert friday_pos > 200
    assert best.value_at(saturday.date()) == pytest.approx(math.exp(line_log(friday_pos)), rel=1e-9)
    last = bars.index[-1]
    future = (last + pd.offsets.BDay(10)).date()  # projected with business days
    assert best.value_at(future) == pytest.approx(math.exp(line_log(t + 10)), rel=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# Brute-force re-check of every rule on real data


def is_pivot(values: list[float], i: int, w: int, lowest: bool) -> bool:
    if i < w or i + w > len(values) - 1:
        return False
    v = values if lowest else [-x for x in values]
    return all(v[i] < v[b] for b in range(i - w, i)) and all(v[i] <= v[b] for b in range(i + 1, i + w + 1))


def provisional_by_loops(ext: list[float], closes: list[float], need: float, w: int) -> int | None:
    """The provisional pivot rule with plain loops (support space): the lowest of bars t-w+1 .. t-1 (first on
    ties), strictly below its w predecessors, at or below every later value, and a later close >= need above."""
    t = len(ext) - 1
    window = [b for b in range(t - w + 1, t) if b >= w]
    if not window:
        return None
    p = min(window, key=lambda b: (ext[b], b))
    if not all(ext[p] < ext[b] for b in range(p - w, p)) or not all(ext[p] <= ext[b] for b in range(p + 1, t + 1)):
        return None
    return p if max(closes[b] for b in range(p + 1, t + 1)) - ext[p] >= need else None


@dataclass
class Context:
    """Everything the rule check needs about one as-of cut, computed once with plain loops / the reference ATR."""

    cut: pd.DataFrame
    tau: float
    atr_ref: np.ndarray
    atr_rel: list[float]
    pivots: dict[str, set[int]]  # confirmed pivots and the provisional one
    provisional: dict[str, int | None]

    @classmethod
    def of(cls, cut: pd.DataFrame) -> Context:
        atr_ref = atr(cut).to_numpy()
        first = next(k for k in range(len(cut)) if np.isfinite(atr_ref[k]))
        close = cut["close"].tolist()
        atr_rel = [float(atr_ref[max(b, first)] / close[max(b, first)]) for b in range(len(cut))]
        pivots, provisional = {}, {}
        for kind, col in (("support", "low"), ("resistance", "high")):
            ext = cut[col].tolist()
            pivots[kind] = {p for p in range(len(cut)) if is_pivot(ext, p, P.pivot_window, kind == "support")}
            s = 1.0 if kind == "support" else -1.0
            p = provisional_by_loops([s * math.log(x) for x in ext], [s * math.log(x) for x in close],
                                     P.rebound_atr * atr_rel[-1], P.pivot_window)
            provisional[kind] = p
            if p is not None:
                pivots[kind].add(p)
        return cls(cut, tolerance(cut), atr_ref, atr_rel, pivots, provisional)


def check_rules(ctx: Context, line: Trendline, params: TrendlineParams = P) -> None:
    """Re-derive every documented rule with plain loops (support or, mirrored, resistance)."""
    cut = ctx.cut
    w = P.pivot_window
    s = 1.0 if line.kind == "support" else -1.0
    n = len(cut)
    t = n - 1
    ext = cut["low" if line.kind == "support" else "high"].tolist()
    lo = [s * math.log(x) for x in ext]
    cl = [s * math.log(x) for x in cut["close"].tolist()]
    atr_ref, atr_rel, tau, piv = ctx.atr_ref, ctx.atr_rel, ctx.tau, ctx.pivots[line.kind]
    assert line.tolerance == pytest.approx(tau, rel=1e-12)
    assert line.asof_position == t and line.asof_date == cut.index[-1].date()

    def L(b: int) -> float:
        return s * (line.intercept_log + line.slope_log_per_bar * b)

    i, j = line.anchor_positions
    assert j - i >= P.min_anchor_gap
    touches = list(line.touch_positions)
    assert touches[0] == i and j in touches and touches == sorted(touches)
    assert L(i) == pytest.approx(lo[i], abs=1e-12) and L(j) == pytest.approx(lo[j], abs=1e-12)
    for p in touches:
        assert p in piv and (p + w <= t or p == ctx.provisional[line.kind]), p
        assert abs(lo[p] - L(p)) <= tau + 1e-12
    assert line.provisional == (touches[-1] == ctx.provisional[line.kind])
    assert abs(math.exp(s * L(t)) / cut["close"].iloc[-1] - 1) * 100 <= params.max_distance_pct + 1e-9
    assert abs(line.slope_log_per_bar) * 252 <= params.max_slope_log_per_year
    for a, b in itertools.pairwise(touches):
        assert b - a >= w
        assert max(cl[x] - L(x) for x in range(a + 1, b)) >= P.rebound_atr * atr_rel[b] - 1e-12
    for b in range(i + 1, j):
        assert lo[b] >= L(b) - tau - 1e-12, f"low at {b} cuts the line between the anchors"
    viol = [b for b in range(i + 1, n) if cl[b] < L(b) - tau]
    for b in viol:
        assert b > t - P.recent_bars and b > touches[-1], f"close violates the line at {b}"
    decisive = [b for b in viol if cl[b] < L(b) + math.log(1 - P.break_pct)]
    consecutive = any(b + 1 in viol for b in viol)
    held = any(abs(lo[b] - L(b)) <= tau and cl[b] >= L(b) - tau for b in range(max(t - P.recent_bars + 1, i + 1), n))
    want = "broken" if (decisive or consecutive) else ("testing" if (viol or held) else "active")
    assert line.status == want
    assert line.n_touches == len(touches) and line.confirmed == (len(touches) >= 3)
    assert line.span_bars == touches[-1] - i and line.long_term == (line.span_bars >= 250)
    pct = (math.exp(252 * line.slope_log_per_bar) - 1) * 100
    assert line.slope_pct_per_year == pytest.approx(pct)
    assert line.direction == ("ascending" if pct > 2 else "descending" if pct < -2 else "flat")
    hl = all(lo[p] >= L(p) - tau for p in piv if p >= i) and all(
        lo[b] >= lo[a] - tau for a, b in itertools.pairwise(touches))
    assert line.higher_lows_intact == hl
    level = math.exp(s * L(t))
    assert line.level_at_asof == pytest.approx(level, rel=1e-12)
    assert line.distance_atr == pytest.approx((cut["close"].iloc[-1] - level) / atr_ref[-1], rel=1e-9, abs=1e-12)
    assert line.touch_dates == tuple(d.date() for d in cut.index[touches])


@pytest.mark.parametrize("params", [P, ANY_DISTANCE], ids=["default", "relevance-off"])
@pytest.mark.parametrize("symbol", SYMBOLS)
def test_every_returned_line_obeys_the_rules(symbol: str, params: TrendlineParams) -> None:
    bars = read_bars(symbol)
    for asof in ASOFS:
        ctx = Context.of(bars.loc[: pd.Timestamp(asof)])
        for detect in (detect_trendlines, detect_resistance_trendlines):
            lines = detect(bars, asof, params)
            assert len(lines) <= P.max_lines
            if params is ANY_DISTANCE:
                assert lines
            scores = [x.score for x in lines]
            assert scores == sorted(scores, reverse=True)
            for line in lines:
                check_rules(ctx, line, params)
            for a in range(len(lines)):
                for b in range(a):
                    shared = set(lines[a].touch_positions) & set(lines[b].touch_positions)
                    assert len(shared) < 3, "near-duplicate lines returned"


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_best_first_pruning_does_not_change_the_result(symbol: str) -> None:
    bars = read_bars(symbol)
    everything = TrendlineParams(max_lines=1000)  # the stopping rule never fires: every pair is scored
    for asof in ASOFS:
        assert detect_trendlines(bars, asof) == detect_trendlines(bars, asof, everything)[:P.max_lines]
        assert detect_resistance_trendlines(bars, asof) == detect_resistance_trendlines(bars, asof, everything)[:5]


@pytest.mark.parametrize("symbol", ["CIFR", "MARA"])
def test_admissible_pairs_match_brute_force(symbol: str) -> None:
    cut = read_bars(symbol).loc[:"2025-11-24"]
    lo = np.log(cut["low"].to_numpy())
    cl = np.log(cut["close"].to_numpy())
    tau = tolerance(cut)
    t_hold = len(cut) - 1 - P.recent_bars
    piv = pivot_lows(lo, P.pivot_window)
    want = set()
    for r in range(len(piv)):
        for s in range(r + 1, len(piv)):
            i, j = int(piv[r]), int(piv[s])
            if j - i < P.min_anchor_gap:
                continue
            m = (lo[j] - lo[i]) / (j - i)
            between = np.arange(i + 1, j)
            hold = np.arange(i + 1, t_hold + 1)
            if np.all(lo[between] >= lo[i] + m * (between - i) - tau - 1e-12) and np.all(
                    cl[hold] >= lo[i] + m * (hold - i) - tau - 1e-12):
                want.add((r, s))
    rr, ss = _admissible_pairs(lo, cl, piv, tau, t_hold, P.min_anchor_gap)
    assert set(zip(rr.tolist(), ss.tolist(), strict=True)) == want
    assert len(want) > 10


def test_fast_atr_and_tolerance_equal_pivots_module() -> None:
    for symbol in SYMBOLS:
        bars = read_bars(symbol)
        got = wilder_atr(bars["high"].to_numpy(), bars["low"].to_numpy(), bars["close"].to_numpy())
        np.testing.assert_array_equal(got, atr(bars).to_numpy())
    assert pivot_highs(np.array([1.0, 2, 3, 2, 1]), 2).tolist() == [2]


# ---------------------------------------------------------------------------------------------------------------
# Negative controls


def test_falling_series_has_no_ascending_support() -> None:
    n = 500
    b = np.arange(n)
    log_low = math.log(100.0) - 0.004 * b + 0.03 * np.sin(2 * np.pi * b / 20)
    lines = detect_trendlines(bars_from_log_low(log_low))
    assert lines, "the falling series has descending supports"
    assert all(x.direction == "descending" for x in lines)
    rising = detect_trendlines(bars_from_log_low(math.log(100.0) + 0.004 * b + 0.03 * np.sin(2 * np.pi * b / 20)))
    assert rising and rising[0].direction == "ascending"  # the same shape mirrored in time trend is found


def with_closes(bars: pd.DataFrame, positions: list[int], rel_to_line: float) -> pd.DataFrame:
    """Put the close (and the bar around it) of each position at line × rel_to_line."""
    out = bars.copy()
    for p in positions:
        c = math.exp(line_log(p)) * rel_to_line
        out.iloc[p, out.columns.get_indexer(["open", "high", "low", "close"])] = [c * 1.004, c * 1.008, c * 0.996, c]
    return out


def find_planted(lines: list[Trendline], touches: list[int]) -> Trendline:
    for x in lines:
        if list(x.touch_positions) == touches:
            return x
    raise AssertionError(f"planted line {touches} not returned: {[x.touch_positions for x in lines]}")


def test_injected_break_gives_status_broken() -> None:
    bars, touches = planted(4)
    t = len(bars) - 1
    assert find_planted(detect_trendlines(bars), touches).status == "active"
    broken = with_closes(bars, [t - 2, t - 1, t], 0.94)  # three closes 6 % under the line
    line = find_planted(detect_trendlines(broken), touches)
    assert line.status == "broken"
    assert line.distance_atr < 0
    one_decisive = with_closes(bars, [t], 0.96)  # a single close 4 % under: decisive
    assert find_planted(detect_trendlines(one_decisive), touches).status == "broken"


def test_single_shallow_close_is_testing_and_old_break_removes_line() -> None:
    bars, touches = planted(4)
    t = len(bars) - 1
    poke = with_closes(bars, [t], 0.978)  # the last close 2.2 % under the line: beyond tau, not 3 %
    line = find_planted(detect_trendlines(poke), touches)
    assert line.tolerance < 0.022
    assert line.status == "testing"
    two = with_closes(bars, [t - 1, t], 0.978)  # two in a row: broken
    assert find_planted(detect_trendlines(two), touches).status == "broken"
    old = with_closes(bars, [t - 30, t - 29], 0.94)  # broken more than `recent_bars` ago: the line is gone
    assert all(list(x.touch_positions) != touches for x in detect_trendlines(old))


def test_testing_when_recent_low_touches_line() -> None:
    bars, touches = planted(4)
    t = len(bars) - 1
    out = bars.copy()
    level = math.exp(line_log(t - 1))
    out.iloc[t - 1, out.columns.get_indexer(["low", "close"])] = [level * 1.002, level * 1.03]
    # The low on t - 1 held the line and price rebounded by more than 1 ATR since: a provisional touch already.
    line = find_planted(detect_trendlines(out), [*touches, t - 1])
    assert line.status == "testing" and line.provisional
    # Without the rebound (the low on the last bar), it is a test of the line but not yet a touch.
    last = bars.copy()
    level = math.exp(line_log(t))
    last.iloc[t, last.columns.get_indexer(["low", "close"])] = [level * 1.002, level * 1.03]
    line = find_planted(detect_trendlines(last), touches)
    assert line.status == "testing" and not line.provisional


def test_planted_bounce_is_reported_on_the_bounce_day_and_later_bars_only_confirm_it() -> None:
    bars, touches = planted(4)  # touches at 100, 170, 240, 320; price rises away from the line after each
    last = touches[-1]
    w = P.pivot_window
    atr_rel = (atr(bars) / bars["close"]).to_numpy()
    log_low = math.log(bars["low"].iloc[last])

    def rebounded(t: int) -> bool:  # a close since the touch at least 1 relative ATR (at t) above its low
        return math.log(bars["close"].iloc[last + 1 : t + 1].max()) - log_low >= P.rebound_atr * atr_rel[t]

    bounce = next(t for t in range(last + 1, last + w) if rebounded(t))
    before = find_planted(detect_trendlines(bars.iloc[:bounce]), touches[:-1])  # t = bounce - 1
    assert last not in before.touch_positions
    on_bounce = find_planted(detect_trendlines(bars.iloc[: bounce + 1]), touches)
    assert on_bounce.provisional and on_bounce.last_touch_date == bars.index[last].date()
    confirmed = find_planted(detect_trendlines(bars.iloc[: last + w + 1]), touches)
    assert not confirmed.provisional
    same = ("anchor_positions", "touch_positions", "touch_prices", "slope_log_per_bar", "intercept_log",
            "n_touches", "confirmed", "direction", "first_date", "last_touch_date")
    assert [getattr(on_bounce, k) for k in same] == [getattr(confirmed, k) for k in same]
