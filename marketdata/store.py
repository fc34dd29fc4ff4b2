"""The store: fetched bars, analyst actions, a fetch log, the watchlist and the refresh worker's request queue.

Two backends share every query (:class:`SqlStore`): SQLite from the standard library (:class:`Store`, the
default: one file in the data directory) and PostgreSQL (:class:`marketdata.pgstore.PostgresStore`, chosen by
``LEVELS_DATABASE_URL``; see :func:`open_store`). The guarantees are the same on both:

* rows are only ever inserted (``INSERT OR IGNORE`` / ``ON CONFLICT DO NOTHING``), never updated or deleted, so a
  failed or partial refresh cannot remove or corrupt what is stored; every write is one transaction. Analyst
  actions a user enters by hand live in ``user_actions``; removing one inserts a row into
  ``user_action_retractions`` (the entry stays);
* bad bars are rejected and logged before they reach a table (:func:`marketdata.bars.clean_bars`);
* the schema is brought up to date by the versioned migrations of :mod:`marketdata.schema`, recorded in the
  store; a store whose schema is newer than the app is refused with :class:`SchemaTooNew`;
* each write that adds rows also adds a ``data_changes`` row (kind, symbol): :meth:`SqlStore.versions` reads the
  newest of them as a cheap data version for cache keys, so other processes' writes are seen.

SQLite runs in WAL mode and keeps its schema version in ``meta``.
"""

from __future__ import annotations

import fcntl
import logging
import math
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, cast

import pandas as pd

from marketdata import schema
from marketdata.actions import COLUMNS as ACTION_COLUMNS
from marketdata.actions import empty_actions, firm_key, normalize_actions
from marketdata.bars import COLUMNS as BAR_COLUMNS
from marketdata.bars import clean_bars, empty_bars
from marketdata.positions import Position, make_position

if TYPE_CHECKING:
    from marketdata.config import Settings

LOG = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = schema.render(schema.MIGRATIONS, "sqlite")
SCHEMA_VERSION = len(MIGRATIONS)

ChangeKind = Literal["bars", "actions", "user_actions", "watchlist", "requests", "positions"]
RequestPurpose = Literal["watchlist", "view"]  # the add box / a ticker link
RequestOutcome = Literal["added", "fetched", "not_found", "capped"]


class StoreError(RuntimeError):
    """The store could not be opened, read or written (e.g. a corrupt file); nothing was changed."""


