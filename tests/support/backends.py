"""The two store backends as the tests see them: a target a process opens, and raw access through the engine's own
driver (``sqlite3`` / ``psycopg``), independent of :mod:`marketdata.store`. The ``backend`` fixture (tests/conftest.py)
runs a test on each."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pandas as pd

from marketdata import pgstore
from marketdata import store as store_module
from marketdata.config import Settings
from marketdata.store import SqlStore, store_at


def plain(value: object) -> object:
    """A stored value as plain data: dates and times as ISO text (SQLite stores them so; PostgreSQL natively)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class Backend:
    """One engine under test: ``target`` is what a process opens (an SQLite path or a PostgreSQL URL)."""

    name: str
    target: str
    data_dir: Path
    opened: list[SqlStore] = field(default_factory=list)

    @property
    def module(self) -> ModuleType:
        """The module whose MIGRATIONS / SCHEMA_VERSION the backend uses."""
        return store_module if self.name == "sqlite" else pgstore

    def store(self, version_ttl: float = 0.0) -> SqlStore:
        store = store_at(self.target, version_ttl)
        self.opened.append(store)
        return store

    def settings(self, **overrides: object) -> Settings:
        base: dict[str, object] = {"data_dir": self.data_dir, "offline": False, "refresh_timeout": 1.0,
                                   "refresh_interval": 900.0, "failure_cooldown": 300.0, "version_ttl": 0.0,
                                   "database_url": self.target if self.name == "postgres" else None}
        return Settings(**{**base, **overrides})

    def raw(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run ``sql`` (``?`` placeholders) with the engine's own driver; rows with dates and times as text."""
        if self.name == "sqlite":
            if not Path(self.target).exists():
                return []
            con = sqlite3.connect(self.target)
            try:
                rows = con.execute(sql, params).fetchall()
                con.commit()
            finally:
                con.close()
        else:
            import psycopg

            with psycopg.connect(self.target, autocommit=True) as conn:
                cur = conn.execute(sql.replace("?", "%s"), params)
                rows = cur.fetchall() if cur.description else []
        return [tuple(plain(v) for v in row) for row in rows]

    def tables(self) -> set[str]:
        if self.name == "sqlite":
            return {str(r[0]) for r in self.raw("SELECT name FROM sqlite_master WHERE type = 'table'")} - {
                "sqlite_sequence", "meta"}
        return {str(r[0]) for r in self.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")} - {
            "schema_migrations"}

    def schema_version(self) -> int:
        if self.name == "sqlite":
            return int(str(self.raw("SELECT value FROM meta WHERE key = 'schema_version'")[0][0]))
        return int(str(self.raw("SELECT MAX(version) FROM schema_migrations")[0][0]))

    def claim_newer_schema(self) -> None:
        """Make the store say a newer app migrated it (one version above this app's)."""
        newer = self.module.SCHEMA_VERSION + 1
        if self.name == "sqlite":
            self.raw("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(newer),))
        else:
            self.raw("INSERT INTO schema_migrations (version) VALUES (?)", (newer,))

    def dump(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table, sorted (to prove nothing changed)."""
        return {t: sorted(self.raw(f"SELECT * FROM {t}"), key=repr) for t in sorted(self.tables())}

    def count(self, symbol: str | None = None) -> int:
        if symbol is None:
            return int(str(self.raw("SELECT COUNT(*) FROM bars")[0][0])) if "bars" in self.tables() else 0
        return int(str(self.raw("SELECT COUNT(*) FROM bars WHERE symbol = ?", (symbol,))[0][0]))

    def days(self, symbol: str) -> list[int]:
        """Stored days of ``symbol`` as day numbers since 1900-01-01 (the child writer's scheme)."""
        rows = self.raw("SELECT date FROM bars WHERE symbol = ? ORDER BY date", (symbol,))
        return [(pd.Timestamp(str(r[0])) - pd.Timestamp("1900-01-01")).days for r in rows]
