"""The PostgreSQL store (team mode): the queries of :class:`marketdata.store.SqlStore` on a shared server.

Chosen by ``LEVELS_DATABASE_URL=postgresql://user:password@host:port/dbname`` (see :func:`marketdata.store.open_store`).
Connections come from a small ``psycopg_pool`` pool (autocommit for reads, one transaction per write, session time
zone UTC, a 30 s statement timeout). Dates are ``DATE``, times ``TIMESTAMPTZ``, prices ``DOUBLE PRECISION``.

* Migrations: the same list as SQLite (:mod:`marketdata.schema`), applied under an advisory lock in one
  transaction (PostgreSQL DDL is transactional: a failing migration leaves nothing behind), each version recorded
  in ``schema_migrations``; a newer schema is refused (:class:`SchemaTooNew`) on the first read and every write.
* ``data_changes`` ids grow in commit order: a write takes a transaction-level advisory lock just before it adds
  its ``data_changes`` row, so a reader that has seen id N has seen every commit up to N.
* Symbol requests are counted against the limit and inserted under a transaction-level advisory lock, so replicas
  queueing at once cannot pass the limit together.
* The refresh worker's lock is a session-level advisory lock on a connection of its own: released when the pass
  ends, or when the worker's connection dies with it.
* Outage: when no connection can be had within ``timeout`` seconds the store raises :class:`StoreUnavailable`
  and, for the next :data:`RETRY_AFTER` seconds, raises it again at once instead of waiting (pages stay fast while
  the server is down); then it tries again, so the app recovers without a restart. A read on a connection the
  server dropped (a restart) is retried once on a fresh one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool

from marketdata import schema
from marketdata.store import SchemaTooNew, SqlStore, StoreError, StoreUnavailable, Tx

LOG = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = schema.render(schema.MIGRATIONS, "postgres")
SCHEMA_VERSION = len(MIGRATIONS)

LOCK_NAMESPACE = 0x4C56  # advisory locks are (namespace, key) pairs of int4
MIGRATION_LOCK = (LOCK_NAMESPACE, 1)
CHANGES_LOCK = (LOCK_NAMESPACE, 2)
REFRESH_LOCK = (LOCK_NAMESPACE, 3)
REQUESTS_LOCK = (LOCK_NAMESPACE, 4)
POOL_SIZE = 4
RETRY_AFTER = 2.0  # seconds an unreachable server is not asked again
LOST = "the connection to the database server was lost"


def _pg(sql: str) -> str:
    """Return SQL written with ``?`` placeholders in psycopg's ``%s`` style (our SQL holds no literal ? or %)."""
    return sql.replace("?", "%s")


class _Broken(Exception):
    """A pooled connection turned out to be dead (the server restarted or went away)."""


class _PgTx:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        return max(self.conn.execute(_pg(sql), tuple(params)).rowcount, 0)

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> int:
        with self.conn.cursor() as cur:
            cur.executemany(_pg(sql), rows)
            return max(cur.rowcount, 0)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        return self.conn.execute(_pg(sql), tuple(params)).fetchall()


def _configure(conn: psycopg.Connection) -> None:
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute("SET statement_timeout = '30s'")


