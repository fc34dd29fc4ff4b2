"""Shared fixtures: every test runs offline against a private, empty data directory (SQLite, inline refresh: the
team-mode settings of the environment are cleared), and a real PostgreSQL server for the tests that ask for one."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ci import skip_or_fail

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


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """The test once on an SQLite file and once on a fresh database of the session's PostgreSQL server."""
    from tests.support.backends import Backend

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