class StoreUnavailable(StoreError):
    """The database server cannot be reached (down, refusing connections, no free connection in time).

    ``reason`` says which, in words a user understands (no host names or addresses).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"shared store unavailable: {reason}")
        self.reason = reason


class SchemaTooNew(StoreError):
    """The store was migrated by a newer version of the app; this one refuses to read or write it."""


@dataclass(frozen=True)
class FetchRecord:
    """One row of the fetch log."""

    symbol: str
    source: str
    kind: str
    started_at: datetime
    finished_at: datetime
    rows: int
    outcome: str  # "ok", "empty", "unknown", "error", "skipped"
    message: str


@dataclass(frozen=True)
class SymbolRequest:
    """A symbol a web process asked the refresh worker to fetch; ``outcome`` is None while it is pending.

    ``added``: fetched and added to the watchlist; ``fetched``: fetched (a link's request); ``not_found``: the
    source has no such symbol; ``capped``: the store follows its most symbols already.
    """

    id: int
    symbol: str
    purpose: RequestPurpose
    requested_at: datetime
    outcome: RequestOutcome | None = None
    finished_at: datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class DataVersions:
    """The newest ``data_changes`` id per (kind, symbol); ``latest`` is the newest id of all (0: none)."""

    latest: int = 0
    by_key: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def of(self, kind: ChangeKind, symbol: str = "") -> int:
        """Return the version of ``kind`` (and ``symbol``): it grows whenever rows of it are added; 0 = none yet."""
        return self.by_key.get((kind, symbol), 0)

    def merged(self, rows: Sequence[tuple[object, ...]]) -> DataVersions:
        """Return these versions updated with ``(kind, symbol, max id)`` rows."""
        if not rows:
            return self
        by_key = dict(self.by_key)
        for kind, symbol, newest in rows:
            by_key[(str(kind), str(symbol))] = max(by_key.get((str(kind), str(symbol)), 0), int(str(newest)))
        return DataVersions(max([self.latest, *by_key.values()]), by_key)


def utcnow() -> datetime:
    """Return the current UTC time (timezone-aware)."""
    return datetime.now(UTC)


def _as_date(value: object) -> date:
    """Return a stored day (``date`` from PostgreSQL, ``'YYYY-MM-DD'`` from SQLite) as a date."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_datetime(value: object) -> datetime:
    """Return a stored time (``datetime`` from PostgreSQL, ISO 8601 text from SQLite) as a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


class Tx(Protocol):
    """One open write transaction of a backend (SQL with ``?`` placeholders)."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one statement; return the number of rows it inserted."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> int:
        """Run one statement per row; return the number of rows inserted in all."""
        ...

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """Run one statement that returns rows (e.g. ``INSERT ... RETURNING``); return them."""
        ...


class SqlStore:
    """The queries both backends share. A backend provides :meth:`_read`, :meth:`_transaction`, :meth:`check`,
    :meth:`refresh_lock` and the way dates and times are passed (:meth:`_day`, :meth:`_stamp`).

    SQL is written with ``?`` placeholders; inserts that may meet a stored row go through :meth:`_insert`.
    """

    dialect: schema.Dialect = "sqlite"
    shared = False  # True: a database server several processes use (its outage is a StoreUnavailable)

    def __init__(self, version_ttl: float = 0.0) -> None:
        self.version_ttl = version_ttl
        self._versions = DataVersions()
        self._versions_read_at = -math.inf
        self._versions_lock = threading.Lock()

    # --- what a backend provides --------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[object] = (), table: str = "bars") -> list[tuple[object, ...]]:
        """Run a read query; a store that does not hold ``table`` yet reads as empty."""
        raise NotImplementedError

    @contextmanager
    def _transaction(self) -> Iterator[Tx]:
        """Open a write transaction (migrating the schema first when needed); commit on success."""
        raise NotImplementedError
        yield  # pragma: no cover

    def check(self) -> None:
        """Raise :class:`StoreError` if the store exists but cannot be used."""
        raise NotImplementedError

    @contextmanager
    def refresh_lock(self) -> Iterator[bool]:
        """Try to become the one refresh worker: yield True while holding the lock, False if another holds it.

        The lock is released when the block ends or the process dies.
        """
        raise NotImplementedError
        yield False  # pragma: no cover

    def close(self) -> None:
        """Release the backend's connections (a no-op for SQLite)."""

    def _day(self, day: date) -> object:
        """Return ``day`` as the backend stores it."""
        return day.isoformat()

    def _stamp(self, moment: datetime, timespec: str = "auto") -> object:
        """Return ``moment`` as the backend stores it."""
        return moment.isoformat(timespec=timespec)

    def _insert(self, table: str, columns: Sequence[str]) -> str:
        """Return an insert that skips rows whose key is already stored."""
        marks = ", ".join("?" * len(columns))
        return f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})"

    def _serialize_changes(self, tx: Tx) -> None:
        """Make ``data_changes`` ids grow in commit order (SQLite: writers are serialized already)."""

    def _serialize_requests(self, tx: Tx) -> None:
        """Let no other request transaction run between this one's count and insert (SQLite: already so)."""

    # --- data versions --------------------------------------------------------------------------

    def _changed(self, tx: Tx, kind: ChangeKind, symbol: str, rows: int) -> None:
        """Record, inside ``tx``, that ``rows`` rows of ``kind`` were added (nothing when none were)."""
        if rows <= 0:
            return
        self._serialize_changes(tx)  # last statement before the commit: the lock is held only briefly
        tx.execute(
            "INSERT INTO data_changes (kind, symbol, rows, changed_at) VALUES (?, ?, ?, ?)",
            (kind, symbol, rows, self._stamp(utcnow(), "seconds")),
        )

    def _wrote(self) -> None:
        """Forget the cached versions after a write through this store (so it is seen at once)."""
        with self._versions_lock:
            self._versions_read_at = -math.inf

    def versions(self) -> DataVersions:
        """Return the data versions, read from the store at most once per ``version_ttl`` seconds.

        Only ``data_changes`` rows newer than the last read are fetched (one indexed query); writes through this
        store object are seen at once, other processes' writes within ``version_ttl``.
        """
        now = time.monotonic()
        with self._versions_lock:
            if now - self._versions_read_at < self.version_ttl:
                return self._versions
            known = self._versions
        rows = self._read(
            "SELECT kind, symbol, MAX(id) FROM data_changes WHERE id > ? GROUP BY kind, symbol"
            " UNION ALL SELECT '', '', COALESCE(MAX(id), 0) FROM data_changes",
            (known.latest,), table="data_changes",
        )
        newest = max((int(str(r[2])) for r in rows if r[0] == ""), default=0)
        if newest < known.latest:  # the store was replaced by an older copy: read everything again
            known = DataVersions()
            rows = self._read("SELECT kind, symbol, MAX(id) FROM data_changes GROUP BY kind, symbol",
                              table="data_changes")
        fresh = known.merged([r for r in rows if r[0] != ""])
        with self._versions_lock:
            self._versions, self._versions_read_at = fresh, now
        return fresh

    # --- bars -------------------------------------------------------------------------------

    def bars(self, symbol: str) -> pd.DataFrame:
        """Return the stored bars for ``symbol`` as a bars frame (empty if none)."""
        rows = self._read(
            "SELECT date, open, high, low, close, volume FROM bars WHERE symbol = ? ORDER BY date", (symbol,)
        )
        if not rows:
            return empty_bars()
        frame = pd.DataFrame(rows, columns=["date", *BAR_COLUMNS])
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("date").map(_as_date)), name="date")
        return frame.astype("float64")

    def last_bar_date(self, symbol: str) -> date | None:
        """Return the date of the last stored bar for ``symbol``, or None."""
        rows = self._read("SELECT MAX(date) FROM bars WHERE symbol = ?", (symbol,))
        return _as_date(rows[0][0]) if rows and rows[0][0] else None

    def bar_count(self, symbol: str | None = None) -> int:
        """Return the number of stored bars (for ``symbol``, or all)."""
        if symbol is None:
            rows = self._read("SELECT COUNT(*) FROM bars")
        else:
            rows = self._read("SELECT COUNT(*) FROM bars WHERE symbol = ?", (symbol,))
        return int(str(rows[0][0])) if rows else 0

    def symbols(self) -> list[str]:
        """Return the symbols with stored bars, sorted."""
        return [str(r[0]) for r in self._read("SELECT DISTINCT symbol FROM bars ORDER BY symbol")]

    def append_bars(self, symbol: str, bars: pd.DataFrame, source: str) -> int:
        """Insert the valid rows of ``bars`` for ``symbol`` in one transaction; return rows added.

        Dates already stored are left as they are (never overwritten). Rows :func:`clean_bars` rejects (missing or
        non-positive prices, high below low, repeated dates, ...) are logged and not stored.
        """
        if bars.empty:
            return 0
        bars, rejected = clean_bars(bars)
        for row in rejected:
            LOG.warning("%s %s not stored (from %s): %s", symbol, row.date, source, row.reason)
        if bars.empty:
            return 0
        stamp = self._stamp(utcnow(), "seconds")
        rows = [
            (symbol, self._day(ts.date()), float(r.open), float(r.high), float(r.low), float(r.close),
             float(r.volume), source, stamp)
            for ts, r in zip(bars.index, bars.itertuples(index=False), strict=True)
        ]
        columns = ("symbol", "date", "open", "high", "low", "close", "volume", "source", "fetched_at")
        with self._transaction() as tx:
            added = tx.executemany(self._insert("bars", columns), rows)
            self._changed(tx, "bars", symbol, added)
        self._wrote()
        return added

    # --- analyst actions ----------------------------------------------------------------------

    def actions(self) -> pd.DataFrame:
        """Return the stored analyst actions as an actions frame, newest first."""
        cols = list(ACTION_COLUMNS)
        rows = self._read(f"SELECT {', '.join(cols)} FROM actions ORDER BY date DESC")
        if not rows:
            return empty_actions()
        frame = pd.DataFrame(rows, columns=cols)
        for col in ("date", "target_horizon"):
            frame[col] = frame[col].map(lambda v: None if v is None else _as_date(v).isoformat())
        return normalize_actions(frame)

    def add_actions(self, actions: pd.DataFrame) -> int:
        """Insert an actions frame in one transaction; return rows added (known actions are kept as they are)."""
        if actions.empty:
            return 0
        stamp = self._stamp(utcnow(), "seconds")
        rows = []
        for r in actions.itertuples(index=False):
            rows.append((
                self._day(r.date.date()), r.ticker, firm_key(r.firm), r.company, r.firm, r.analysts, r.action,
                r.rating_from, r.rating_to,
                None if pd.isna(r.target_from) else float(r.target_from),
                None if pd.isna(r.target_to) else float(r.target_to),
                None if pd.isna(r.target_horizon) else self._day(r.target_horizon.date()),
                r.note, r.source, stamp,
            ))
        columns = ("date", "ticker", "firm_key", "company", "firm", "analysts", "action", "rating_from",
                   "rating_to", "target_from", "target_to", "target_horizon", "note", "source", "fetched_at")
        with self._transaction() as tx:
            added = tx.executemany(self._insert("actions", columns), rows)
            self._changed(tx, "actions", "", added)
        self._wrote()
        return added

    # --- fetch log ------------------------------------------------------------------------------

    def log_fetch(self, record: FetchRecord) -> None:
        """Append one row to the fetch log."""
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO fetch_log (symbol, source, kind, started_at, finished_at, rows, outcome, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.symbol, record.source, record.kind, self._stamp(record.started_at),
                 self._stamp(record.finished_at), record.rows, record.outcome, record.message[:500]),
            )

    def _records(self, where: str, params: tuple[object, ...], limit: int) -> list[FetchRecord]:
        rows = self._read(
            "SELECT symbol, source, kind, started_at, finished_at, rows, outcome, message FROM fetch_log"
            f" WHERE {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [
            FetchRecord(str(s), str(src), str(k), _as_datetime(a), _as_datetime(b), int(str(n)), str(o), str(m))
            for s, src, k, a, b, n, o, m in rows
        ]

    def last_fetch(self, symbol: str, kind: str = "bars") -> FetchRecord | None:
        """Return the latest fetch-log row for ``symbol`` and ``kind``, or None."""
        found = self._records("symbol = ? AND kind = ?", (symbol, kind), 1)
        return found[0] if found else None

    def last_failure(self, source: str) -> FetchRecord | None:
        """Return the latest failed fetch of ``source`` if it is the source's latest attempt, else None.

        Skipped attempts and answers for unknown symbols (``unknown``: the source works, the symbol does not
        exist there) do not count.
        """
        found = self._records("source = ? AND outcome NOT IN ('skipped', 'unknown')", (source,), 1)
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
        with self._transaction() as tx:
            added = tx.execute(self._insert("watchlist", ("symbol", "added_at")),
                               (symbol, self._stamp(utcnow(), "seconds")))
            self._changed(tx, "watchlist", "", added)
        self._wrote()

    # --- analyst actions entered by hand -------------------------------------------------------------------

    def add_user_action(self, action: pd.DataFrame, user: str) -> str:
        """Insert the one row of ``action`` (an actions frame) as entered by ``user``; return its new id."""
        if len(action) != 1:
            raise ValueError("add_user_action takes exactly one row")
        r = next(action.itertuples(index=False))
        entry = uuid.uuid4().hex
        row = (
            entry, self._day(r.date.date()), r.ticker, r.company, r.firm, r.analysts, r.action, r.rating_from,
            r.rating_to, None if pd.isna(r.target_from) else float(r.target_from),
            None if pd.isna(r.target_to) else float(r.target_to),
            None if pd.isna(r.target_horizon) else self._day(r.target_horizon.date()), r.note, r.source,
            user, self._stamp(utcnow(), "seconds"),
        )
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO user_actions (id, date, ticker, company, firm, analysts, action, rating_from, rating_to,"
                " target_from, target_to, target_horizon, note, source, entered_by, entered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            self._changed(tx, "user_actions", "", 1)
        self._wrote()
        return entry

    def retract_user_action(self, entry: str, user: str) -> bool:
        """Record that ``user`` removed their entry ``entry``; return False (and write nothing) when the entry is
        not theirs, unknown or already removed."""
        with self._transaction() as tx:
            owner = tx.query("SELECT entered_by FROM user_actions WHERE id = ?", (entry,))
            if not owner or owner[0][0] != user:
                return False
            added = tx.execute(self._insert("user_action_retractions", ("action_id", "retracted_by", "retracted_at")),
                               (entry, user, self._stamp(utcnow(), "seconds")))
            self._changed(tx, "user_actions", "", added)
        self._wrote()
        return added == 1

    def user_actions(self, include_retracted: bool = False) -> pd.DataFrame:
        """Return the hand-entered actions as an actions frame (origin ``user``) with ``entry_id``, ``entered_by``,
        ``entered_at`` (ISO 8601 text) and ``retracted`` columns, newest first; retracted entries only when asked."""
        cols = list(ACTION_COLUMNS)
        rows = self._read(  # (a store written before migration 2, and not written since, has no such table)
            f"SELECT {', '.join('u.' + c for c in cols)}, u.id, u.entered_by, u.entered_at,"
            " r.action_id IS NOT NULL FROM user_actions u"
            " LEFT JOIN user_action_retractions r ON r.action_id = u.id ORDER BY u.entered_at DESC",
            table="user_actions",
        )
        extra = ["entry_id", "entered_by", "entered_at", "retracted"]
        if not rows:
            return empty_actions().assign(**{c: pd.Series(dtype=object) for c in extra})
        raw = pd.DataFrame(rows, columns=[*cols, *extra])
        for col in ("date", "target_horizon"):
            raw[col] = raw[col].map(lambda v: None if v is None else _as_date(v).isoformat())
        raw["entered_at"] = raw["entered_at"].map(lambda v: _as_datetime(v).isoformat())
        frame = normalize_actions(raw.assign(retracted=raw["retracted"].astype(bool)), origin="user",
                                  keep=tuple(extra))
        return frame if include_retracted else frame[~frame["retracted"]].reset_index(drop=True)

    # --- positions (per owner; a history of set/remove rows, the newest per symbol counts) --------------------

    def set_position(self, owner: str, position: Position) -> None:
        """Record ``owner``'s position (checked again here: :class:`InvalidPosition` leaves nothing written)."""
        checked = make_position(position.symbol, position.shares, position.avg_cost)
        self._position_event(owner, checked.symbol, "set", checked.shares, checked.avg_cost)

    def remove_position(self, owner: str, symbol: str) -> bool:
        """Record that ``owner`` no longer holds ``symbol``; return False (nothing written) if they did not."""
        if symbol not in self.positions(owner):
            return False
        self._position_event(owner, symbol, "remove", None, None)
        return True

    def _position_event(self, owner: str, symbol: str, kind: str, shares: float | None,
                        avg_cost: float | None) -> None:
        with self._transaction() as tx:
            added = tx.execute(
                "INSERT INTO position_events (owner, symbol, kind, shares, avg_cost, entered_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", (owner, symbol, kind, shares, avg_cost, self._stamp(utcnow())),
            )
            self._changed(tx, "positions", owner, added)
        self._wrote()

    def positions(self, owner: str) -> dict[str, Position]:
        """Return ``owner``'s current positions by symbol (the newest row per symbol, when it is a 'set')."""
        rows = self._read(
            "SELECT e.symbol, e.kind, e.shares, e.avg_cost FROM position_events e"
            " WHERE e.owner = ? AND e.id = (SELECT MAX(id) FROM position_events"
            " WHERE owner = e.owner AND symbol = e.symbol) ORDER BY e.symbol",
            (owner,), table="position_events",
        )
        return {str(sym): Position(str(sym), float(str(sh)), float(str(cost)))
                for sym, kind, sh, cost in rows if kind == "set"}

    # --- symbol requests (team mode: web processes ask, the refresh worker fetches) -------------------

    def request_symbol(self, symbol: str, purpose: RequestPurpose, limit: int | None = None,
                       base: Iterable[str] = ()) -> int | None:
        """Queue a request for the refresh worker to fetch ``symbol``; return the request's id.

        With ``limit``: only while the followed symbols other than ``symbol`` (``base``, the watchlist, the symbols
        with stored bars and those queued) are fewer than ``limit``; None (nothing queued) otherwise. The count and
        the insert are one transaction that no other request can interleave with, so processes queueing at once
        cannot pass the limit together.
        """
        with self._transaction() as tx:
            self._serialize_requests(tx)
            if limit is not None:
                rows = tx.query(
                    "SELECT symbol FROM watchlist UNION SELECT DISTINCT symbol FROM bars UNION SELECT r.symbol"
                    " FROM symbol_requests r LEFT JOIN symbol_request_results x ON x.request_id = r.id"
                    " WHERE x.request_id IS NULL"
                )
                if len(({str(r[0]) for r in rows} | set(base)) - {symbol}) >= limit:
                    return None
            inserted = tx.query(
                "INSERT INTO symbol_requests (symbol, purpose, requested_at) VALUES (?, ?, ?) RETURNING id",
                (symbol, purpose, self._stamp(utcnow())),
            )
            self._changed(tx, "requests", "", 1)
        self._wrote()
        return int(str(inserted[0][0]))

    def finish_request(self, request_id: int, outcome: RequestOutcome, message: str = "") -> None:
        """Record what came of a request (once; a second answer for the same request is ignored)."""
        with self._transaction() as tx:
            added = tx.execute(
                self._insert("symbol_request_results", ("request_id", "finished_at", "outcome", "message")),
                (request_id, self._stamp(utcnow()), outcome, message[:500]),
            )
            self._changed(tx, "requests", "", added)
        self._wrote()

    def symbol_requests(self, pending_only: bool = False, limit: int = 100) -> list[SymbolRequest]:
        """Return symbol requests, oldest first when ``pending_only``, else the newest ``limit`` newest first."""
        where, order = ("WHERE x.request_id IS NULL", "r.id") if pending_only else ("", "r.id DESC")
        rows = self._read(
            "SELECT r.id, r.symbol, r.purpose, r.requested_at, x.outcome, x.finished_at, x.message"
            " FROM symbol_requests r LEFT JOIN symbol_request_results x ON x.request_id = r.id"
            f" {where} ORDER BY {order} LIMIT ?",
            (limit,), table="symbol_requests",
        )
        return [
            SymbolRequest(int(str(i)), str(s), cast(RequestPurpose, p), _as_datetime(at),
                          cast(RequestOutcome | None, o), None if f is None else _as_datetime(f),
                          "" if m is None else str(m))
            for i, s, p, at, o, f, m in rows
        ]


# --- SQLite -------------------------------------------------------------------------------------------------


class _SqliteTx:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        before = self.con.total_changes
        self.con.execute(sql, tuple(params))
        return self.con.total_changes - before

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> int:
        before = self.con.total_changes
        self.con.executemany(sql, rows)
        return self.con.total_changes - before

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        return self.con.execute(sql, tuple(params)).fetchall()


class Store(SqlStore):
    """SQLite store at ``path``; the file and its folder are created on first write."""

    def __init__(self, path: Path, version_ttl: float = 0.0) -> None:
        super().__init__(version_ttl)
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
            raise SchemaTooNew(f"store schema {version} is newer than this app ({SCHEMA_VERSION})")
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
                busy = exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
                if not busy or time.monotonic() > deadline:
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
                raise SchemaTooNew(f"store schema {version} is newer than this app ({SCHEMA_VERSION})")
            for step in range(version, SCHEMA_VERSION):
                for statement in schema.statements(MIGRATIONS[step]):
                    con.execute(statement)
            if version != SCHEMA_VERSION:
                con.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _read(self, sql: str, params: Sequence[object] = (), table: str = "bars") -> list[tuple[object, ...]]:
        try:
            with self._connect() as con:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if "bars" not in tables or table not in tables:
                    return []
                return con.execute(sql, tuple(params)).fetchall()
        except FileNotFoundError:
            return []

    @contextmanager
    def _transaction(self) -> Iterator[Tx]:
        with self._connect(write=True) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def check(self) -> None:
        """Raise :class:`StoreError` if the file exists but is not a healthy database."""
        try:
            with self._connect() as con:
                result = con.execute("PRAGMA quick_check").fetchone()
                if not result or result[0] != "ok":
                    raise StoreError(f"local store {self.path} failed its integrity check: {result}")
        except FileNotFoundError:
            return

    @contextmanager
    def refresh_lock(self) -> Iterator[bool]:
        """A ``flock`` on ``<store>.refresh-lock`` next to the file (released by the kernel if the process dies)."""
        lock_path = self.path.with_name(self.path.name + ".refresh-lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def is_postgres_url(url: str) -> bool:
    """Return True for a ``postgresql://`` (or ``postgres://``) connection URL."""
    return url.startswith(("postgresql://", "postgres://"))


def store_at(target: str | Path, version_ttl: float = 0.0) -> SqlStore:
    """Return the store at ``target``: a ``postgresql://`` URL, or the path of an SQLite file."""
    if isinstance(target, str) and is_postgres_url(target):
        from marketdata.pgstore import PostgresStore

        return PostgresStore(target, version_ttl=version_ttl)
    return Store(Path(target), version_ttl=version_ttl)


def open_store(settings: Settings) -> SqlStore:
    """Return the store the settings name: PostgreSQL for a ``LEVELS_DATABASE_URL``, else the SQLite file."""
    if settings.database_url:
        from marketdata.pgstore import PostgresStore

        return PostgresStore(settings.database_url, version_ttl=settings.version_ttl,
                             timeout=settings.database_timeout)
    return Store(settings.db_path, version_ttl=settings.version_ttl)
