"""Repository refresh policy with a fake live source: incremental, append-only, failure-tolerant."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from marketdata.actions import normalize_actions
from marketdata.config import Settings
from marketdata.repository import Repository
from marketdata.sources import NoData, SourceError
from tests.support.bars import weekdays_after
from tests.support.sources import freeze_new_york

ROOT = Path(__file__).resolve().parents[2]
NEW_YORK = ZoneInfo("America/New_York")


def bundled_dates(symbol: str = "CIFR") -> list[str]:
    with (ROOT / "data" / "prices" / f"{symbol}.csv").open(newline="") as fh:
        return [r["date"] for r in csv.DictReader(fh)]


LAST_BUNDLED = date.fromisoformat(bundled_dates()[-1])
DAY_AFTER = LAST_BUNDLED + timedelta(days=1)


def frame(rows: list[tuple[object, float, float, float, float, float]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["Date", "Open", "High", "Low", "Close", "Volume"])
    # Like yfinance: capitalised columns and a New York midnight index.
    df.index = pd.DatetimeIndex(pd.to_datetime(df.pop("Date"))).tz_localize(NEW_YORK)
    return df


def good_rows(days: list[date]) -> list[tuple[object, float, float, float, float, float]]:
    return [(d.isoformat(), 15.0 + i, 15.8 + i, 14.6 + i, 15.3 + i, 1_000_000.0 + i) for i, d in enumerate(days)]


class FakeSource:
    """A LiveSource that records its calls and answers what the test says."""

    name = "fake"

    def __init__(self, bars: pd.DataFrame | BaseException, actions: pd.DataFrame | BaseException | None = None):
        self.bars = bars
        self.actions = actions if actions is not None else SourceError("no analyst actions")
        self.history_calls: list[tuple[str, date | None, float]] = []
        self.action_calls = 0

    def history(self, symbol: str, start: date | None, timeout: float) -> pd.DataFrame:
        self.history_calls.append((symbol, start, timeout))
        if isinstance(self.bars, BaseException):
            raise self.bars
        return self.bars.copy()

    def analyst_actions(self, symbol: str, timeout: float) -> pd.DataFrame:
        self.action_calls += 1
        if isinstance(self.actions, BaseException):
            raise self.actions
        return self.actions


def settings(tmp_path: Path, offline: bool = False) -> Settings:
    return Settings(data_dir=tmp_path, offline=offline, refresh_timeout=1, refresh_interval=900, failure_cooldown=300)


def test_refresh_asks_only_for_bars_after_the_last_known_one_and_appends_them(tmp_path: Path) -> None:
    new_days = weekdays_after(LAST_BUNDLED, 3)
    source = FakeSource(frame(good_rows(new_days)))
    repo = Repository(settings(tmp_path), source)

    result = repo.load("CIFR")

    assert source.history_calls == [("CIFR", DAY_AFTER, 1)]
    assert DAY_AFTER.isoformat() == "2026-09-16"  # the day after the last bundled CIFR bar
    assert result.refresh.outcome == "ok" and result.refresh.rows_added == 3
    assert repo.store.bar_count("CIFR") == 3
    got_dates = [ts.date() for ts in result.bars.index]
    assert got_dates == [date.fromisoformat(d) for d in bundled_dates()] + new_days
    assert result.bars.loc[pd.Timestamp(new_days[1]), "close"] == 16.3
    assert any("local store" in s for s in result.sources)
    assert "bundled snapshot" in result.sources
    assert result.notices == ()
    assert result.fetched_at is not None

    # The next refresh starts after the newest stored bar, not the bundled one.
    result = repo.refresh("CIFR", force=True)
    assert source.history_calls[-1][1] == new_days[-1] + timedelta(days=1)


def test_a_failing_source_keeps_every_stored_row_and_says_so(tmp_path: Path) -> None:
    repo = Repository(settings(tmp_path), FakeSource(SourceError("connection refused")))
    stored_days = weekdays_after(LAST_BUNDLED, 2)
    repo.store.append_bars("CIFR", frame(good_rows(stored_days)).tz_localize(None).rename(columns=str.lower), "fake")
    before = repo.store.bar_count("CIFR")

    result = repo.load("CIFR")

    assert repo.store.bar_count("CIFR") == before == 2
    assert result.refresh.outcome == "error"
    assert len(result.bars) == len(bundled_dates()) + 2
    assert result.last_bar == stored_days[-1]
    (notice,) = result.notices
    assert "Live data could not be had" in notice and "connection refused" in notice
    assert stored_days[-1].isoformat() in notice


def test_a_second_load_within_the_failure_cooldown_does_not_call_the_source(tmp_path: Path) -> None:
    source = FakeSource(SourceError("HTTP 503"))
    repo = Repository(settings(tmp_path), source)

    repo.load("CIFR")
    second = repo.load("CIFR")
    repo.load("RIOT")  # the cool-down is per source, not per symbol

    assert len(source.history_calls) == 1
    assert second.refresh.outcome == "skipped"
    assert any("HTTP 503" in n for n in second.notices)


def test_a_second_load_within_the_refresh_interval_does_not_call_the_source(tmp_path: Path) -> None:
    source = FakeSource(frame(good_rows(weekdays_after(LAST_BUNDLED, 1))))
    repo = Repository(settings(tmp_path), source)

    first = repo.load("CIFR")
    second = repo.load("CIFR")

    assert first.refresh.outcome == "ok"
    assert second.refresh.outcome == "skipped"
    assert len(source.history_calls) == 1
    assert len(second.bars) == len(first.bars) == len(bundled_dates()) + 1
    assert second.notices == ()


def test_bad_rows_from_the_source_are_not_stored(tmp_path: Path) -> None:
    d = weekdays_after(LAST_BUNDLED, 6)
    rows = [
        (d[0].isoformat(), 15.0, 15.8, 14.6, 15.3, 1_000_000.0),  # good
        (d[1].isoformat(), 15.0, 15.8, 14.6, np.nan, 1_000_000.0),  # missing close
        (d[2].isoformat(), 15.0, 14.0, 15.5, 15.3, 1_000_000.0),  # high below low
        (d[3].isoformat(), 16.0, 16.8, 15.6, 16.3, 2_000_000.0),  # good
        (d[3].isoformat(), 26.0, 26.8, 25.6, 26.3, 9_000_000.0),  # duplicate date
        (d[4].isoformat(), -15.0, 15.8, 14.6, 15.3, 1_000_000.0),  # negative price
        (d[5].isoformat(), 17.0, 17.8, 16.6, 17.3, 3_000_000.0),  # good
    ]
    repo = Repository(settings(tmp_path), FakeSource(frame(rows)))

    outcome = repo.refresh("CIFR")

    assert outcome.outcome == "ok"
    assert (outcome.rows_added, outcome.rejected) == (3, 4)
    stored = repo.store.bars("CIFR")
    assert [ts.date() for ts in stored.index] == [d[0], d[3], d[5]]
    assert stored.loc[pd.Timestamp(d[3]), "close"] == 16.3  # the first of the duplicates
    assert stored.notna().all().all() and (stored[["open", "high", "low", "close"]] > 0).all().all()


def test_offline_mode_never_calls_the_source(tmp_path: Path) -> None:
    source = FakeSource(frame(good_rows(weekdays_after(LAST_BUNDLED, 1))))
    repo = Repository(settings(tmp_path, offline=True), source)

    result = repo.load("CIFR")
    repo.refresh("CIFR", force=True)

    assert source.history_calls == [] and source.action_calls == 0
    assert result.refresh.outcome == "offline"
    assert len(result.bars) == len(bundled_dates())
    assert any("Offline mode" in n for n in result.notices)
    assert repo.store.bar_count() == 0


def test_an_unexpected_exception_from_the_source_does_not_propagate(tmp_path: Path) -> None:
    source = FakeSource(KeyError("chart"))
    repo = Repository(settings(tmp_path), source)

    result = repo.load("CIFR")

    assert len(source.history_calls) == 1
    assert result.refresh.outcome == "error"
    assert len(result.bars) == len(bundled_dates())
    assert any("Live data could not be had" in n and "KeyError" in n for n in result.notices)
    assert repo.store.last_failure("fake") is not None  # and the source cools down


def test_an_unexpected_exception_from_analyst_actions_does_not_undo_a_good_bar_refresh(tmp_path: Path) -> None:
    source = FakeSource(frame(good_rows(weekdays_after(LAST_BUNDLED, 2))), actions=TypeError("bad record"))
    repo = Repository(settings(tmp_path), source)

    result = repo.load("CIFR")

    assert source.action_calls == 1
    assert result.refresh.outcome == "ok" and result.refresh.rows_added == 2
    assert repo.store.bar_count("CIFR") == 2
    assert result.notices == ()
    assert repo.store.last_failure("fake") is None


def test_analyst_actions_from_the_source_are_stored_and_merged_with_the_bundled_ones(tmp_path: Path) -> None:
    live = normalize_actions(pd.DataFrame([
        {"date": "2025-11-24", "ticker": "CIFR", "firm": "JP Morgan", "action": "upgrade",
         "rating_from": "Neutral", "rating_to": "Overweight", "target_from": 12, "target_to": 18},
        {"date": "2026-09-17", "ticker": "CIFR", "firm": "Example Capital Markets", "action": "raise_target",
         "rating_from": "Buy", "rating_to": "Buy", "target_from": 20, "target_to": 24},
    ]), source="fake")
    source = FakeSource(frame(good_rows(weekdays_after(LAST_BUNDLED, 1))), actions=live)
    repo = Repository(settings(tmp_path), source)

    repo.refresh("CIFR")
    merged = repo.actions()

    with (ROOT / "data" / "analyst_actions.csv").open(newline="") as fh:
        bundled_count = len(list(csv.DictReader(fh)))
    assert len(repo.store.actions()) == 2
    assert len(merged) == bundled_count + 1
    jpm = merged[(merged["date"] == pd.Timestamp("2025-11-24")) & (merged["ticker"] == "CIFR")]
    assert list(jpm["firm"]) == ["JPMorgan"] and list(jpm["origin"]) == ["bundled"]


@pytest.mark.parametrize(("hour", "stored"), [(15, False), (19, False), (20, True), (23, True)])
def test_a_bar_dated_today_is_stored_only_after_20_new_york(tmp_path: Path, monkeypatch, hour, stored) -> None:
    yesterday, today = weekdays_after(LAST_BUNDLED, 2)
    freeze_new_york(monkeypatch, datetime.combine(today, datetime.min.time()).replace(hour=hour))
    source = FakeSource(frame(good_rows([yesterday, today])))
    repo = Repository(settings(tmp_path), source)

    outcome = repo.refresh("CIFR")

    assert source.history_calls == [("CIFR", DAY_AFTER, 1)]
    assert outcome.outcome == "ok"
    expected = [yesterday, today] if stored else [yesterday]
    assert [ts.date() for ts in repo.store.bars("CIFR").index] == expected


def test_no_request_when_the_next_bar_would_be_in_the_future(tmp_path: Path, monkeypatch) -> None:
    freeze_new_york(monkeypatch, datetime.combine(LAST_BUNDLED, datetime.min.time()).replace(hour=21))
    source = FakeSource(frame(good_rows(weekdays_after(LAST_BUNDLED, 1))))

    outcome = Repository(settings(tmp_path), source).refresh("CIFR")

    assert outcome.outcome == "skipped"
    assert source.history_calls == []


def test_an_empty_answer_right_after_the_last_bar_is_no_failure(tmp_path: Path, monkeypatch) -> None:
    # Saturday after a Friday bar: Yahoo has nothing new, which must not raise a notice or a cool-down.
    friday = LAST_BUNDLED + timedelta(days=(4 - LAST_BUNDLED.weekday()) % 7)
    repo = Repository(settings(tmp_path), FakeSource(NoData("yfinance returned no rows for CIFR")))
    if friday != LAST_BUNDLED:
        repo.store.append_bars("CIFR", frame(good_rows(weekdays_after(LAST_BUNDLED, 1)))
                               .rename(columns=str.lower).tz_localize(None), "fake")
    monkeypatch.setattr(repo.store, "last_bar_date", lambda symbol: friday)
    freeze_new_york(monkeypatch, datetime.combine(friday + timedelta(days=1), datetime.min.time()).replace(hour=12))
    outcome = repo.refresh("CIFR")
    assert (outcome.outcome, outcome.rows_added) == ("ok", 0)
    assert not repo.load("CIFR", refresh=False).notices


def test_an_empty_answer_after_a_long_gap_is_a_failure(tmp_path: Path, monkeypatch) -> None:
    repo = Repository(settings(tmp_path), FakeSource(NoData("yfinance returned no rows for CIFR")))
    freeze_new_york(monkeypatch, datetime.combine(LAST_BUNDLED + timedelta(days=30), datetime.min.time()))
    outcome = repo.refresh("CIFR")
    assert outcome.outcome == "empty"
    assert "Live data could not be had" in repo.with_refresh(repo.load("CIFR", refresh=False), outcome).notices[-1]
