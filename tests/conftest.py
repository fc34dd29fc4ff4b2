"""Shared fixtures: every test runs offline against a private, empty data directory (SQLite, inline refresh: the
team-mode settings of the environment are cleared), and a real PostgreSQL server for the tests that ask for one."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = ("CIFR", "CLSK", "IREN", "MARA", "RIOT")
TEAM_SETTINGS = ("LEVELS_DATABASE_URL", "LEVELS_DATABASE_TIMEOUT", "LEVELS_REFRESH", "LEVELS_VERSION_TTL",
                 "LEVELS_MAX_SYMBOLS", "LEVELS_NEW_SYMBOLS_PER_MINUTE")


@pytest.fixture(autouse=True)
def _offline_private_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("LEVELS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("LEVELS_OFFLINE", "1")
    for name in TEAM_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return data_dir


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail under ``CI=true``, where every test must run."""
    if in_ci():
        pytest.fail(f"{reason} — CI=true, so this is an error, not a skip", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """One real PostgreSQL server for the session (Debian's binaries; see deploy.local.PostgresServer)."""
    from deploy.local import PostgresServer, ServerError

    try:
        server = PostgresServer()
    except (ServerError, OSError) as exc:
        skip_or_fail(f"PostgreSQL tests need Debian's postgresql package: {exc}")
    try:
        server.start()
    except (ServerError, OSError) as exc:
        server.close()
        skip_or_fail(f"the PostgreSQL server could not be started: {exc}")
    try:
        yield server
    finally:
        server.close()


_DATABASES = itertools.count(1)


@pytest.fixture
def pg_url(postgres) -> Iterator[str]:
    """The URL of a fresh, empty database on the session's PostgreSQL server (dropped after the test)."""
    name = f"t{os.getpid()}_{next(_DATABASES)}"
    url = postgres.create_database(name)
    try:
        yield url
    finally:
        postgres.drop_database(name)


def read_bars(symbol: str) -> pd.DataFrame:
    """Read a bundled price CSV directly with pandas (independent of marketdata/)."""
    frame = pd.read_csv(ROOT / "data" / "prices" / f"{symbol}.csv", parse_dates=["date"], index_col="date")
    return frame.astype("float64")


def weekdays_after(day: date, count: int) -> list[date]:
    """Return the ``count`` weekdays (Mon–Fri) after ``day``."""
    out: list[date] = []
    while len(out) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return out


@contextmanager
def fresh_yfinance(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with a fresh yfinance state: no on-disk caches, no shared crumb/session, no retries, no proxy."""
    import yfinance
    from yfinance import cache as yf_cache
    from yfinance.data import SingletonMeta, YfData

    monkeypatch.setattr(yf_cache, "get_tz_cache", yf_cache._TzCacheDummy)
    monkeypatch.setattr(yf_cache, "get_cookie_cache", yf_cache._CookieCacheDummy)
    monkeypatch.setitem(yfinance.config.network.data, "retries", 0)
    monkeypatch.setitem(yfinance.config.network.data, "proxy", None)
    previous = SingletonMeta._instances.pop(YfData, None)
    YfData.cache_get.cache_clear()
    try:
        yield
    finally:
        YfData.cache_get.cache_clear()
        SingletonMeta._instances.pop(YfData, None)
        if previous is not None:
            SingletonMeta._instances[YfData] = previous


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """The test once on an SQLite file and once on a fresh database of the session's PostgreSQL server."""
    from tests.backends import Backend

    target = str(tmp_path / "levels.sqlite3") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = Backend(request.param, target, tmp_path)
    try:
        yield engine
    finally:
        for store in engine.opened:
            store.close()


@pytest.fixture(scope="session")
def playwright_driver():
    """The one Playwright driver of the session (its sync API allows one per thread): every browser is launched
    from it (tests/browser, tests/deploy)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver
