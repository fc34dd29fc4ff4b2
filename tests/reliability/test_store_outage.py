"""PostgreSQL down at start or in the middle of a session: the pages render the bundled snapshot with one notice and
no traceback, and come back to the stored data without a restart once the server is back.

A PostgreSQL server of its own (stopped and started by the tests; Debian's binaries, see deploy.local) and the app's
pages through AppTest, in team mode (worker refresh: the pages only read), with a 1 s connection timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest
import streamlit as st

from marketdata.store import store_at
from tests.support.apptest import figure, open_page, texts
from tests.support.bars import bars_frame, bundled_dates, good_rows, weekdays_after
from tests.support.ci import skip_or_fail

LAST_BUNDLED = date.fromisoformat(bundled_dates("CIFR")[-1])
STORED = weekdays_after(LAST_BUNDLED, 3)
RECOVERY_TIMEOUT = 30.0


@pytest.fixture
def server() -> Iterator[object]:
    from deploy.local import PostgresServer, ServerError

    try:
        pg = PostgresServer()
        pg.start()
    except (ServerError, OSError) as exc:
        skip_or_fail(f"PostgreSQL could not be started: {exc}")
    try:
        yield pg
    finally:
        pg.close()


@pytest.fixture
def team_app(server, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app's settings point at the server's ``levels`` database, seeded with 3 stored CIFR bars."""
    url = server.create_database("levels")
    seed = store_at(url)
    seed.append_bars("CIFR", bars_frame(good_rows(STORED, base=14.0)), "seed")
    seed.close()
    for name, value in {"LEVELS_DATABASE_URL": url, "LEVELS_REFRESH": "worker", "LEVELS_DATABASE_TIMEOUT": "1",
                        "LEVELS_VERSION_TTL": "0"}.items():
        monkeypatch.setenv(name, value)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()  # closes the repository's pool


def last_price_bar(at) -> str:
    (price,) = [t for t in figure(at)["data"] if t.get("name") == "Price"]
    return max(price["x"])[:10]


def outage_notices(at) -> list[str]:
    return [w for w in texts(at.warning) if "shared store is unavailable" in w]


def assert_bundled_with_one_notice(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert last_price_bar(at) == LAST_BUNDLED.isoformat()
    assert len(outage_notices(at)) == 1, texts(at.warning)
    assert len(at.warning) == 1, texts(at.warning)  # and no other warning beside it


def rerun_until_recovered(at) -> float:
    """Rerun the page until it shows the stored bars again; return how long that took."""
    started = time.monotonic()
    while True:
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        if last_price_bar(at) == STORED[-1].isoformat() and not outage_notices(at):
            return time.monotonic() - started
        assert time.monotonic() - started < RECOVERY_TIMEOUT, texts(at.warning)
        time.sleep(0.5)


def test_down_at_start_then_back_without_a_restart(server, team_app: str) -> None:
    server.stop()
    at = open_page("ticker", symbol="CIFR")
    assert_bundled_with_one_notice(at)
    overview = open_page("overview")
    assert not overview.exception
    notices = [w for w in texts(overview.warning) if "shared store is unavailable" in w]
    assert len(notices) == 1, texts(overview.warning)

    server.restart()
    rerun_until_recovered(at)
    assert not texts(at.warning)


@pytest.mark.parametrize("how", ["fast", "immediate"])
def test_down_in_the_middle_of_a_session_then_back(server, team_app: str, how: str) -> None:
    at = open_page("ticker", symbol="CIFR")
    assert not at.exception and last_price_bar(at) == STORED[-1].isoformat() and not at.warning

    server.stop(how)
    at.run()
    assert_bundled_with_one_notice(at)
    at.run()  # again while down: still one notice, still no traceback
    assert_bundled_with_one_notice(at)

    server.restart()
    rerun_until_recovered(at)


def test_a_read_that_fails_after_the_version_was_read_is_not_cached(team_app: str, monkeypatch) -> None:
    """The store answers the data version, then fails to give the bars (it went down in between): the page shows the
    bundled bars with the notice, and the next run the stored ones, although the version did not change."""
    from marketdata.pgstore import PostgresStore
    from marketdata.store import StoreUnavailable

    real = PostgresStore.bars
    down = [True]

    def bars_while_down(self, symbol: str):
        if down[0]:
            raise StoreUnavailable("cannot connect to the database server")
        return real(self, symbol)

    monkeypatch.setattr(PostgresStore, "bars", bars_while_down)
    at = open_page("ticker", symbol="CIFR")
    assert_bundled_with_one_notice(at)
    down[0] = False
    at.run()
    assert not at.exception and last_price_bar(at) == STORED[-1].isoformat() and not texts(at.warning)
