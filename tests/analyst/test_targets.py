"""Targets over time: hand-computed consensus and track-record outcomes on planted actions and bars."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analyst.targets import consensus, consensus_series, scorecard, target_paths, track_record
from marketdata.actions import normalize_actions
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS


def actions_frame(*rows: dict[str, object]) -> pd.DataFrame:
    base = {"ticker": "TEST", "action": "maintain"}
    return normalize_actions(pd.DataFrame([{**base, **r} for r in rows]), origin="bundled")


def planted_bars(rows: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    """Bars from ``{date: (high, low, close)}``; open = close, volume 1."""
    index = pd.DatetimeIndex([pd.Timestamp(d) for d in rows], name="date")
    high, low, close = zip(*rows.values(), strict=True)
    return pd.DataFrame({"open": close, "high": high, "low": low, "close": close, "volume": 1.0}, index=index)


# Weekdays of January 2024: Wed 3 .. Fri 19 (6-7 and 13-14 are weekends).
BARS = planted_bars({
    "2024-01-03": (13.0, 9.0, 10.0),   # D: a high above 12 on D itself does not count
    "2024-01-04": (11.0, 9.5, 10.5),
    "2024-01-05": (11.5, 9.8, 10.0),
    "2024-01-08": (12.0, 9.9, 11.0),   # first high >= 12
    "2024-01-09": (11.2, 7.9, 8.0),    # first low <= 8
    "2024-01-10": (14.0, 8.0, 13.0),   # first high >= 14
    "2024-01-11": (15.5, 12.0, 15.0),  # first high >= 15
    "2024-01-12": (15.0, 14.0, 14.5),
    "2024-01-15": (15.0, 14.0, 14.5),
    "2024-01-16": (15.0, 14.0, 14.5),
})


def outcome(target: float, day: str, asof: str, horizon: str = "", bars: pd.DataFrame = BARS) -> dict[str, object]:
    actions = actions_frame({"date": day, "firm": "Firm", "target_to": target, "target_horizon": horizon})
    track = track_record(actions, bars, "TEST", date.fromisoformat(asof))
    assert len(track) == 1
    return track.iloc[0].to_dict()


def test_upside_target_reached_on_the_first_day_after_d_whose_high_reaches_it() -> None:
    got = outcome(12.0, "2024-01-03", "2024-01-16")
    assert (got["close"], got["direction"], got["status"]) == (10.0, "up", "reached")
    assert got["reached_on"] == pd.Timestamp("2024-01-08") and got["days"] == 5


def test_downside_target_reached_on_the_first_day_after_d_whose_low_reaches_it() -> None:
    got = outcome(8.0, "2024-01-03", "2024-01-16")
    assert (got["direction"], got["status"], got["reached_on"]) == ("down", "reached", pd.Timestamp("2024-01-09"))
    assert got["days"] == 6


def test_target_equal_to_the_close_is_an_upside_target() -> None:
    got = outcome(10.0, "2024-01-03", "2024-01-16")
    # 2024-01-04: high 11 >= 10
    assert (got["direction"], got["reached_on"]) == ("up", pd.Timestamp("2024-01-04"))


def test_reached_on_the_last_day_of_the_window() -> None:
    got = outcome(15.0, "2024-01-03", "2024-01-16", horizon="2024-01-11")
    assert (got["status"], got["reached_on"], got["window_end"]) == (
        "reached", pd.Timestamp("2024-01-11"), pd.Timestamp("2024-01-11"))


def test_missed_when_the_window_ends_before_the_target_is_reached() -> None:
    got = outcome(15.0, "2024-01-03", "2024-01-16", horizon="2024-01-10")
    assert got["status"] == "missed" and pd.isna(got["reached_on"]) and math.isnan(got["days"])
    # the window ended on A itself: missed as well
    assert outcome(15.0, "2024-01-03", "2024-01-10", horizon="2024-01-10")["status"] == "missed"


def test_pending_while_the_window_is_open_and_nothing_after_asof_counts() -> None:
    got = outcome(15.0, "2024-01-03", "2024-01-10")  # reached on the 11th, after A
    assert got["status"] == "pending" and pd.isna(got["reached_on"]) and math.isnan(got["days"])
    # horizon after A: still pending
    assert outcome(15.0, "2024-01-03", "2024-01-10", horizon="2024-01-31")["status"] == "pending"
    # never reaching 99: the window is D + 365 days = 2025-01-02 (2024 is a leap year); missed once it has ended
    year = planted_bars({d.strftime("%Y-%m-%d"): (11.0, 9.0, 10.0) for d in pd.bdate_range("2024-01-03", "2025-01-10")})
    assert outcome(99.0, "2024-01-03", "2024-12-31", bars=year)["status"] == "pending"
    last_day = outcome(99.0, "2024-01-03", "2025-01-02", bars=year)
    assert (last_day["status"], last_day["window_end"]) == ("missed", pd.Timestamp("2025-01-02"))
    # reached on the window's last day (D + 365 days), not after it
    year.loc["2025-01-02", "high"] = 99.0
    year.loc["2025-01-03", "high"] = 99.0
    assert outcome(99.0, "2024-01-03", "2025-01-10", bars=year)["reached_on"] == pd.Timestamp("2025-01-02")
    year.loc["2025-01-02", "high"] = 11.0
    assert outcome(99.0, "2024-01-03", "2025-01-10", bars=year)["status"] == "missed"


def test_action_on_a_weekend_uses_the_last_close_before_it() -> None:
    # Saturday 2024-01-06: C is Friday's close (10.0); the first trading day after D is Monday the 8th.
    got = outcome(12.0, "2024-01-06", "2024-01-16")
    assert (got["close"], got["direction"], got["reached_on"], got["days"]) == (
        10.0, "up", pd.Timestamp("2024-01-08"), 2)
    # Sunday 2024-01-07, downside 9.95: Monday's low 9.9 reaches it
    got = outcome(9.95, "2024-01-07", "2024-01-16")
    assert (got["direction"], got["reached_on"]) == ("down", pd.Timestamp("2024-01-08"))


def test_action_before_the_first_bar_is_unknown() -> None:
    got = outcome(12.0, "2023-12-29", "2024-01-16")
    assert got["status"] == "unknown" and math.isnan(got["close"])


def test_no_look_ahead_bars_and_actions_after_asof_change_nothing() -> None:
    actions = actions_frame(
        {"date": "2024-01-03", "firm": "A", "target_to": 15.0},
        {"date": "2024-01-04", "firm": "B", "target_to": 8.0},
    )
    asof = date(2024, 1, 10)
    base = track_record(actions, BARS, "TEST", asof)
    later_bars = BARS.copy()
    later_bars.loc[later_bars.index > pd.Timestamp(asof), ["high", "low", "close"]] = [100.0, 1.0, 50.0]
    later_action = pd.concat([actions_frame({"date": "2024-01-11", "firm": "C", "target_to": 9.0}), actions])
    pd.testing.assert_frame_equal(track_record(later_action, later_bars, "TEST", asof), base)
    assert consensus(later_action, "TEST", asof) == consensus(actions, "TEST", asof)


def test_returns_after_3_6_and_12_months_where_known() -> None:
    days = pd.bdate_range("2024-01-02", "2025-03-31")
    closes = 10.0 + np.arange(len(days)) * 0.01
    bars = planted_bars({d.strftime("%Y-%m-%d"): (c + 0.5, c - 0.5, c) for d, c in zip(days, closes, strict=True)})
    got = outcome(1000.0, "2024-01-02", "2024-08-01", bars=bars)
    close = dict(zip(days.strftime("%Y-%m-%d"), closes, strict=True))
    # 2024-04-02 and 2024-07-02 are weekdays; 12 months (2025-01-02) is after A, so unknown
    assert got["return_3m"] == pytest.approx(close["2024-04-02"] / 10.0 - 1)
    assert got["return_6m"] == pytest.approx(close["2024-07-02"] / 10.0 - 1)
    assert math.isnan(got["return_12m"])
    # 2024-03-30 + 3 months = 2024-06-30, a Sunday: Friday 2024-06-28's close
    sat = outcome(1000.0, "2024-03-30", "2025-03-31", bars=bars)
    assert sat["close"] == close["2024-03-29"]
    assert sat["return_3m"] == pytest.approx(close["2024-06-28"] / close["2024-03-29"] - 1)


# --- consensus -----------------------------------------------------------------------------------------------

ASOF = date(2025, 6, 30)


def test_consensus_drops_stale_targets_and_keeps_a_target_past_a_newer_rating_only_action() -> None:
    actions = actions_frame(
        {"date": "2025-06-20", "firm": "Alpha", "target_to": 10, "rating_to": "Buy"},
        {"date": "2024-05-01", "firm": "Stale", "target_to": 99, "rating_to": "Buy"},      # 425 days: dropped
        {"date": "2024-06-30", "firm": "Edge", "target_to": 20, "rating_to": "Sell"},      # 365 days: live
        {"date": "2024-06-29", "firm": "Past", "target_to": 50},                             # 366 days: dropped
        {"date": "2025-03-01", "firm": "Gamma", "target_to": 30, "rating_to": "Buy"},
        {"date": "2025-06-25", "firm": "Gamma", "action": "downgrade", "rating_from": "Buy", "rating_to": "Neutral"},
        {"date": "2025-07-01", "firm": "Alpha", "target_to": 1000, "rating_to": "Sell"},   # after A
    )
    got = consensus(actions, "TEST", ASOF)
    assert got.targets == {"Alpha": 10.0, "Edge": 20.0, "Gamma": 30.0}
    assert (got.n, got.median, got.mean, got.high, got.low) == (3, 20.0, 20.0, 30.0, 10.0)
    # Gamma's latest rating is its newer Neutral (Hold); Edge's Sell; Alpha's Buy
    assert (got.buy, got.hold, got.sell, got.unknown) == (1, 1, 1, 0)


def test_consensus_ties_even_count_equal_targets_and_two_rows_of_one_firm_on_one_day() -> None:
    actions = actions_frame(
        {"date": "2025-06-02", "firm": "A", "target_to": 10, "rating_to": "Overweight"},
        {"date": "2025-06-02", "firm": "B", "target_to": 10, "rating_to": "Hold"},
        {"date": "2025-06-03", "firm": "C", "target_to": 16, "rating_to": "Accumulate"},
        {"date": "2025-06-04", "firm": "D", "target_to": 22},
        {"date": "2025-06-04", "firm": "D", "target_to": 40},  # same firm, same day: the first row counts
    )
    got = consensus(actions, "TEST", ASOF)
    assert got.targets["D"] == 22.0
    assert (got.n, got.median, got.mean, got.high, got.low) == (4, 13.0, 14.5, 22.0, 10.0)
    assert (got.buy, got.hold, got.sell, got.unknown) == (1, 1, 0, 2)  # Accumulate and no rating: unknown


def test_consensus_without_live_targets() -> None:
    got = consensus(actions_frame({"date": "2020-01-02", "firm": "A", "target_to": 5}), "TEST", ASOF)
    assert (got.n, got.median, got.high, got.low, got.buy) == (0, None, None, None, 0)
    assert got.upside(10.0) is None


def test_consensus_series_agrees_with_consensus_on_every_day() -> None:
    actions = Snapshot(BUNDLED_DIR).actions()
    days = pd.bdate_range("2024-06-03", "2025-11-28")
    series = consensus_series(actions, "RIOT", days)
    for i in range(0, len(days), 37):
        one = consensus(actions, "RIOT", days[i].date())
        assert series.n[i] == one.n
        assert (one.median is None and np.isnan(series.median[i])) or series.median[i] == one.median


def test_target_paths_step_to_the_next_target_or_a_year_and_stop_at_asof() -> None:
    actions = actions_frame(
        {"date": "2024-01-10", "firm": "A", "target_to": 10},
        {"date": "2024-03-01", "firm": "A", "target_to": 12},
        {"date": "2024-04-01", "firm": "A", "action": "downgrade", "rating_to": "Hold"},  # no target: no step
        {"date": "2024-06-03", "firm": "B", "target_to": 30},
        {"date": "2025-09-01", "firm": "A", "target_to": 99},  # after A
    )
    paths = target_paths(actions, "TEST", date(2025, 8, 1))
    assert [(r.firm, f"{r.start:%Y-%m-%d}", f"{r.end:%Y-%m-%d}", r.target) for r in paths.itertuples()] == [
        ("A", "2024-01-10", "2024-03-01", 10.0),
        ("A", "2024-03-01", "2025-03-01", 12.0),  # 365 days (2024 is a leap year)
        ("B", "2024-06-03", "2025-06-03", 30.0),
    ]
    assert target_paths(actions, "TEST", date(2024, 6, 10))["end"].max() == pd.Timestamp("2024-06-10")


def test_scorecard_counts_finished_outcomes_only() -> None:
    actions = actions_frame(
        {"date": "2024-01-03", "firm": "A", "target_to": 12.0},   # reached 01-08 (5 days)
        {"date": "2024-01-04", "firm": "A", "target_to": 8.0},    # reached 01-09 (5 days)
        {"date": "2024-01-05", "firm": "A", "target_to": 50.0, "target_horizon": "2024-01-12"},  # missed
        {"date": "2024-01-05", "firm": "B", "target_to": 50.0},   # pending
    )
    card = scorecard(track_record(actions, BARS, "TEST", date(2024, 1, 16))).set_index("firm")
    assert card.loc["A", ["targets", "reached", "missed", "pending"]].tolist() == [3, 2, 1, 0]
    assert card.loc["A", "hit_rate"] == pytest.approx(2 / 3) and card.loc["A", "median_days"] == 5.0
    assert card.loc["B", "pending"] == 1 and math.isnan(card.loc["B", "hit_rate"])


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_track_record_on_the_bundled_data_agrees_with_a_plain_loop(symbol: str) -> None:
    actions = Snapshot(BUNDLED_DIR).actions()
    bars = read_bars(symbol)
    asof = date(2025, 11, 24)
    track = track_record(actions, bars, symbol, asof)
    mine = actions[(actions["ticker"] == symbol) & (actions["date"] <= pd.Timestamp(asof))
                   & actions["target_to"].notna()]
    assert len(track) == len(mine) > 0
    cut = bars[bars.index <= pd.Timestamp(asof)]
    for r in track.itertuples():
        before = cut[cut.index <= r.date]
        c = before["close"].iloc[-1]
        end = r.window_end
        after = cut[(cut.index > r.date) & (cut.index <= min(end, pd.Timestamp(asof)))]
        hits = after[after["high"] >= r.target] if r.target >= c else after[after["low"] <= r.target]
        if len(hits):
            assert (r.status, r.reached_on) == ("reached", hits.index[0])
        else:
            assert r.status == ("missed" if end <= pd.Timestamp(asof) else "pending")