class PostgresStore(SqlStore):
    """PostgreSQL store at ``url``; tables are created on the first write. Thread-safe; :meth:`close` when done."""

    dialect = "postgres"
    shared = True

    def __init__(self, url: str, version_ttl: float = 0.0, timeout: float = 3.0, pool_size: int = POOL_SIZE) -> None:
        super().__init__(version_ttl)
        self.url = url
        self.timeout = timeout
        self.pool_size = pool_size
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()
        self._down_until = 0.0
        self._down_reason = ""
        self._verified = False

    def __repr__(self) -> str:
        return f"PostgresStore({psycopg.conninfo.make_conninfo(self.url, password='…')!r})"

    # --- connections -----------------------------------------------------------------------------

    def _connect_kwargs(self) -> dict[str, Any]:
        return {"autocommit": True, "connect_timeout": max(1, round(self.timeout)),
                "application_name": "levels-dashboard"}

    def _get_pool(self) -> ConnectionPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.url, min_size=1, max_size=self.pool_size, open=False, timeout=self.timeout,
                    reconnect_timeout=max(self.timeout, 1.0), kwargs=self._connect_kwargs(), configure=_configure,
                    name="levels-store",
                )
                self._pool.open(wait=False)
            return self._pool

    def _trip(self, why: str, exc: BaseException) -> StoreUnavailable:
        LOG.warning("PostgreSQL store unavailable (%s): %s", why, exc)
        self._down_until = time.monotonic() + RETRY_AFTER
        self._down_reason = why
        return StoreUnavailable(why)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """Yield a pooled connection; map driver errors to store errors (see the module docstring)."""
        if time.monotonic() < self._down_until:
            raise StoreUnavailable(self._down_reason)
        pool = self._get_pool()
        try:
            conn = pool.getconn(timeout=self.timeout)
        except psycopg.OperationalError as exc:  # includes PoolTimeout
            raise self._trip("cannot connect to the database server", exc) from exc
        try:
            yield conn
        except psycopg.OperationalError as exc:
            if conn.broken or conn.closed:
                raise _Broken(str(exc)) from exc
            raise StoreError(f"shared store error: {exc}") from exc
        except psycopg.Error as exc:
            raise StoreError(f"shared store error: {exc}") from exc
        finally:
            pool.putconn(conn)

    def _dropped(self, exc: _Broken) -> None:
        """A connection was found dead: let the pool drop its other dead idle connections."""
        LOG.warning("PostgreSQL connection lost: %s", exc)
        try:
            if self._pool is not None:
                self._pool.check()
        except psycopg.Error:  # the server is still away: the next attempt will say so
            pass

    # --- schema ------------------------------------------------------------------------------------

    @staticmethod
    def _schema_version(conn: psycopg.Connection) -> int:
        exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return 0
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
        return int(row[0]) if row else 0

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(f"store schema {version} is newer than this app ({SCHEMA_VERSION})")

    def _migrate(self, conn: psycopg.Connection) -> None:
        """Bring the schema up to date (one transaction, under the migration lock); refuse a newer one."""
        version = self._schema_version(conn)
        self._refuse_newer(version)
        if version == SCHEMA_VERSION:
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", MIGRATION_LOCK)
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations"
                         " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            version = self._schema_version(conn)  # another process may have migrated while we waited
            self._refuse_newer(version)
            for step in range(version, SCHEMA_VERSION):
                for statement in schema.statements(MIGRATIONS[step]):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (step + 1,))
            LOG.info("PostgreSQL store migrated from schema %s to %s", version, SCHEMA_VERSION)

    def schema_versions(self) -> list[int]:
        """Return the applied schema versions, in order (empty for a database never written to)."""
        rows = self._read("SELECT version FROM schema_migrations ORDER BY version", table="schema_migrations")
        return [int(str(r[0])) for r in rows]

    # --- what SqlStore needs ---------------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[object] = (), table: str = "bars") -> list[tuple[object, ...]]:
        for attempt in (1, 2):
            try:
                with self._connection() as conn:
                    if not self._verified:
                        self._refuse_newer(self._schema_version(conn))
                        self._verified = True
                    try:
                        return conn.execute(_pg(sql), tuple(params)).fetchall()
                    except pg_errors.UndefinedTable:
                        return []  # nothing written yet: reads as empty, like a missing SQLite file
            except _Broken as exc:
                self._dropped(exc)
                if attempt == 2:
                    raise StoreUnavailable(LOST) from exc
        raise AssertionError("unreachable")

    @contextmanager
    def _transaction(self) -> Iterator[Tx]:
        try:
            with self._connection() as conn:
                self._migrate(conn)
                with conn.transaction():
                    yield _PgTx(conn)
        except _Broken as exc:
            self._dropped(exc)
            raise StoreUnavailable(LOST) from exc
        self._verified = True

    def _serialize_changes(self, tx: Tx) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?, ?)", CHANGES_LOCK)

    def _serialize_requests(self, tx: Tx) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?, ?)", REQUESTS_LOCK)

    def _insert(self, table: str, columns: Sequence[str]) -> str:
        marks = ", ".join("?" * len(columns))
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING"

    def _day(self, day: date) -> object:
        return day

    def _stamp(self, moment: datetime, timespec: str = "auto") -> object:
        return moment.replace(microsecond=0) if timespec == "seconds" else moment

    def check(self) -> None:
        """Raise :class:`StoreError` unless the server answers and the schema is not newer than the app."""
        try:
            with self._connection() as conn:
                self._refuse_newer(self._schema_version(conn))
        except _Broken as exc:
            self._dropped(exc)
            raise StoreUnavailable(LOST) from exc

    @contextmanager
    def refresh_lock(self) -> Iterator[bool]:
        try:
            conn = psycopg.connect(self.url, **self._connect_kwargs())
        except psycopg.OperationalError as exc:
            raise self._trip("cannot connect to the database server", exc) from exc
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", REFRESH_LOCK).fetchone()
            yield bool(row and row[0])
        finally:
            conn.close()  # ends the session, which releases the lock

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
