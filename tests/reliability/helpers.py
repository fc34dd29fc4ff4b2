"""Shared pieces of the reliability tests: fake live sources and transports, store inspection, a row report.

Nothing here touches the network: Yahoo requests are answered by a fake ``requests.Session`` (recorded-format
fixtures, or a raised exception of the type ``requests``/``curl_cffi`` raises), or are redirected to sockets and
a stub HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import csv
import hashlib
import http.server
import socket
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pandas as pd
import requests

from marketdata import repository as repository_module
from marketdata.config import Settings
from marketdata.sources import SourceError

ROOT = Path(__file__).resolve().parents[2]
NEW_YORK = ZoneInfo("America/New_York")
TABLES = ("bars", "actions", "fetch_log", "watchlist")
# Friday evening in New York, two months after the bundled snapshot ends: every fake bar below is final.
FROZEN_NEW_YORK = datetime(2026, 11, 20, 21, 0)


def bundled_dates(symbol: str) -> list[str]:
    with (ROOT / "data" / "prices" / f"{symbol}.csv").open(newline="") as fh:
        return [r["date"] for r in csv.DictReader(fh)]


def settings(data_dir: Path, *, timeout: float = 1.0, cooldown: float = 300, interval: float = 900) -> Settings:
    return Settings(data_dir=data_dir, offline=False, refresh_timeout=timeout, refresh_interval=interval,
                    failure_cooldown=cooldown)


def freeze_new_york(monkeypatch, moment: datetime = FROZEN_NEW_YORK) -> None:
    """Make the repository believe it is ``moment`` New York wall time (which bars are final, what is 'old')."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            aware = moment.replace(tzinfo=NEW_YORK)
            return aware.astimezone(tz) if tz is not None else aware.replace(tzinfo=None)

    monkeypatch.setattr(repository_module, "datetime", Frozen)


Row = tuple[object, object, object, object, object, object]


def yahoo_like(rows: list[Row]) -> pd.DataFrame:
    """Return ``(date, open, high, low, close, volume)`` rows as yfinance gives them: capitalised, NY midnight."""
    df = pd.DataFrame(rows, columns=["Date", "Open", "High", "Low", "Close", "Volume"])
    df.index = pd.DatetimeIndex(pd.to_datetime(df.pop("Date"))).tz_localize(NEW_YORK)
    return df.astype("float64")


def good_rows(days: list[date], base: float = 15.0) -> list[Row]:
    return [(d.isoformat(), base + i, base + 0.8 + i, base - 0.4 + i, base + 0.3 + i, 1_000_000.0 + i)
            for i, d in enumerate(days)]


def bars_frame(rows: list[Row]) -> pd.DataFrame:
    """Return rows as a cleaned bars frame (what ``Store.append_bars`` takes)."""
    return yahoo_like(rows).tz_localize(None).rename(columns=str.lower).rename_axis("date")


class FakeSource:
    """A LiveSource answering per symbol (a frame, or an exception to raise) and counting every call."""

    name = "fake"

    def __init__(self, answers: dict[str, pd.DataFrame | BaseException],
                 default: pd.DataFrame | BaseException | None = None) -> None:
        self.answers = answers
        self.default = default if default is not None else SourceError("fake has no data for this symbol")
        self.history_calls: list[tuple[str, date | None]] = []
        self.action_calls = 0

    def history(self, symbol: str, start: date | None, timeout: float) -> pd.DataFrame:
        self.history_calls.append((symbol, start))
        answer = self.answers.get(symbol, self.default)
        if isinstance(answer, BaseException):
            raise answer
        return answer.copy()

    def analyst_actions(self, symbol: str, timeout: float) -> pd.DataFrame:
        self.action_calls += 1
        raise SourceError("fake has no analyst actions")


# --- transports ------------------------------------------------------------------------------------------


class LoopbackSession(requests.Session):
    """A real ``requests.Session`` that sends every Yahoo request to ``http://127.0.0.1:PORT`` instead.

    So connection refused, read timeouts and HTTP answers come from the real socket/HTTP stack, on loopback.
    """

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.trust_env = False  # no proxy from the environment, even for 127.0.0.1
        self.calls: list[str] = []

    def request(self, method, url, *args, **kwargs):
        self.calls.append(url)
        parts = urlsplit(url)
        local = urlunsplit(("http", f"127.0.0.1:{self.port}", parts.path, parts.query, ""))
        return super().request(method, local, *args, **kwargs)


def closed_port() -> tuple[socket.socket, int]:
    """Return a bound socket that does not listen (so connecting to its port is refused) and the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def silent_port() -> tuple[socket.socket, int]:
    """Return a listening socket that never accepts or answers (so every read times out) and the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock, sock.getsockname()[1]


@dataclass
class StubServer:
    """A stub HTTP server on 127.0.0.1 answering every request with ``status`` and ``body``; counts requests."""

    status: int = 429
    body: bytes = b"Too Many Requests\r\n"
    paths: list[str] = field(default_factory=list)

    def __enter__(self) -> StubServer:
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                stub.paths.append(self.path)
                self.send_response(stub.status)
                self.send_header("Content-Type", "text/plain;charset=utf-8")
                self.send_header("Content-Length", str(len(stub.body)))
                self.end_headers()
                self.wfile.write(stub.body)

            do_GET = do_POST = _answer

            def log_message(self, format, *args):  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


# --- store inspection --------------------------------------------------------------------------------------


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


def integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- report ------------------------------------------------------------------------------------------------


@dataclass
class RowReport:
    """Rows before/after each scenario, printed as a table at the end of a test module (visible with -s)."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]] = field(default_factory=list)

    def add(self, *values: object) -> None:
        assert len(values) == len(self.columns)
        self.rows.append(values)

    def render(self) -> str:
        cells = [tuple(str(c) for c in self.columns), *[tuple(str(v) for v in r) for r in self.rows]]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join([f"\n== {self.title} ==", *lines])


def report_fixture(title: str, columns: tuple[str, ...]) -> Callable[[], object]:
    """Return a module-scoped fixture function yielding a :class:`RowReport` printed at module teardown."""

    def fixture():
        report = RowReport(title, columns)
        yield report
        if report.rows:
            print(report.render())

    return fixture
