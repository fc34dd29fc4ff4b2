"""Durable storage: schema migrations, SIGKILL in the middle of writes, corrupt files, two writers at once.

Writers in other processes run ``child_writer.py`` (which appends through the real ``Store.append_bars``).
Every test counts the rows before and after; run with ``-s`` for the table. Zero committed rows may be lost.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

import ui.data
from marketdata import store as store_module
from marketdata.actions import normalize_actions
from marketdata.repository import Repository
from marketdata.store import SCHEMA_VERSION, FetchRecord, Store, StoreError, utcnow
from tests.support.apptest import figure, open_page, texts
from tests.support.bars import bars_frame, bundled_dates, good_rows, weekdays_after, yahoo_like
from tests.support.child_writer import batch_frame
from tests.support.children import Child
from tests.support.row_report import report_fixture
from tests.support.sources import FakeSource, settings
from tests.support.sqlite_files import TABLES, digest, integrity, query

BATCH = 200  # rows per transaction of the small-transaction writer
LAST_BUNDLED = bundled_dates("CIFR")[-1]

report = pytest.fixture(scope="module", name="report")(report_fixture(
    "Durable storage: rows before/after each test (lost = committed rows missing afterwards; must be 0)",
    ("test", "rows before", "committed before kill/end", "rows after", "lost", "note"),
))


# --- child processes ---------------------------------------------------------------------------------------


@pytest.fixture
def children() -> Iterator[list[Child]]:
    """Track the children a test starts; any still running at the end is killed (by its own pid)."""
    started: list[Child] = []
    yield started
    for child in started:
        if child.proc.poll() is None:
            os.kill(child.proc.pid, signal.SIGKILL)
            child.proc.wait(30)


def count(db: Path, symbol: str | None = None) -> int:
    con = sqlite3.connect(db)
    try:
        if symbol is None:
            return int(con.execute("SELECT COUNT(*) FROM bars").fetchone()[0])
        return int(con.execute("SELECT COUNT(*) FROM bars WHERE symbol = ?", (symbol,)).fetchone()[0])
    finally:
        con.close()


def days_of(db: Path, symbol: str) -> list[int]:
    """Return the stored days of ``symbol`` as day numbers since 1900-01-01 (the child writer's scheme)."""
    con = sqlite3.connect(db)
    try:
        dates = [r[0] for r in con.execute("SELECT date FROM bars WHERE symbol = ? ORDER BY date", (symbol,))]
    finally:
        con.close()
    return [(pd.Timestamp(d) - pd.Timestamp("1900-01-01")).days for d in dates]


# --- schema version and migrations ---------------------------------------------------------------------------


def _populate(store: Store) -> None:
    store.append_bars("CIFR", batch_frame(0, 300, 1), "seed")
    store.add_actions(normalize_actions(pd.DataFrame([
        {"date": "2026-09-17", "ticker": "CIFR", "firm": "Example Capital Markets", "action": "raise_target",
         "rating_from": "Buy", "rating_to": "Buy", "target_from": 20, "target_to": 24},
        {"date": "2026-09-18", "ticker": "RIOT", "firm": "Sample Securities", "action": "initiate",
         "rating_to": "Buy", "target_to": 25},
    ]), source="seed"))
    now = utcnow()
    for i, outcome in enumerate(("ok", "error", "ok")):
        store.log_fetch(FetchRecord("CIFR", "yfinance", "bars", now, now, i, outcome, f"row {i}"))
    store.add_to_watchlist("ABC")
    store.add_to_watchlist("XYZ")


def _dump(db: Path) -> dict[str, list[tuple]]:
    return {t: sorted(query(db, f"SELECT * FROM {t}"), key=repr) for t in TABLES}


def _version(db: Path) -> int:
    return int(query(db, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0])


def test_a_schema_0_database_is_migrated_to_the_current_version_without_losing_rows(tmp_path: Path, report) -> None:
    # Version 0: the file has the meta table saying 0 and none of the app's tables; it may hold other rows.
    db = tmp_path / "levels.sqlite3"
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '0'), ('created_by', 'levels-dashboard 0');
        CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
    """)
    con.executemany("INSERT INTO notes (text) VALUES (?)", [(f"note {i}",) for i in range(250)])
    con.commit()
    con.close()
    notes_before = query(db, "SELECT * FROM notes ORDER BY id")

    store = Store(db)
    assert store.bar_count() == 0  # a read does not migrate
    assert _version(db) == 0
    assert store.append_bars("CIFR", batch_frame(0, 50, 1), "test") == 50

    assert _version(db) == SCHEMA_VERSION
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT * FROM notes ORDER BY id").fetchall() == notes_before
        assert con.execute("SELECT value FROM meta WHERE key = 'created_by'").fetchone() == ("levels-dashboard 0",)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()
    assert set(TABLES) <= tables
    assert integrity(db) == "ok" and store.bar_count("CIFR") == 50
    report.add("schema 0 -> current", 250, 250, 250 + 50, 0, "250 rows of the v0 file kept, 50 bars added")


LATER = "ALTER TABLE bars ADD COLUMN adj_close REAL; CREATE INDEX bars_source ON bars (source)"


def test_a_later_migration_keeps_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report) -> None:
    db = tmp_path / "levels.sqlite3"
    _populate(Store(db))
    before = _dump(db)
    assert _version(db) == SCHEMA_VERSION

    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, LATER))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    store = Store(db)
    store.add_to_watchlist("NEW")  # any write opens the file for writing and migrates it

    assert _version(db) == SCHEMA_VERSION + 1
    after = _dump(db)
    assert after["bars"] == [(*r, None) for r in before["bars"]]  # every row, with the new column empty
    for table in ("actions", "fetch_log"):
        assert after[table] == before[table]
    assert set(before["watchlist"]) < set(after["watchlist"])
    assert store.bar_count("CIFR") == 300 and len(store.actions()) == 2 and len(store.fetch_log()) == 3
    assert integrity(db) == "ok"
    n_before, n_after = sum(map(len, before.values())), sum(map(len, after.values()))
    report.add(f"migration {SCHEMA_VERSION} -> {SCHEMA_VERSION + 1}", n_before, n_before, n_after, 0,
               "all tables; +1 watchlist row")


def test_a_failing_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report) -> None:
    db = tmp_path / "levels.sqlite3"
    _populate(Store(db))
    before = _dump(db)

    broken = "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1)"
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, broken))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="no_such_table"):
        Store(db).append_bars("CIFR", batch_frame(1000, 5, 1), "test")

    assert _version(db) == SCHEMA_VERSION
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    finally:
        con.close()
    assert _dump(db) == before and integrity(db) == "ok"
    n = sum(map(len, before.values()))
    report.add("failing migration", n, n, n, 0, "rolled back: version and tables as before")


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_newer_schema_is_a_clear_store_error_and_the_file_is_not_modified(
    journal: str, tmp_path: Path, report
) -> None:
    db = tmp_path / "levels.sqlite3"
    _populate(Store(db))
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    con.commit()
    if journal == "delete":  # e.g. copied by a tool that left it in rollback-journal mode
        con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    listing, before, rows = sorted(os.listdir(tmp_path)), digest(db), count(db)

    store = Store(db)
    for call in (lambda: store.append_bars("CIFR", batch_frame(5000, 3, 1), "test"), lambda: store.bars("CIFR"),
                 lambda: store.add_to_watchlist("NEW"), store.check):
        with pytest.raises(StoreError, match=f"schema {SCHEMA_VERSION + 1} is newer than this app"):
            call()
    source = FakeSource({"CIFR": yahoo_like(good_rows(weekdays_after(pd.Timestamp(LAST_BUNDLED).date(), 2)))})
    result = Repository(settings(tmp_path), source).load("CIFR")

    assert source.history_calls == []
    assert result.sources == ("bundled snapshot",)
    assert any("could not be read" in n and "newer than this app" in n for n in result.notices), result.notices
    assert digest(db) == before and sorted(os.listdir(tmp_path)) == listing
    report.add(f"newer schema ({journal} journal)", rows, rows, count(db), 0, "StoreError; file bytes unchanged")


# --- SIGKILL in the middle of writes -------------------------------------------------------------------------


def _check_after_kill(db: Path, symbol: str, child: Child, rows_per_txn: int) -> tuple[int, int]:
    """Assert the store is healthy and holds exactly the child's committed transactions, the in-flight one
    either fully in or fully out. Return ``(rows reported committed, rows stored)``."""
    assert integrity(db) == "ok"
    Store(db).check()
    committed = child.committed()
    assert [b for b, _ in committed] == list(range(len(committed)))  # the writer goes upwards
    stored = count(db, symbol)
    assert stored % rows_per_txn == 0, f"{stored} rows: a transaction is partly in"
    txns = stored // rows_per_txn
    assert txns in (len(committed), len(committed) + 1), (txns, len(committed))
    if txns == len(committed) + 1:
        assert txns - 1 in child.begun()  # committed, killed before it could say so
    assert days_of(db, symbol) == list(range(stored))
    return len(committed) * rows_per_txn, stored


def test_sigkill_in_the_middle_of_many_small_transactions(tmp_path: Path, children: list[Child], report) -> None:
    db = tmp_path / "levels.sqlite3"
    Store(db).append_bars("BASE", batch_frame(0, 500, 9), "seed")
    expected = {"BASE": 500}
    rng = random.Random(20261121)
    for round_ in range(5):
        symbol, before = f"K{round_}", count(db)
        child = Child(db, symbol, 0, 5000, BATCH, round_)
        children.append(child)
        child.wait_for("ready")
        child.wait_for(f"begin {rng.randint(1, 25)}")
        time.sleep(rng.uniform(0.0, 0.02))
        child.kill()
        assert child.proc.returncode == -signal.SIGKILL  # it was still writing

        reported, stored = _check_after_kill(db, symbol, child, BATCH)
        for other, n in expected.items():
            assert count(db, other) == n  # earlier commits are all still there
        expected[symbol] = stored
        in_flight = "in" if stored > reported else "out"
        report.add(f"SIGKILL small txns, round {round_ + 1}", before, before + reported, count(db),
                   before + reported - min(count(db), before + reported),
                   f"{reported // BATCH} txns reported committed; in-flight txn fully {in_flight}")
    # The store still takes writes afterwards.
    assert Store(db).append_bars("AFTER", batch_frame(0, 10, 1), "test") == 10


def test_sigkill_during_one_large_transaction(tmp_path: Path, children: list[Child], report) -> None:
    db = tmp_path / "levels.sqlite3"
    Store(db).append_bars("BASE", batch_frame(0, 500, 9), "seed")
    rows = 100_000
    rng = random.Random(1121)
    for round_ in range(3):
        symbol, before = f"L{round_}", count(db)
        child = Child(db, symbol, 0, 1, rows, round_)
        children.append(child)
        child.wait_for("begin 0")
        # Wait until the transaction has spilled uncommitted pages into the WAL, then kill at a random moment.
        wal = db.with_name(db.name + "-wal")
        deadline = time.monotonic() + 60
        while child.proc.poll() is None and time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > 256 * 1024:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.15))
        wal_bytes = wal.stat().st_size if wal.exists() else 0
        if child.proc.poll() is None:
            child.kill()
        else:
            child.finish(30)
        reported, stored = _check_after_kill(db, symbol, child, rows)
        assert stored in (0, rows)
        assert count(db, "BASE") == 500
        report.add(f"SIGKILL one {rows}-row txn, round {round_ + 1}", before, before + reported, count(db),
                   before + reported - min(count(db), before + reported),
                   f"txn fully {'in' if stored else 'out'}; WAL at kill {wal_bytes // 1024} KiB")
    assert integrity(db) == "ok"


# --- corrupt or truncated file ---------------------------------------------------------------------------------


def _healthy_store(db: Path) -> int:
    store = Store(db)
    store.append_bars("CIFR", bars_frame(good_rows(weekdays_after(pd.Timestamp(LAST_BUNDLED).date(), 3))), "seed")
    for i in range(4):
        store.append_bars(f"F{i}", batch_frame(0, 1500, i), "filler")
    _populate(Store(db))
    return count(db)


def _damage(db: Path, how: str) -> None:
    data = bytearray(db.read_bytes())
    page = 4096
    if how == "garbage-header":
        data[:100] = os.urandom(100)
    elif how == "garbage-pages-mid-file":
        middle = len(data) // page // 2
        rnd = random.Random(7)
        data[middle * page:(middle + 2) * page] = bytes(rnd.randrange(256) for _ in range(2 * page))
    elif how == "truncated-half":
        del data[len(data) // 2 // page * page:]
    elif how == "truncated-mid-page":
        del data[len(data) - page - 1000:]
    elif how == "zeroed-tail":
        data[-2 * page:] = bytes(2 * page)
    else:
        raise AssertionError(how)
    db.write_bytes(bytes(data))


DAMAGE = ["garbage-header", "garbage-pages-mid-file", "truncated-half", "truncated-mid-page", "zeroed-tail"]


@pytest.mark.parametrize("how", DAMAGE)
def test_a_corrupt_or_truncated_file_is_detected_and_left_untouched(how: str, tmp_path: Path, report) -> None:
    db = tmp_path / "levels.sqlite3"
    rows = _healthy_store(db)
    _damage(db, how)
    listing, before = sorted(os.listdir(tmp_path)), digest(db)
    source = FakeSource({"CIFR": yahoo_like(good_rows(weekdays_after(pd.Timestamp(LAST_BUNDLED).date(), 8)))})
    repo = Repository(settings(tmp_path), source)

    with pytest.raises(StoreError):
        Store(db).check()
    results = [repo.load("CIFR") for _ in range(3)]

    for result in results:
        assert [ts.strftime("%Y-%m-%d") for ts in result.bars.index] == bundled_dates("CIFR")
        assert result.sources == ("bundled snapshot",)
        assert any("local store could not be read" in n and "left untouched" in n for n in result.notices)
        assert any(f"showing data up to {LAST_BUNDLED}" in n for n in result.notices), result.notices
    assert source.history_calls == []  # nothing fetched that would have to be written
    assert digest(db) == before and sorted(os.listdir(tmp_path)) == listing
    report.add(f"corrupt file: {how}", rows, rows, "unreadable", 0, "detected; bundled snapshot shown; bytes same")


def test_the_ticker_page_renders_on_a_truncated_store_with_a_notice(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "levels.sqlite3"
    _healthy_store(db)
    _damage(db, "truncated-half")
    before = digest(db)
    repo = Repository(settings(tmp_path), FakeSource({}))
    monkeypatch.setattr(ui.data, "default_repository", lambda: repo)
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = open_page("ticker", symbol="CIFR")
        assert not at.exception
        (price,) = [t for t in figure(at)["data"] if t.get("name") == "Price"]
        assert max(price["x"]).startswith(LAST_BUNDLED)
        warnings = texts(at.warning)
        assert any("local store could not be read" in w and "left untouched" in w for w in warnings), warnings
        at.run()
        assert not at.exception
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
    assert digest(db) == before


# --- two processes writing at once -----------------------------------------------------------------------------


def test_a_writer_waits_for_another_holding_a_fresh_file_in_rollback_mode(tmp_path: Path) -> None:
    # The moment two processes create the store together: one holds a write transaction while the file is still
    # in rollback-journal mode; SQLite answers the other's switch to WAL with 'database is locked' at once.
    db = tmp_path / "levels.sqlite3"
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE other_process (x)")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        assert Store(db).append_bars("CIFR", batch_frame(0, 20, 1), "test") == 20
        assert time.monotonic() - started >= 0.4  # it waited for the other writer instead of failing
    finally:
        release.join()
        other.close()
    assert count(db, "CIFR") == 20 and integrity(db) == "ok"


@pytest.mark.parametrize("start", ["fresh-file", "existing-file"])
def test_two_processes_writing_at_once_lose_nothing(start: str, tmp_path: Path, children: list[Child],
                                                     report) -> None:
    db = tmp_path / "levels.sqlite3"
    if start == "existing-file":
        Store(db).append_bars("BASE", batch_frame(0, 500, 9), "seed")
    before = count(db) if db.exists() else 0
    # A: days 0..2999 upwards, B: days 4499..1500 downwards, 20 rows per transaction: each first writes days only
    # it writes, then they meet inside the 1500 overlapping days, where each then hits rows the other stored.
    a = Child(db, "PAIR", 0, 150, 20, 1, "wait")
    b = Child(db, "PAIR", 1500, 150, 20, 2, "wait", "reverse")
    children.extend([a, b])
    a.wait_for("ready")
    b.wait_for("ready")
    a.go()
    b.go()
    reads = 0
    seen = 0
    reader = Store(db)
    while a.proc.poll() is None or b.proc.poll() is None:  # read while they write: never an error, never fewer
        now = reader.bar_count("PAIR")
        assert now >= seen
        seen, reads = now, reads + 1
        time.sleep(0.01)
        assert reads < 20_000
    for child in (a, b):
        assert child.finish(90) == 0, "".join(child.stderr)[-2000:]
        assert "locked" not in "".join(child.stderr)

    added = {tag: sum(n for _, n in child.committed()) for tag, child in ((1, a), (2, b))}
    con = sqlite3.connect(db)
    try:
        by_writer = dict(con.execute(
            "SELECT CAST(volume / 1000000 AS INTEGER), COUNT(*) FROM bars WHERE symbol = 'PAIR' GROUP BY 1"
        ).fetchall())
        tags = dict(con.execute("SELECT date, CAST(volume / 1000000 AS INTEGER) FROM bars WHERE symbol = 'PAIR'"))
    finally:
        con.close()
    days = days_of(db, "PAIR")
    assert days == list(range(4500))  # every row of both writers is there, once
    assert added[1] + added[2] == 4500 and by_writer == added  # each writer's inserts are all stored
    day_tag = {(pd.Timestamp(d) - pd.Timestamp("1900-01-01")).days: t for d, t in tags.items()}
    assert all(day_tag[d] == 1 for d in range(1500)) and all(day_tag[d] == 2 for d in range(3000, 4500))
    assert integrity(db) == "ok"
    if start == "existing-file":
        assert count(db, "BASE") == 500
    report.add(f"two writers at once ({start})", before, before + 4500, count(db),
               before + 4500 - count(db), f"A added {added[1]}, B added {added[2]}; {reads} reads meanwhile")
