"""Value tags: the spreading pass (hand-worked cases and properties), placement and the legends that draw them."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from ui.value_tags import PriceAxis, Tag, place, price_text, spread, tag_parts, tag_text


def _check(positions: list[float], desired: list[float], gap: float, lo: float, hi: float) -> None:
    order = sorted(range(len(desired)), key=lambda i: desired[i])
    placed = [positions[i] for i in order]
    assert all(b - a >= gap - 1e-9 for a, b in itertools.pairwise(placed)), placed  # apart, order kept
    assert all(lo - 1e-9 <= p <= hi + 1e-9 for p in positions)


def test_spread_hand_cases() -> None:
    # nothing to do: far apart points stay put
    assert spread([10.0, 50.0, 90.0], 10, 0, 100) == [10.0, 50.0, 90.0]
    # three points 2 apart, gap 10: centred on their mean (least squares)
    assert spread([50.0, 52.0, 54.0], 10, 0, 100) == pytest.approx([42.0, 52.0, 62.0])
    # the input order is kept in the output
    assert spread([54.0, 50.0, 52.0], 10, 0, 100) == pytest.approx([62.0, 42.0, 52.0])
    # against the lower bound: stacked upwards from it
    assert spread([0.0, 1.0, 2.0], 10, 0, 100) == pytest.approx([0.0, 10.0, 20.0])
    # against the upper bound: stacked downwards from it
    assert spread([99.0, 100.0], 10, 0, 100) == pytest.approx([90.0, 100.0])
    # two clusters that only merge once the first has grown
    assert spread([10.0, 12.0, 24.0], 10, 0, 100) == pytest.approx([5.0 + 1 / 3, 15.0 + 1 / 3, 25.0 + 1 / 3])
    assert spread([], 10, 0, 100) == []


def test_spread_is_least_squares_for_small_cases() -> None:
    """Brute force over a grid: no feasible order-keeping placement moves the points less in total."""
    rng = random.Random(7)
    for _ in range(40):
        desired = [rng.uniform(0, 40) for _ in range(3)]
        got = spread(desired, 10, 0, 40)
        _check(got, desired, 10, 0, 40)
        cost = sum((g - d) ** 2 for g, d in zip(got, desired, strict=True))
        order = sorted(range(3), key=lambda i: desired[i])
        grid = [x / 4 for x in range(0, 161)]
        best = math.inf
        for a in grid:
            for b in grid:
                if b - a < 10:
                    continue
                for c in grid:
                    if c - b < 10:
                        continue
                    pos = [0.0] * 3
                    for p, i in zip((a, b, c), order, strict=True):
                        pos[i] = p
                    best = min(best, sum((p - d) ** 2 for p, d in zip(pos, desired, strict=True)))
        assert cost <= best + 1e-6, (desired, got)


def test_spread_properties_on_random_input() -> None:
    rng = random.Random(11)
    for _ in range(300):
        n = rng.randint(1, 25)
        gap = rng.uniform(5, 20)
        hi = gap * (n - 1) + rng.uniform(0, 300)
        desired = [rng.uniform(-50, hi + 50) for _ in range(n)]
        _check(spread(desired, gap, 0.0, hi), desired, gap, 0.0, hi)


def test_price_axis_maps_linear_and_log_prices() -> None:
    linear = PriceAxis((10.0, 20.0), "linear", plot_height=500, domain=(0.2, 1.0))
    assert linear.panel_height == pytest.approx(400)
    assert linear.pixels(15.0) == pytest.approx(200)
    assert linear.pixels(9.99) is None and linear.pixels(20.01) is None
    assert linear.paper(200) == pytest.approx(0.2 + 200 / 500)
    log = PriceAxis((1.0, 2.0), "log", plot_height=400, domain=(0.0, 1.0))  # 10 .. 100
    assert log.pixels(math.sqrt(10 * 100)) == pytest.approx(200)
    assert log.pixels(0.0) is None


def test_place_drops_out_of_range_repeats_and_the_least_important_first() -> None:
    axis = PriceAxis((0.0, 100.0), "linear", plot_height=100, domain=(0.0, 1.0))  # 1 px per dollar
    tags = [Tag(50, "EMA20 50.00", "#111111", "EMA 20", 1), Tag(150, "EMA50 150.00", "#222222", "EMA 50", 1),
            Tag(30, "TL 30.00", "#333333", "a", 2), Tag(30.03, "TL 30.03", "#333333", "b", 2),  # a repeat
            Tag(70, "S 70.00", "#444444", "key", 0)]
    placed = place(tags, axis, gap=20)
    assert [t.text for t, _ in placed] == ["EMA20 50.00", "TL 30.00", "S 70.00"]
    assert [y for _, y in placed] == pytest.approx([0.5, 0.3, 0.7])
    # room for two tags only (gap 40 in 100 px): the rank-2 trendline goes
    assert [t.text for t, _ in place(tags, axis, gap=40)] == ["EMA20 50.00", "S 70.00"]


def test_tags_pushed_together_share_one_legend_and_keep_their_heights() -> None:
    tags = [Tag(10, "A 10.00", "#111111", "a"), Tag(11, "B 11.00", "#222222", "b"), Tag(90, "C 90.00", "#333333", "c")]
    placed = [(tags[0], 0.40), (tags[1], 0.419), (tags[2], 0.9)]  # 19 px apart at plot height 1000: one cluster
    traces, legends = tag_parts(placed, "2025-11-24", font_size=11, gap=19, plot_height=1000)
    assert sorted(legends) == ["legend2", "legend3"]
    assert [tag_text(t["name"]) for t in traces] == ["C 90.00", "B 11.00", "A 10.00"]  # top down
    assert [t["legend"] for t in traces] == ["legend2", "legend3", "legend3"]
    assert legends["legend2"]["y"] == pytest.approx(0.9) and legends["legend3"]["y"] == pytest.approx(0.4095)
    for t in traces:
        assert t["x"] == ["2025-11-24"] and t["mode"] == "lines" and t["hoverinfo"] == "skip"
        assert t["name"].startswith(f'<span style="color:{t["line"]["color"]}">')
    for legend in legends.values():  # at the right edge, outside the plot, acting at once on a click
        assert legend["x"] == 1.0 and legend["xanchor"] == "left" and legend["yanchor"] == "middle"
        assert legend["itemdoubleclick"] is False and legend["traceorder"] == "normal"


def test_price_text() -> None:
    assert price_text(12.3449) == "12.34"
    assert price_text(9.5) == "9.50"
    assert price_text(1234.4) == "1,234"
    assert price_text(0.123456) == "0.1235"
