"""The store's schema: one list of versioned migrations, rendered for SQLite or PostgreSQL.

Each migration is written once with a few type placeholders that differ between the two engines:

=================  ====================================  ==================================================
placeholder        SQLite                                PostgreSQL
=================  ====================================  ==================================================
``{date}``         ``TEXT`` (``YYYY-MM-DD``)             ``DATE``
``{real}``         ``REAL`` (8-byte float)               ``DOUBLE PRECISION`` (PostgreSQL ``REAL`` is 4 bytes)
``{stamp}``        ``TEXT`` (ISO 8601 with offset)       ``TIMESTAMPTZ``
``{bigint}``       ``INTEGER``                           ``BIGINT``
``{id_pk}``        ``INTEGER PRIMARY KEY AUTOINCREMENT`` ``BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY``
``{without_rowid}`` `` WITHOUT ROWID``                   (nothing)
=================  ====================================  ==================================================

To add a table: append a migration (never edit a released one), give every write to it a ``data_changes`` row
(see :mod:`marketdata.store`), and add its methods to ``SqlStore``; both backends then have it. Statements are
separated by ``;`` (so no ``;`` inside a statement). Rows are only ever inserted: no migration and no write
updates or deletes a row of data.
"""

from __future__ import annotations

from typing import Literal

Dialect = Literal["sqlite", "postgres"]

TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {
        "date": "TEXT", "real": "REAL", "stamp": "TEXT", "bigint": "INTEGER",
        "id_pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "without_rowid": " WITHOUT ROWID",
    },
    "postgres": {
        "date": "DATE", "real": "DOUBLE PRECISION", "stamp": "TIMESTAMPTZ", "bigint": "BIGINT",
        "id_pk": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "without_rowid": "",
    },
}

MIGRATIONS: tuple[str, ...] = (
    # 1: bars, analyst actions, the fetch log and the watchlist (the SQLite text is that of the first release).
    """
    CREATE TABLE bars (
        symbol TEXT NOT NULL, date {date} NOT NULL,
        open {real} NOT NULL, high {real} NOT NULL, low {real} NOT NULL, close {real} NOT NULL,
        volume {real} NOT NULL, source TEXT NOT NULL, fetched_at {stamp} NOT NULL,
        PRIMARY KEY (symbol, date)
    ){without_rowid};
    CREATE TABLE actions (
        date {date} NOT NULL, ticker TEXT NOT NULL, firm_key TEXT NOT NULL,
        company TEXT, firm TEXT NOT NULL, analysts TEXT, action TEXT NOT NULL,
        rating_from TEXT, rating_to TEXT, target_from {real}, target_to {real},
        target_horizon {date}, note TEXT, source TEXT NOT NULL, fetched_at {stamp} NOT NULL,
        PRIMARY KEY (date, ticker, firm_key)
    );
    CREATE TABLE fetch_log (
        id {id_pk},
        symbol TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
        started_at {stamp} NOT NULL, finished_at {stamp} NOT NULL,
        rows INTEGER NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX fetch_log_symbol ON fetch_log (symbol, kind, id);
    CREATE TABLE watchlist (symbol TEXT PRIMARY KEY, added_at {stamp} NOT NULL);
    """,
    # 2: analyst actions entered by hand, and their retractions (a retraction is a row, nothing is deleted).
    """
    CREATE TABLE user_actions (
        id TEXT PRIMARY KEY,
        date {date} NOT NULL, ticker TEXT NOT NULL, company TEXT, firm TEXT NOT NULL, analysts TEXT,
        action TEXT NOT NULL, rating_from TEXT, rating_to TEXT, target_from {real}, target_to {real},
        target_horizon {date}, note TEXT, source TEXT,
        entered_by TEXT NOT NULL, entered_at {stamp} NOT NULL
    );
    CREATE TABLE user_action_retractions (
        action_id TEXT PRIMARY KEY REFERENCES user_actions (id),
        retracted_by TEXT NOT NULL, retracted_at {stamp} NOT NULL
    );
    """,
    # 3: team mode. data_changes: one row per write that added rows (the cheap data version of each kind and
    # symbol); symbol_requests: symbols asked for by a web process ('watchlist': the add box, 'view': a link),
    # fetched by the refresh worker, which records what came of each request in symbol_request_results.
    """
    CREATE TABLE data_changes (
        id {id_pk},
        kind TEXT NOT NULL, symbol TEXT NOT NULL, rows INTEGER NOT NULL, changed_at {stamp} NOT NULL
    );
    CREATE INDEX data_changes_key ON data_changes (kind, symbol, id);
    CREATE TABLE symbol_requests (
        id {id_pk},
        symbol TEXT NOT NULL, purpose TEXT NOT NULL, requested_at {stamp} NOT NULL
    );
    CREATE INDEX symbol_requests_symbol ON symbol_requests (symbol, id);
    CREATE TABLE symbol_request_results (
        request_id {bigint} PRIMARY KEY REFERENCES symbol_requests (id),
        finished_at {stamp} NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL DEFAULT ''
    );
    """,
    # 4: the users' positions, as a history: setting a position adds a 'set' row, removing it a 'remove' row; the
    # newest row per owner and symbol is the position. The checks are the field rules of marketdata.positions (NULL
    # is spelled out: a CHECK that evaluates to NULL passes, and SQLite stores a NaN as NULL).
    """
    CREATE TABLE position_events (
        id {id_pk},
        owner TEXT NOT NULL, symbol TEXT NOT NULL, kind TEXT NOT NULL,
        shares {real}, avg_cost {real}, entered_at {stamp} NOT NULL,
        CHECK ((kind = 'set' AND shares IS NOT NULL AND avg_cost IS NOT NULL AND shares > 0
                AND shares <= 1000000000 AND avg_cost > 0 AND avg_cost <= 10000000)
               OR (kind = 'remove' AND shares IS NULL AND avg_cost IS NULL))
    );
    CREATE INDEX position_events_owner ON position_events (owner, symbol, id);
    """,
)


def render(migrations: tuple[str, ...], dialect: Dialect) -> tuple[str, ...]:
    """Return ``migrations`` with the type placeholders filled in for ``dialect``."""
    return tuple(m.format(**TYPES[dialect]) for m in migrations)


def statements(migration: str) -> list[str]:
    """Return the statements of one rendered migration, in order, without empty ones."""
    return [s.strip() for s in migration.split(";") if s.strip()]
