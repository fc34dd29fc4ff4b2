"""The SQLite store: schema, append-only writes, de-duplication, fetch log, and a corrupt file left alone."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from marketdata.actions import normalize_actions
from marketdata.config import Settings
from marketdata.repository import Repository
from marketdata.store import SCHEMA_VERSION, FetchRecord, Store, StoreError

ROOT = Path(__file__).resolve().parents[2]
CIFR_CSV = ROOT / "data" / "prices" / "CIFR.csv"


def bars(rows: list[tuple[str, float, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "open", "high", "low", "close", "volume"])
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("date")), name="date")
    return frame.astype("float64")


def stored_rows(path: Path, symbol: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT date, open, high, low, close, volume, source FROM bars WHERE symbol = ? ORDER BY date", (symbol,)
        ).fetchall()
    finally:
        con.close()


def settings(tmp_path: Path, offline: bool = False) -> Settings:
    return Settings(data_dir=tmp_path, offline=offline, refresh_timeout=1, refresh_interval=900, failure_cooldown=300)


FIRST = [
    ("2026-09-16", 15.0, 15.5, 14.5, 15.2, 1000.0),
    ("2026-09-17", 15.2, 16.0, 15.1, 15.9, 2000.0),
    ("2026-09-18", 15.9, 16.2, 15.3, 15.4, 3000.0),
]


def test_a_new_store_has_the_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "levels.sqlite3"
    store = Store(path)
    assert store.bar_count() == 0  # reading a store that does not exist yet is empty, and creates nothing
    assert not path.exists()

    store.append_bars("CIFR", bars(FIRST[:1]), "test")

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (version,) = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()
    assert int(version) == SCHEMA_VERSION >= 1
    assert {"meta", "bars", "actions", "fetch_log", "watchlist"} <= tables
    store.check()  # a healthy file passes the integrity check


def test_opening_again_does_not_rerun_migrations(tmp_path: Path) -> None:
    store = Store(tmp_path / "levels.sqlite3")
    store.append_bars("CIFR", bars(FIRST[:1]), "test")
    store.append_bars("CIFR", bars(FIRST[1:2]), "test")  # would fail on "table bars already exists"
    assert store.bar_count("CIFR") == 2


def test_append_of_nothing_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "levels.sqlite3"
    assert Store(path).append_bars("CIFR", bars([]), "test") == 0
    assert not path.exists()


def _actions(firm: str, note: str, target_to: str = "18") -> pd.DataFrame:
    return normalize_actions(pd.DataFrame([{
        "date": "2025-11-24", "ticker": "CIFR", "firm": firm, "action": "upgrade", "rating_from": "Neutral",
        "rating_to": "Overweight", "target_from": "12", "target_to": target_to, "note": note,
    }]), source="yfinance")


def test_add_actions_dedups_on_date_ticker_and_folded_firm(tmp_path: Path) -> None:
    store = Store(tmp_path / "levels.sqlite3")
    assert store.add_actions(_actions("JPMorgan", "first")) == 1
    assert store.add_actions(_actions("JPMorgan", "again")) == 0
    assert store.add_actions(_actions("JP Morgan", "spelled apart", target_to="20")) == 0

    stored = store.actions()
    assert len(stored) == 1
    assert (stored.loc[0, "firm"], stored.loc[0, "note"], stored.loc[0, "target_to"]) == ("JPMorgan", "first", 18.0)
    assert store.add_actions(_actions("Another Firm", "other")) == 1
    assert len(store.actions()) == 2


def _record(source: str, outcome: str, minutes: int, symbol: str = "CIFR", message: str = "") -> FetchRecord:
    start = datetime(2026, 9, 16, 20, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return FetchRecord(symbol, source, "bars", start, start + timedelta(seconds=2), 3, outcome, message)


def test_fetch_log_round_trips(tmp_path: Path) -> None:
    store = Store(tmp_path / "levels.sqlite3")
    assert store.last_fetch("CIFR") is None
    first = _record("yfinance", "ok", 0, message="3 new bars")
    second = _record("yfinance", "error", 1, symbol="RIOT", message="x" * 700)
    store.log_fetch(first)
    store.log_fetch(second)

    assert store.last_fetch("CIFR") == first
    got = store.last_fetch("RIOT")
    assert got.message == "x" * 500  # long messages are cut
    assert got.started_at == second.started_at and got.started_at.tzinfo is not None
    assert store.fetch_log() == [got, first]  # newest first
    assert store.last_fetch("CIFR", kind="actions") is None


def test_last_failure_is_the_latest_attempt_of_that_source_when_it_failed(tmp_path: Path) -> None:
    store = Store(tmp_path / "levels.sqlite3")
    assert store.last_failure("yfinance") is None

    error = _record("yfinance", "error", 0, message="timeout")
    store.log_fetch(error)
    assert store.last_failure("yfinance") == error

    store.log_fetch(_record("yfinance", "skipped", 1))  # skipped attempts do not count
    assert store.last_failure("yfinance") == error

    store.log_fetch(_record("other", "ok", 2))  # another source does not clear it
    assert store.last_failure("yfinance") == error
    assert store.last_failure("other") is None

    store.log_fetch(_record("yfinance", "ok", 3, symbol="RIOT"))  # a success of any symbol clears it
    assert store.last_failure("yfinance") is None

    empty = _record("yfinance", "empty", 4)
    store.log_fetch(empty)
    assert store.last_failure("yfinance") == empty


GARBAGE = b"definitely not an SQLite database\n\x00\xff\xfe" * 300


def test_a_corrupt_file_raises_store_error_and_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "levels.sqlite3"
    path.write_bytes(GARBAGE)
    store = Store(path)

    for read in (lambda: store.bars("CIFR"), lambda: store.last_bar_date("CIFR"), store.check,
                 store.fetch_log, lambda: store.last_failure("yfinance"), store.actions, store.watchlist):
        with pytest.raises(StoreError):
            read()
    with pytest.raises(StoreError):
        store.append_bars("CIFR", bars(FIRST), "test")
    with pytest.raises(StoreError):
        store.log_fetch(_record("yfinance", "ok", 0))

    assert path.read_bytes() == GARBAGE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["levels.sqlite3"]


def _bundled_dates() -> list[str]:
    with CIFR_CSV.open(newline="") as fh:
        return [r["date"] for r in csv.DictReader(fh)]


def test_repository_load_falls_back_to_the_bundled_snapshot_on_a_corrupt_store(tmp_path: Path) -> None:
    path = tmp_path / "levels.sqlite3"
    path.write_bytes(GARBAGE)

    result = Repository(settings(tmp_path, offline=True)).load("CIFR")

    assert [ts.strftime("%Y-%m-%d") for ts in result.bars.index] == _bundled_dates()
    assert result.sources == ("bundled snapshot",)
    assert any("local store could not be read" in n and "left untouched" in n for n in result.notices)
    assert path.read_bytes() == GARBAGE


def test_refresh_with_a_corrupt_store_neither_calls_the_source_nor_writes(tmp_path: Path) -> None:
    path = tmp_path / "levels.sqlite3"
    path.write_bytes(GARBAGE)

    class Source:
        name = "fake"
        calls = 0

        def history(self, symbol, start, timeout):
            Source.calls += 1
            return bars(FIRST)

        def analyst_actions(self, symbol, timeout):
            Source.calls += 1
            return _actions("JPMorgan", "x")

    result = Repository(settings(tmp_path), Source()).load("CIFR")

    assert Source.calls == 0
    assert result.refresh is not None and result.refresh.outcome == "error"
    assert len(result.bars) == len(_bundled_dates())
    assert any("could not be read" in n for n in result.notices)
    assert path.read_bytes() == GARBAGE
