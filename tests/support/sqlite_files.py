"""Store files inspected with raw ``sqlite3`` (independent of marketdata.store): row counts, rows, integrity,
a digest of the bytes."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

TABLES = ("bars", "actions", "fetch_log", "watchlist")


def table_counts(path: Path) -> dict[str, int]:
    """Return the row count of each table of the store file (0 for a missing file or table); raw sqlite3."""
    if not path.exists():
        return dict.fromkeys(TABLES, 0)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {t: (con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] if t in present else 0) for t in TABLES}
    finally:
        con.close()


def raw_bars(path: Path, symbol: str | None = None) -> list[tuple]:
    """Return every stored bar row with all its columns (to prove nothing was overwritten)."""
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        sql = "SELECT symbol, date, open, high, low, close, volume, source, fetched_at FROM bars"
        if symbol is None:
            return con.execute(sql + " ORDER BY symbol, date").fetchall()
        return con.execute(sql + " WHERE symbol = ? ORDER BY date", (symbol,)).fetchall()
    finally:
        con.close()


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Return every row of ``sql`` run on the store file with raw sqlite3 (one connection, closed after)."""
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def integrity(path: Path) -> str:
    return str(query(path, "PRAGMA integrity_check")[0][0])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
