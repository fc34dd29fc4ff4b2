"""The local store: SQLite (standard library) holding fetched bars, analyst actions and a fetch log.

Writes happen in transactions; rows are only ever inserted (``INSERT OR IGNORE``), never updated or
deleted, so a failed or partial refresh cannot remove or corrupt what is stored. Analyst actions a user enters by
hand live in ``user_actions``; removing one inserts a row into ``user_action_retractions`` (the entry stays).
The database runs in WAL mode and carries a schema version in ``meta`` that :data:`MIGRATIONS` brings up to date.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from marketdata.actions import COLUMNS as ACTION_COLUMNS
from marketdata.actions import empty_actions, firm_key, normalize_actions
from marketdata.bars import COLUMNS as BAR_COLUMNS
from marketdata.bars import empty_bars

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE bars (
        symbol TEXT NOT NULL, date TEXT NOT NULL,
        open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
        volume REAL NOT NULL, source TEXT NOT NULL, fetched_at TEXT NOT NULL,
        PRIMARY KEY (symbol, date)
    ) WITHOUT ROWID;
    CREATE TABLE actions (
        date TEXT NOT NULL, ticker TEXT NOT NULL, firm_key TEXT NOT NULL,
        company TEXT, firm TEXT NOT NULL, analysts TEXT, action TEXT NOT NULL,
        rating_from TEXT, rating_to TEXT, target_from REAL, target_to REAL,
        target_horizon TEXT, note TEXT, source TEXT NOT NULL, fetched_at TEXT NOT NULL,
        PRIMARY KEY (date, ticker, firm_key)
    );
    CREATE TABLE fetch_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        symbol TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
        started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
        rows INTEGER NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX fetch_log_symbol ON fetch_log (symbol, kind, id);
    CREATE TABLE watchlist (symbol TEXT PRIMARY KEY, added_at TEXT NOT NULL);
    """,
    # 2: analyst actions entered by hand, and their retractions (a retraction is a row, nothing is deleted).
    """
    CREATE TABLE user_actions (
        id TEXT PRIMARY KEY,
        date TEXT NOT NULL, ticker TEXT NOT NULL, company TEXT, firm TEXT NOT NULL, analysts TEXT,
        action TEXT NOT NULL, rating_from TEXT, rating_to TEXT, target_from REAL, target_to REAL,
        target_horizon TEXT, note TEXT, source TEXT,
        entered_by TEXT NOT NULL, entered_at TEXT NOT NULL
    );
    CREATE TABLE user_action_retractions (
        action_id TEXT PRIMARY KEY REFERENCES user_actions (id),
        retracted_by TEXT NOT NULL, retracted_at TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(RuntimeError):
    """The store file could not be opened or read (e.g. corrupt); the file is left untouched."""


@dataclass(frozen=True)
class FetchRecord:
    """One row of the fetch log."""

    symbol: str
    source: str
    kind: str
    started_at: datetime
    finished_at: datetime
    rows: int
    outcome: str  # "ok", "empty", "error", "skipped"
    message: str


def utcnow() -> datetime:
    """Return the current UTC time (timezone-aware)."""
    return datetime.now(UTC)


class Store:
    """SQLite store at ``path``; the file and its folder are created on first write."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._verified = False  # the file passed _verify once: reads need not check it again

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not write and not self.path.exists():
            raise FileNotFoundError(self.path)
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from exc
        try:
            con.execute("PRAGMA busy_timeout = 10000")
            if write or not self._verified:
                self._verify(con)  # before anything (even the switch to WAL) can write to the file
            if write:
                self._enable_wal(con)
                con.execute("PRAGMA synchronous = NORMAL")
                self._migrate(con)
            yield con
        except sqlite3.DatabaseError as exc:
            self._verified = False
            raise StoreError(f"local store {self.path} is unreadable: {exc}") from exc
        finally:
            con.close()

    def _verify(self, con: sqlite3.Connection) -> None:
        """Raise :class:`StoreError` unless the file passes ``PRAGMA quick_check`` and its schema is not newer.

        Run once per :class:`Store` before reading and before every write, so damage that a query would not
        touch (a corrupt page of another symbol, a truncated file) is noticed and the file is never written to.
        """
        result = con.execute("PRAGMA quick_check").fetchone()
        if not result or result[0] != "ok":
            raise StoreError(f"local store {self.path} failed its integrity check: {result[0] if result else '?'}")
        has_meta = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() if has_meta else None
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(f"store schema {version} is newer than this app ({SCHEMA_VERSION})")
        self._verified = True

    @staticmethod
    def _enable_wal(con: sqlite3.Connection) -> None:
        """Switch the file to WAL mode (a no-op once it is in WAL mode).

        While another process holds a write transaction on a file still in rollback-journal mode (two processes
        creating the store at once), SQLite answers the switch with 'database is locked' at once, without
        waiting on the busy timeout; so wait here, for up to the same 10 s.
        """
        deadline = time.monotonic() + 10.0
        while True:
            try:
                con.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    @staticmethod
    def _migrate(con: sqlite3.Connection) -> None:
        con.execute("BEGIN IMMEDIATE")
        try:
            con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(f"store schema {version} is newer than this app ({SCHEMA_VERSION})")
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        con.execute(statement)
            if version != SCHEMA_VERSION:
                con.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run a read query; a store that does not exist yet reads as empty."""
        try:
            with self._connect() as con:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if "bars" not in tables:
                    return []
                return con.execute(sql, params).fetchall()
        except FileNotFoundError:
            return []

    def check(self) -> None:
        """Raise :class:`StoreError` if the file exists but is not a healthy database."""
        try:
            with self._connect() as con:
                result = con.execute("PRAGMA quick_check").fetchone()
                if not result or result[0] != "ok":
                    raise StoreError(f"local store {self.path} failed its integrity check: {result}")
        except FileNotFoundError:
            return

    # --- bars -------------------------------------------------------------------------------

    def bars(self, symbol: str) -> pd.DataFrame:
        """Return the stored bars for ``symbol`` as a bars frame (empty if none)."""
        rows = self._read(
            "SELECT date, open, high, low, close, volume FROM bars WHERE symbol = ? ORDER BY date", (symbol,)
        )
        if not rows:
            return empty_bars()
        frame = pd.DataFrame(rows, columns=["date", *BAR_COLUMNS])
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("date")), name="date")
        return frame.astype("float64")

    def last_bar_date(self, symbol: str) -> date | None:
        """Return the date of the last stored bar for ``symbol``, or None."""
        rows = self._read("SELECT MAX(date) FROM bars WHERE symbol = ?", (symbol,))
        return date.fromisoformat(str(rows[0][0])) if rows and rows[0][0] else None

    def bar_count(self, symbol: str | None = None) -> int:
        """Return the number of stored bars (for ``symbol``, or all)."""
        if symbol is None:
            rows = self._read("SELECT COUNT(*) FROM bars")
        else:
            rows = self._read("SELECT COUNT(*) FROM bars WHERE symbol = ?", (symbol,))
        return int(rows[0][0]) if rows else 0

    def append_bars(self, symbol: str, bars: pd.DataFrame, source: str) -> int:
        """Insert ``bars`` (a cleaned bars frame) for ``symbol`` in one transaction; return rows added.

        Dates already stored are left as they are (never overwritten).
        """
        if bars.empty:
            return 0
        stamp = utcnow().isoformat(timespec="seconds")
        rows = [
            (symbol, ts.strftime("%Y-%m-%d"), float(r.open), float(r.high), float(r.low), float(r.close),
             float(r.volume), source, stamp)
            for ts, r in zip(bars.index, bars.itertuples(index=False), strict=True)
        ]
        with self._connect(write=True) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                before = con.total_changes
                con.executemany(
                    "INSERT OR IGNORE INTO bars (symbol, date, open, high, low, close, volume, source, fetched_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                added = con.total_changes - before
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return added

    # --- analyst actions ----------------------------------------------------------------------

    def actions(self) -> pd.DataFrame:
        """Return the stored analyst actions as an actions frame, newest first."""
        cols = [c for c in ACTION_COLUMNS]
        rows = self._read(f"SELECT {', '.join(cols)} FROM actions ORDER BY date DESC")
        if not rows:
            return empty_actions()
        return normalize_actions(pd.DataFrame(rows, columns=cols))

    def add_actions(self, actions: pd.DataFrame) -> int:
        """Insert an actions frame in one transaction; return rows added (known actions are kept as they are)."""
        if actions.empty:
            return 0
        stamp = utcnow().isoformat(timespec="seconds")
        rows = []
        for r in actions.itertuples(index=False):
            rows.append((
                r.date.strftime("%Y-%m-%d"), r.ticker, firm_key(r.firm), r.company, r.firm, r.analysts, r.action,
                r.rating_from, r.rating_to,
                None if pd.isna(r.target_from) else float(r.target_from),
                None if pd.isna(r.target_to) else float(r.target_to),
                None if pd.isna(r.target_horizon) else r.target_horizon.strftime("%Y-%m-%d"),
                r.note, r.source, stamp,
            ))
        with self._connect(write=True) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                before = con.total_changes
                con.executemany(
                    "INSERT OR IGNORE INTO actions (date, ticker, firm_key, company, firm, analysts, action,"
                    " rating_from, rating_to, target_from, target_to, target_horizon, note, source, fetched_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                added = con.total_changes - before
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return added

    # --- fetch log ------------------------------------------------------------------------------

    def log_fetch(self, record: FetchRecord) -> None:
        """Append one row to the fetch log."""
        with self._connect(write=True) as con:
            con.execute(
                "INSERT INTO fetch_log (symbol, source, kind, started_at, finished_at, rows, outcome, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.symbol, record.source, record.kind, record.started_at.isoformat(),
                 record.finished_at.isoformat(), record.rows, record.outcome, record.message[:500]),
            )

    def _records(self, where: str, params: tuple[object, ...], limit: int) -> list[FetchRecord]:
        rows = self._read(
            "SELECT symbol, source, kind, started_at, finished_at, rows, outcome, message FROM fetch_log"
            f" WHERE {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [
            FetchRecord(str(s), str(src), str(k), datetime.fromisoformat(str(a)), datetime.fromisoformat(str(b)),
                        int(str(n)), str(o), str(m))
            for s, src, k, a, b, n, o, m in rows
        ]

    def last_fetch(self, symbol: str, kind: str = "bars") -> FetchRecord | None:
        """Return the latest fetch-log row for ``symbol`` and ``kind``, or None."""
        found = self._records("symbol = ? AND kind = ?", (symbol, kind), 1)
        return found[0] if found else None

    def last_failure(self, source: str) -> FetchRecord | None:
        """Return the latest failed fetch of ``source`` if it is the source's latest attempt, else None."""
        found = self._records("source = ? AND outcome != 'skipped'", (source,), 1)
        return found[0] if found and found[0].outcome in ("error", "empty") else None

    def fetch_log(self, limit: int = 50) -> list[FetchRecord]:
        """Return the newest ``limit`` fetch-log rows."""
        return self._records("1 = 1", (), limit)

    # --- watchlist ------------------------------------------------------------------------------

    def watchlist(self) -> list[str]:
        """Return the symbols the user added, in the order added."""
        return [str(r[0]) for r in self._read("SELECT symbol FROM watchlist ORDER BY added_at, symbol")]

    def add_to_watchlist(self, symbol: str) -> None:
        """Add ``symbol`` to the user's watchlist (no-op if present)."""
        with self._connect(write=True) as con:
            con.execute(
                "INSERT OR IGNORE INTO watchlist (symbol, added_at) VALUES (?, ?)",
                (symbol, utcnow().isoformat(timespec="seconds")),
            )

    # --- analyst actions entered by hand -------------------------------------------------------------------

    def add_user_action(self, action: pd.DataFrame, user: str) -> str:
        """Insert the one row of ``action`` (an actions frame) as entered by ``user``; return its new id."""
        if len(action) != 1:
            raise ValueError("add_user_action takes exactly one row")
        r = next(action.itertuples(index=False))
        entry = uuid.uuid4().hex
        row = (
            entry, r.date.strftime("%Y-%m-%d"), r.ticker, r.company, r.firm, r.analysts, r.action, r.rating_from,
            r.rating_to, None if pd.isna(r.target_from) else float(r.target_from),
            None if pd.isna(r.target_to) else float(r.target_to),
            None if pd.isna(r.target_horizon) else r.target_horizon.strftime("%Y-%m-%d"), r.note, r.source,
            user, utcnow().isoformat(timespec="seconds"),
        )
        with self._connect(write=True) as con:
            con.execute(
                "INSERT INTO user_actions (id, date, ticker, company, firm, analysts, action, rating_from, rating_to,"
                " target_from, target_to, target_horizon, note, source, entered_by, entered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        return entry

    def retract_user_action(self, entry: str, user: str) -> bool:
        """Record that ``user`` removed their entry ``entry``; return False (and write nothing) when the entry is
        not theirs, unknown or already removed."""
        with self._connect(write=True) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                owner = con.execute("SELECT entered_by FROM user_actions WHERE id = ?", (entry,)).fetchone()
                done = con.execute("SELECT 1 FROM user_action_retractions WHERE action_id = ?", (entry,)).fetchone()
                if owner is None or owner[0] != user or done is not None:
                    con.execute("ROLLBACK")
                    return False
                con.execute(
                    "INSERT INTO user_action_retractions (action_id, retracted_by, retracted_at) VALUES (?, ?, ?)",
                    (entry, user, utcnow().isoformat(timespec="seconds")),
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return True

    def user_actions(self, include_retracted: bool = False) -> pd.DataFrame:
        """Return the hand-entered actions as an actions frame (origin ``user``) with ``entry_id``, ``entered_by``,
        ``entered_at`` and ``retracted`` columns, newest first; retracted entries only when asked for."""
        cols = [c for c in ACTION_COLUMNS]
        rows: list[tuple[object, ...]] = []
        if self._read("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'user_actions'"):
            rows = self._read(  # (a store written before migration 2, and not written since, has no such table)
                f"SELECT {', '.join('u.' + c for c in cols)}, u.id, u.entered_by, u.entered_at,"
                " r.action_id IS NOT NULL FROM user_actions u"
                " LEFT JOIN user_action_retractions r ON r.action_id = u.id ORDER BY u.entered_at DESC"
            )
        extra = ["entry_id", "entered_by", "entered_at", "retracted"]
        if not rows:
            return empty_actions().assign(**{c: pd.Series(dtype=object) for c in extra})
        raw = pd.DataFrame(rows, columns=[*cols, *extra])
        frame = normalize_actions(raw.assign(retracted=raw["retracted"].astype(bool)), origin="user",
                                  keep=tuple(extra))
        return frame if include_retracted else frame[~frame["retracted"]].reset_index(drop=True)
