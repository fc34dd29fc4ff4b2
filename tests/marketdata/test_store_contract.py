"""The store contract: every test runs on SQLite and on a real PostgreSQL server (``backend`` fixture).

Rows only inserted, never updated or deleted; bad rows rejected and logged; versioned migrations (a later one keeps
every row, a failing one changes nothing, a newer schema is refused); data versions that other processes' writes
move; the refresh lock; the symbol request queue; concurrent writers (threads, processes) without loss or
duplicates; a writer killed in the middle of a transaction leaves it fully in or fully out.

What is stored is checked through the engine's own driver (``sqlite3`` / ``psycopg``), not through the Store.
The PostgreSQL server is started by the ``postgres`` fixture (tests/conftest.py); each test gets a fresh database.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketdata.actions import normalize_actions
from marketdata.repository import Repository
from marketdata.store import DataVersions, FetchRecord, SchemaTooNew, SqlStore, StoreError
from tests.support.backends import Backend
from tests.support.child_writer import batch_frame
from tests.support.children import Child

ROOT = Path(__file__).resolve().parents[2]
TEAM_TABLES = {"bars", "actions", "fetch_log", "watchlist", "user_actions", "user_action_retractions",
               "data_changes", "symbol_requests", "symbol_request_results"}


def bars(rows: list[tuple[str, float, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "open", "high", "low", "close", "volume"])
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("date")), name="date")
    return frame.astype("float64")


FIRST = [
    ("2026-09-16", 15.0, 15.5, 14.5, 15.2, 1000.0),
    ("2026-09-17", 15.2, 16.0, 15.1, 15.9, 2000.0),
    ("2026-09-18", 15.9, 16.2, 15.3, 15.4, 3000.0),
]


def _actions(firm: str, note: str, target_to: str = "18", ticker: str = "CIFR",
             day: str = "2025-11-24") -> pd.DataFrame:
    return normalize_actions(pd.DataFrame([{
        "date": day, "ticker": ticker, "firm": firm, "action": "upgrade", "rating_from": "Neutral",
        "rating_to": "Overweight", "target_from": "12", "target_to": target_to, "note": note,
        "target_horizon": "2026-11-24",
    }]), source="yfinance")


def _record(source: str, outcome: str, minutes: int, symbol: str = "CIFR", message: str = "") -> FetchRecord:
    start = datetime(2026, 9, 16, 20, 0, 0, 250_000, tzinfo=UTC) + timedelta(minutes=minutes)
    return FetchRecord(symbol, source, "bars", start, start + timedelta(seconds=2), 3, outcome, message)


# --- schema --------------------------------------------------------------------------------------------------


def test_reading_a_new_store_gives_empty_answers_and_creates_nothing(backend: Backend) -> None:
    store = backend.store()
    assert store.bar_count() == 0 and store.bars("CIFR").empty and store.last_bar_date("CIFR") is None
    assert store.actions().empty and store.watchlist() == [] and store.fetch_log() == []
    assert store.symbols() == [] and store.symbol_requests() == [] and store.versions() == DataVersions()
    assert store.last_fetch("CIFR") is None and store.last_failure("yfinance") is None
    store.check()
    assert backend.tables() == set()


def test_the_first_write_creates_the_current_schema_and_records_its_version(backend: Backend) -> None:
    store = backend.store()
    store.append_bars("CIFR", bars(FIRST[:1]), "test")
    assert backend.tables() >= TEAM_TABLES
    assert backend.schema_version() == backend.module.SCHEMA_VERSION == len(backend.module.MIGRATIONS) >= 2
    store.append_bars("CIFR", bars(FIRST[1:2]), "test")  # a second write does not run the migrations again
    assert store.bar_count("CIFR") == 2
    if backend.name == "postgres":
        assert [int(str(r[0])) for r in backend.raw("SELECT version FROM schema_migrations ORDER BY 1")] == list(
            range(1, backend.module.SCHEMA_VERSION + 1))


LATER = "ALTER TABLE bars ADD COLUMN adj_close {real}; CREATE INDEX bars_source ON bars (source)"


def _populate(store: SqlStore) -> None:
    store.append_bars("CIFR", batch_frame(0, 300, 1), "seed")
    store.add_actions(_actions("Example Capital Markets", "one"))
    store.add_actions(_actions("Sample Securities", "two", ticker="RIOT", day="2026-09-18"))
    for i, outcome in enumerate(("ok", "error", "ok")):
        store.log_fetch(_record("yfinance", outcome, i, message=f"row {i}"))
    store.add_to_watchlist("ABC")
    store.request_symbol("XYZ", "watchlist")


def _later(backend: Backend, monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    from marketdata.schema import TYPES

    dialect = "sqlite" if backend.name == "sqlite" else "postgres"
    monkeypatch.setattr(backend.module, "MIGRATIONS", (*backend.module.MIGRATIONS, sql.format(**TYPES[dialect])))
    monkeypatch.setattr(backend.module, "SCHEMA_VERSION", backend.module.SCHEMA_VERSION + 1)


def test_a_later_migration_keeps_every_row(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    _populate(backend.store())
    before = backend.dump()
    version = backend.schema_version()

    _later(backend, monkeypatch, LATER)
    store = backend.store()
    store.add_to_watchlist("NEW")  # any write migrates

    assert backend.schema_version() == version + 1
    after = backend.dump()
    assert after["bars"] == sorted([(*r, None) for r in before["bars"]], key=repr)  # new column empty
    for table in ("actions", "fetch_log", "symbol_requests", "symbol_request_results"):
        assert after[table] == before[table]
    assert set(before["watchlist"]) < set(after["watchlist"])
    assert store.bar_count("CIFR") == 300 and len(store.actions()) == 2 and len(store.fetch_log()) == 3


def test_a_failing_migration_changes_nothing(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    _populate(backend.store())
    before, version = backend.dump(), backend.schema_version()

    _later(backend, monkeypatch, "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1)")
    with pytest.raises(StoreError, match="no_such_table"):
        backend.store().append_bars("CIFR", batch_frame(1000, 5, 1), "test")

    assert backend.schema_version() == version
    assert "half_done" not in backend.tables()
    assert backend.dump() == before


def test_a_newer_schema_is_refused_for_reads_and_writes_and_nothing_changes(backend: Backend) -> None:
    _populate(backend.store())
    backend.claim_newer_schema()
    before = backend.dump()

    store = backend.store()
    newer = backend.module.SCHEMA_VERSION + 1
    for call in (lambda: store.bars("CIFR"), lambda: store.append_bars("CIFR", batch_frame(5000, 3, 1), "test"),
                 lambda: store.add_to_watchlist("NEW"), store.check, lambda: store.request_symbol("Q", "view")):
        with pytest.raises(SchemaTooNew, match=f"store schema {newer} is newer than this app"):
            call()
    repo = Repository(backend.settings(offline=True))
    backend.opened.append(repo.store)
    result = repo.load("CIFR")
    assert result.store_failed and result.sources == ("bundled snapshot",)
    assert any("newer than this app" in n for n in result.notices), result.notices
    assert backend.dump() == before


# --- rows: inserted only ------------------------------------------------------------------------------------


def test_append_adds_only_new_dates_and_never_overwrites(backend: Backend) -> None:
    store = backend.store()
    assert store.append_bars("CIFR", bars(FIRST), "first") == 3
    overlapping = [
        ("2026-09-17", 99.0, 99.0, 99.0, 99.0, 9.0),  # stored already, other values
        ("2026-09-18", 98.0, 98.0, 98.0, 98.0, 8.0),  # stored already, other values
        ("2026-09-21", 15.4, 15.8, 15.0, 15.6, 4000.0),  # new
    ]
    assert store.append_bars("CIFR", bars(overlapping), "second") == 1

    rows = backend.raw("SELECT date, open, high, low, close, volume, source FROM bars WHERE symbol = 'CIFR'"
                       " ORDER BY date")
    assert rows == [(*r, "first") for r in FIRST] + [(*overlapping[2], "second")]
    assert store.last_bar_date("CIFR") == date(2026, 9, 21)
    frame = store.bars("CIFR")
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"] and frame.dtypes.eq("float64").all()
    assert frame.loc["2026-09-17", "close"] == 15.9
    assert [d.date() for d in frame.index] == [date(2026, 9, 16), date(2026, 9, 17), date(2026, 9, 18),
                                               date(2026, 9, 21)]
    assert store.symbols() == ["CIFR"] and store.bar_count() == 4 and store.bar_count("RIOT") == 0
    assert store.bars("RIOT").empty


def test_append_of_nothing_writes_nothing(backend: Backend) -> None:
    assert backend.store().append_bars("CIFR", bars([]), "test") == 0
    assert backend.tables() == set()


def test_bad_bars_are_rejected_and_logged(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    rows = [
        ("2026-09-16", 15.0, 15.5, 14.5, 15.2, 1000.0),
        ("2026-09-17", 15.2, 16.0, 15.1, float("nan"), 2000.0),  # missing close
        ("2026-09-18", 15.9, 15.0, 16.3, 15.4, 3000.0),  # high below low
        ("2026-09-21", -1.0, 15.8, 15.0, 15.6, 4000.0),  # negative price
        ("2026-09-22", 15.4, 15.8, 15.0, 15.6, 5000.0),
        ("2026-09-22", 15.5, 15.9, 15.1, 15.7, 6000.0),  # the same date again
    ]
    with caplog.at_level(logging.WARNING, logger="marketdata.store"):
        added = backend.store().append_bars("CIFR", bars(rows), "test")
    assert added == 2
    stored = backend.raw("SELECT date, volume FROM bars ORDER BY date")
    assert stored == [("2026-09-16", 1000.0), ("2026-09-22", 5000.0)]
    reasons = [r.getMessage() for r in caplog.records if "not stored" in r.getMessage()]
    assert len(reasons) == 4, reasons
    assert any("missing price" in r for r in reasons) and any("high below low" in r for r in reasons)
    assert any("duplicate date" in r for r in reasons) and any("not positive" in r for r in reasons)


def test_actions_are_deduplicated_on_date_ticker_and_folded_firm(backend: Backend) -> None:
    store = backend.store()
    assert store.add_actions(_actions("JPMorgan", "first")) == 1
    assert store.add_actions(_actions("JPMorgan", "again")) == 0
    assert store.add_actions(_actions("JP Morgan", "spelled apart", target_to="20")) == 0
    stored = store.actions()
    assert len(stored) == 1
    row = stored.iloc[0]
    assert (row["firm"], row["note"], row["target_to"], row["target_horizon"]) == (
        "JPMorgan", "first", 18.0, pd.Timestamp("2026-11-24"))
    assert store.add_actions(_actions("Another Firm", "other", day="2025-12-01")) == 1
    assert list(store.actions()["firm"]) == ["Another Firm", "JPMorgan"]  # newest first


def test_the_fetch_log_round_trips_with_time_zones(backend: Backend) -> None:
    store = backend.store()
    first = _record("yfinance", "ok", 0, message="3 new bars")
    second = _record("yfinance", "error", 1, symbol="RIOT", message="x" * 700)
    store.log_fetch(first)
    store.log_fetch(second)
    assert store.last_fetch("CIFR") == first
    got = store.last_fetch("RIOT")
    assert got is not None and got.message == "x" * 500 and got.started_at == second.started_at
    assert got.started_at.utcoffset() == timedelta(0)
    assert store.fetch_log() == [got, first]
    assert store.last_fetch("CIFR", kind="actions") is None


def test_last_failure_is_the_sources_latest_attempt_when_it_failed(backend: Backend) -> None:
    store = backend.store()
    error = _record("yfinance", "error", 0, message="timeout")
    store.log_fetch(error)
    assert store.last_failure("yfinance") == error
    store.log_fetch(_record("yfinance", "skipped", 1))
    store.log_fetch(_record("yfinance", "unknown", 2, symbol="ZZZZ"))  # a symbol Yahoo does not have
    assert store.last_failure("yfinance") == error
    store.log_fetch(_record("yfinance", "ok", 3, symbol="RIOT"))
    assert store.last_failure("yfinance") is None


def test_the_watchlist_keeps_the_order_added_and_each_symbol_once(backend: Backend) -> None:
    store = backend.store()
    for symbol in ("HUT", "BITF", "HUT", "BTC-USD"):
        store.add_to_watchlist(symbol)
        time.sleep(1.05 if symbol == "HUT" else 0)  # added_at has whole seconds
    assert store.watchlist() == ["HUT", "BITF", "BTC-USD"]


def test_hand_entered_actions_are_retracted_by_a_row_by_their_author_only(backend: Backend) -> None:
    store = backend.store()
    entry = normalize_actions(pd.DataFrame([{
        "date": "2026-09-14", "ticker": "RIOT", "firm": "HC Wainwright & Co.", "action": "raise_target",
        "rating_from": "Buy", "rating_to": "Buy", "target_from": 23, "target_to": 30, "target_horizon": "2027-09-14",
        "source": "https://example.com/note"}]), origin="user")
    first = store.add_user_action(entry, "local:ana")
    second = store.add_user_action(entry.assign(date=pd.Timestamp("2026-09-15")), "oidc:bo@example.com")
    before = store.versions().of("user_actions")
    got = store.user_actions()
    assert set(got["entry_id"]) == {first, second} and set(got["origin"]) == {"user"}
    assert got.iloc[0]["target_horizon"] == pd.Timestamp("2027-09-14") and got.iloc[0]["entered_at"].endswith("+00:00")
    assert not store.retract_user_action(first, "oidc:bo@example.com")  # not the author
    assert not store.retract_user_action("no-such-entry", "local:ana")
    assert store.retract_user_action(first, "local:ana")
    assert not store.retract_user_action(first, "local:ana")  # removed already
    assert list(store.user_actions()["entry_id"]) == [second]
    assert store.versions().of("user_actions") > before
    assert backend.raw("SELECT COUNT(*) FROM user_actions") == [(2,)]  # nothing deleted
    assert backend.raw("SELECT action_id, retracted_by FROM user_action_retractions") == [(first, "local:ana")]


def test_symbol_requests_wait_until_answered_once(backend: Backend) -> None:
    store = backend.store()
    first = store.request_symbol("HUT", "watchlist")
    second = store.request_symbol("ZZZZ", "view")
    assert second > first
    assert [(r.symbol, r.purpose, r.outcome) for r in store.symbol_requests(pending_only=True)] == [
        ("HUT", "watchlist", None), ("ZZZZ", "view", None)]
    store.finish_request(second, "not_found", "no rows")
    store.finish_request(second, "fetched")  # a second answer is ignored
    assert [r.symbol for r in store.symbol_requests(pending_only=True)] == ["HUT"]
    newest = store.symbol_requests()
    assert [(r.symbol, r.outcome, r.message) for r in newest] == [("ZZZZ", "not_found", "no rows"), ("HUT", None, "")]
    assert newest[0].finished_at is not None and newest[0].requested_at.utcoffset() == timedelta(0)
    assert backend.count() == 0  # requests are not bars


def test_requests_queued_at_once_never_pass_the_limit(backend: Backend) -> None:
    backend.store().append_bars("HELD", batch_frame(0, 3, 1), "seed")
    answers: list[int | None] = []

    def ask(n: int) -> None:
        store = backend.store()
        for i in range(3):
            answers.append(store.request_symbol(f"N{n}{i}", "view", limit=8, base={"A", "B", "C"}))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    queued = [a for a in answers if a is not None]
    assert len(queued) == 8 - 3 - 1  # A, B, C and HELD are followed already
    assert len(backend.raw("SELECT id FROM symbol_requests")) == len(queued)
    again = str(backend.raw("SELECT symbol FROM symbol_requests")[0][0])  # one that is queued: not a new one
    assert backend.store().request_symbol(again, "view", limit=8, base={"A", "B", "C"}) is not None
    assert backend.store().request_symbol("LATE", "view", limit=8, base={"A", "B", "C"}) is None


# --- data versions ----------------------------------------------------------------------------------------------


def test_data_versions_move_with_each_write_that_adds_rows(backend: Backend) -> None:
    store = backend.store()
    store.append_bars("CIFR", bars(FIRST[:1]), "test")
    v1 = store.versions()
    assert v1.of("bars", "CIFR") > 0 and v1.of("bars", "RIOT") == 0 and v1.of("actions") == 0

    assert store.append_bars("CIFR", bars(FIRST[:1]), "test") == 0  # nothing new: no new version
    assert store.versions() == v1
    store.append_bars("RIOT", bars(FIRST[:1]), "test")
    v2 = store.versions()
    assert v2.of("bars", "CIFR") == v1.of("bars", "CIFR") and v2.of("bars", "RIOT") > v1.latest
    store.add_actions(_actions("JPMorgan", "x"))
    store.add_to_watchlist("HUT")
    v3 = store.versions()
    assert v3.of("watchlist") == v3.latest > v3.of("actions") > v2.latest


def test_another_processs_writes_reach_a_reader_within_its_version_ttl(backend: Backend) -> None:
    reader = backend.store(version_ttl=1.0)
    writer = backend.store()
    writer.append_bars("CIFR", bars(FIRST[:1]), "test")
    seen = reader.versions()
    writer.append_bars("CIFR", bars(FIRST[1:2]), "test")
    assert reader.versions() == seen  # within the TTL: the cached versions
    time.sleep(1.1)
    assert reader.versions().of("bars", "CIFR") > seen.of("bars", "CIFR")

    child = Child(Path(backend.target) if backend.name == "sqlite" else backend.target,
                  "OTHER", 0, 3, 10, 1)
    assert child.finish(60) == 0, "".join(child.stderr)[-2000:]
    time.sleep(1.1)
    assert reader.versions().of("bars", "OTHER") > 0


def test_versions_read_piecemeal_while_many_writers_commit_match_a_full_read(backend: Backend) -> None:
    reader = backend.store()
    stop = threading.Event()
    snapshots: list[DataVersions] = []

    def read() -> None:
        while not stop.is_set():
            snapshots.append(reader.versions())  # each read asks only for ids newer than the last one seen

    def write(n: int) -> None:
        store = backend.store()
        for i in range(25):
            store.append_bars(f"W{n}", batch_frame(i, 1, n), "thread")

    readers = [threading.Thread(target=read)]
    writers = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(120)
    stop.set()
    readers[0].join(30)

    full = backend.store().versions()
    assert reader.versions() == full and full.latest == 150
    for before, after in itertools.pairwise(snapshots):
        assert all(after.by_key.get(k, 0) >= v for k, v in before.by_key.items())  # never backwards


# --- concurrency -------------------------------------------------------------------------------------------------


def test_threads_writing_overlapping_days_at_once_lose_nothing(backend: Backend) -> None:
    added: list[int] = []

    def write(n: int) -> None:
        store = backend.store()
        for batch in range(6):  # days n*50 .. n*50+149 in batches of 25: neighbours overlap by 100 days
            added.append(store.append_bars("PAIR", batch_frame(n * 50 + batch * 25, 25, n), f"t{n}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert backend.days("PAIR") == list(range(7 * 50 + 150))  # each day once
    assert sum(added) == backend.count("PAIR") == 500


@pytest.mark.parametrize("start", ["fresh", "existing"])
def test_two_processes_writing_at_once_lose_nothing(backend: Backend, start: str) -> None:
    if start == "existing":
        backend.store().append_bars("BASE", batch_frame(0, 500, 9), "seed")
    target = Path(backend.target) if backend.name == "sqlite" else backend.target
    a = Child(target, "PAIR", 0, 150, 20, 1, "wait")
    b = Child(target, "PAIR", 1500, 150, 20, 2, "wait", "reverse")
    try:
        a.wait_for("ready")
        b.wait_for("ready")
        a.go()
        b.go()
        reader, seen = backend.store(), 0
        while a.proc.poll() is None or b.proc.poll() is None:
            now = reader.bar_count("PAIR")  # reads while they write: never an error, never fewer
            assert now >= seen
            seen = now
            time.sleep(0.01)
        for child in (a, b):
            assert child.finish(120) == 0, "".join(child.stderr)[-2000:]
    finally:
        for child in (a, b):
            if child.proc.poll() is None:
                os.kill(child.proc.pid, signal.SIGKILL)
    added = {1: sum(n for _, n in a.committed()), 2: sum(n for _, n in b.committed())}
    assert backend.days("PAIR") == list(range(4500)) and added[1] + added[2] == 4500
    by_writer = dict(backend.raw("SELECT CAST(volume / 1000000 AS INTEGER), COUNT(*) FROM bars"
                                 " WHERE symbol = 'PAIR' GROUP BY 1"))
    assert by_writer == added
    if start == "existing":
        assert backend.count("BASE") == 500


def test_sigkill_in_the_middle_of_transactions_keeps_every_committed_one(backend: Backend) -> None:
    backend.store().append_bars("BASE", batch_frame(0, 500, 9), "seed")
    target = Path(backend.target) if backend.name == "sqlite" else backend.target
    rng = np.random.default_rng(20261130)
    for round_ in range(3):
        symbol = f"K{round_}"
        child = Child(target, symbol, 0, 5000, 200, round_)
        try:
            child.wait_for(f"begin {int(rng.integers(2, 15))}")
            time.sleep(float(rng.uniform(0.0, 0.02)))
            child.kill()
        finally:
            if child.proc.poll() is None:
                os.kill(child.proc.pid, signal.SIGKILL)
        committed = child.committed()
        stored = backend.count(symbol)
        assert stored % 200 == 0, f"{stored} rows: a transaction is partly in"
        assert stored // 200 in (len(committed), len(committed) + 1)
        assert backend.days(symbol) == list(range(stored))
        assert backend.count("BASE") == 500
    assert backend.store().append_bars("AFTER", batch_frame(0, 10, 1), "test") == 10


# --- the refresh lock ---------------------------------------------------------------------------------------------

HOLD_LOCK = (
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[2])\n"
    "from marketdata.store import store_at\n"
    "store = store_at(sys.argv[1])\n"
    "with store.refresh_lock() as held:\n"
    "    print('held' if held else 'busy', flush=True)\n"
    "    time.sleep(120)\n"
)


def test_the_refresh_lock_is_held_by_one_at_a_time_and_freed_when_its_holder_dies(backend: Backend) -> None:
    one, two = backend.store(), backend.store()
    with one.refresh_lock() as first:
        assert first
        with two.refresh_lock() as second:
            assert not second
    with two.refresh_lock() as again:
        assert again  # released at the end of the block

    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, backend.target, str(ROOT)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with one.refresh_lock() as held:
            assert not held
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(30)
        deadline = time.monotonic() + 10
        while True:  # the server notices the dead session at once (its socket closes)
            with one.refresh_lock() as held:
                if held or time.monotonic() > deadline:
                    break
            time.sleep(0.05)
        assert held
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(30)


# --- through the repository ----------------------------------------------------------------------------------------


def test_the_repository_reads_the_same_bars_and_actions_from_either_store(backend: Backend) -> None:
    repo = Repository(backend.settings(offline=True))
    backend.opened.append(repo.store)
    repo.store.append_bars("CIFR", bars(FIRST), "yfinance")
    repo.store.add_actions(_actions("Example Capital Markets", "stored", day="2026-09-17"))
    result = repo.load("CIFR")
    bundled = pd.read_csv(ROOT / "data" / "prices" / "CIFR.csv", parse_dates=["date"], index_col="date")
    assert len(result.bars) == len(bundled) + 3 and result.last_bar == date(2026, 9, 18)
    assert result.bars.loc["2026-09-17", "close"] == 15.9
    where = "shared store (yfinance)" if backend.name == "postgres" else "local store (yfinance)"
    assert result.sources == ("bundled snapshot", where)
    actions = repo.actions()
    assert actions.iloc[0]["firm"] == "Example Capital Markets" and actions.iloc[0]["source"] == "yfinance"
    assert repo.data_version("CIFR") != repo.data_version("RIOT") == "0"
