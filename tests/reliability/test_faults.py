"""Data-source faults injected at the adapter boundary; the page keeps working from stored and bundled data.

Network faults go through the real yfinance code (``YahooSource`` with a ``session``): a fake
``requests.Session`` raises what ``requests``/``curl_cffi`` raise (DNS failure, refused connection, timeout) or
answers recorded-format JSON (an empty answer, a body cut off mid-history), and a real ``requests.Session`` is
sent to 127.0.0.1 (a closed port, a port that never answers, a stub HTTP server answering 429). Data faults
(NaN rows, duplicate or unsorted dates, non-positive prices, high < low, a history that stops half-way, an
empty frame) come from a fake ``LiveSource`` and, for one case, from a Yahoo chart answer parsed by yfinance.

For each fault: the bars still load (bundled + stored), a notice says what happened and 'showing data up to
<date>', no stored row is deleted or changed, bad rows are rejected with a logged reason, and the source is
not called again on later loads within the cool-down / refresh interval. Run with ``-s`` for the row table.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests
import streamlit as st
from curl_cffi.requests import exceptions as curl_exceptions
from urllib3 import HTTPSConnectionPool
from urllib3.connection import HTTPSConnection
from urllib3.exceptions import MaxRetryError, NameResolutionError

import ui.data
from marketdata import repository as repository_module
from marketdata.repository import Repository
from marketdata.sources import RateLimited
from marketdata.store import utcnow
from marketdata.yahoo import YahooSource
from tests.support.apptest import figure, open_page, texts
from tests.support.bars import bars_frame, bundled_dates, good_rows, weekdays_after, yahoo_like
from tests.support.row_report import report_fixture
from tests.support.sources import (
    FakeSource,
    LoopbackSession,
    StubServer,
    closed_port,
    freeze_new_york,
    settings,
    silent_port,
)
from tests.support.sqlite_files import raw_bars, table_counts
from tests.support.yahoo import FakeYahooSession, fixture, fresh_yfinance

LAST_BUNDLED = date.fromisoformat(bundled_dates("CIFR")[-1])  # 2026-09-15
SEEDED = weekdays_after(LAST_BUNDLED, 3)  # stored before each scenario: 2026-09-16 .. 2026-09-18
NEW = weekdays_after(SEEDED[-1], 8)  # what a source may add: 2026-09-21 ..
RIOT_SEEDED = weekdays_after(date.fromisoformat(bundled_dates("RIOT")[-1]), 2)
RELOADS = 4

report = pytest.fixture(scope="module", name="report")(report_fixture(
    "Data-source faults: rows in the store before/after each scenario (zero stored rows lost or changed)",
    ("scenario", "bars before", "bars after", "added", "rejected", "fetch_log before/after",
     "transport calls: 1st load / +reloads / after cool-down"),
))


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fresh yfinance state (no disk caches, no shared crumb, no retries), a frozen New York clock, clean st caches."""
    with fresh_yfinance(monkeypatch):
        freeze_new_york(monkeypatch)
        st.cache_data.clear()
        st.cache_resource.clear()
        yield
        st.cache_data.clear()
        st.cache_resource.clear()


def seed(repo: Repository) -> None:
    """Store a few good bars (CIFR and RIOT) that no fault may delete or change."""
    repo.store.append_bars("CIFR", bars_frame(good_rows(SEEDED, base=14.0)), "seed")
    repo.store.append_bars("RIOT", bars_frame(good_rows(RIOT_SEEDED, base=13.0)), "seed")


def after_cooldown(monkeypatch: pytest.MonkeyPatch, repo: Repository) -> None:
    """Move the repository's clock past the failure cool-down."""
    later = timedelta(seconds=repo.settings.failure_cooldown + 1)
    monkeypatch.setattr(repository_module, "utcnow", lambda: utcnow() + later)


# --- network faults through real yfinance ----------------------------------------------------------------


@dataclass
class Transport:
    """A session for ``YahooSource`` and how to count the requests that reached it."""

    session: requests.Session
    calls: Callable[[], int]
    words: tuple[str, ...]  # what the notice must say about the fault
    kind: str = "error"  # the refresh outcome


def _dns_error_requests() -> requests.exceptions.ConnectionError:
    # What requests raises when the name does not resolve (built without any lookup).
    host = "query2.finance.yahoo.com"
    cause = NameResolutionError(host, HTTPSConnection(host, 443),
                                socket.gaierror(-3, "Temporary failure in name resolution"))
    return requests.exceptions.ConnectionError(
        MaxRetryError(HTTPSConnectionPool(host, 443), "/v8/finance/chart/CIFR?period1=1&interval=1d", cause)
    )


def _faking(exc_or_reply, words: tuple[str, ...], kind: str = "error", **kwargs) -> Transport:
    session = FakeYahooSession(override={"yahoo.com": exc_or_reply} if exc_or_reply is not None else None, **kwargs)
    return Transport(session, lambda: len(session.calls), words, kind)


def _cut_chart() -> dict:
    """A chart answer for dates after the seeded bars (the fixture shifted by five weeks)."""
    chart = fixture("chart_CIFR_2026-09-01_2026-09-15.json")
    result = chart["chart"]["result"][0]
    result["timestamp"] = [t + 35 * 86400 for t in result["timestamp"]]
    return chart


class TruncatedBodySession(FakeYahooSession):
    """Answers the chart request with a JSON body cut off half-way through the bars."""

    def _route(self, url: str, params: dict):
        if "/v8/finance/chart/" in url and "range" not in params:
            body = json.dumps(_cut_chart())
            return 200, body[: body.index('"close"') + 40]
        return super()._route(url, params)


def transport(kind: str, stack: ExitStack) -> Transport:
    if kind == "dns-requests":
        return _faking(_dns_error_requests(), ("NameResolutionError", "Failed to resolve"))
    if kind == "dns-curl_cffi":
        return _faking(curl_exceptions.DNSError(
            "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. See "
            "https://curl.se/libcurl/c/libcurl-errors.html first for more details.", code=6,
        ), ("DNSError", "Could not resolve host"))
    if kind == "refused-curl_cffi":
        return _faking(curl_exceptions.ConnectionError(
            "Failed to perform, curl: (7) Failed to connect to query2.finance.yahoo.com port 443 after 0 ms: "
            "Couldn't connect to server. See https://curl.se/libcurl/c/libcurl-errors.html first for more details.",
            code=7,
        ), ("ConnectionError", "Failed to connect"))
    if kind == "timeout-curl_cffi":
        return _faking(curl_exceptions.Timeout(
            "Failed to perform, curl: (28) Operation timed out after 1001 milliseconds with 0 bytes received. See "
            "https://curl.se/libcurl/c/libcurl-errors.html first for more details.", code=28,
        ), ("Timeout", "timed out"))
    if kind in ("refused-loopback", "timeout-loopback"):
        sock, port = closed_port() if kind == "refused-loopback" else silent_port()
        stack.callback(sock.close)
        session = LoopbackSession(port)
        words = ("Connection refused",) if kind == "refused-loopback" else ("ReadTimeout", "timed out")
        return Transport(session, lambda: len(session.calls), words)
    if kind == "429-stub-server":
        stub = stack.enter_context(StubServer(429))
        session = LoopbackSession(stub.port)
        return Transport(session, lambda: len(stub.paths), ("rate limit", "Too Many Requests"))
    if kind == "empty-answer":
        # period1 after every fixture bar: the fake answers Yahoo's empty chart (meta, no timestamps).
        return _faking(None, ("no rows",), kind="empty")
    if kind == "body-cut-mid-history":
        session = TruncatedBodySession()
        return Transport(session, lambda: len(session.calls), ("JSONDecodeError",))
    raise AssertionError(kind)


NETWORK_FAULTS = ["dns-requests", "dns-curl_cffi", "refused-loopback", "refused-curl_cffi", "timeout-loopback",
                  "timeout-curl_cffi", "429-stub-server", "empty-answer", "body-cut-mid-history"]
# The typed failure kind (marketdata.sources.FailureKind) the adapter reports for each fault.
FAULT_CAUSES = {"dns-requests": "network", "dns-curl_cffi": "network", "refused-loopback": "network",
                "refused-curl_cffi": "network", "timeout-loopback": "network", "timeout-curl_cffi": "network",
                "429-stub-server": "rate limit", "empty-answer": "no data", "body-cut-mid-history": "bad data"}


@pytest.mark.parametrize("kind", NETWORK_FAULTS)
def test_network_fault_keeps_stored_data_says_so_and_cools_down(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report
) -> None:
    with ExitStack() as stack:
        fake = transport(kind, stack)
        repo = Repository(settings(tmp_path, timeout=0.3), YahooSource(session=fake.session))
        seed(repo)
        db = repo.settings.db_path
        rows_before, counts_before = raw_bars(db), table_counts(db)

        started = time.monotonic()
        result = repo.load("CIFR")
        elapsed = time.monotonic() - started

        assert result.refresh is not None and result.refresh.outcome == fake.kind, result.refresh
        assert result.refresh.cause == FAULT_CAUSES[kind], result.refresh
        # Each request waits at most the 0.3 s refresh timeout (yfinance alone would wait 30 + 30 + 10 s).
        assert elapsed < 8.0, elapsed
        if kind == "429-stub-server":
            assert "rate limit" in result.refresh.message
        first_calls = fake.calls()
        assert first_calls > 0
        assert len(result.bars) == len(bundled_dates("CIFR")) + len(SEEDED)
        assert result.last_bar == SEEDED[-1]
        (notice,) = result.notices
        assert "Live data could not be had" in notice, notice
        assert f"showing data up to {SEEDED[-1].isoformat()}" in notice, notice
        for word in fake.words:
            assert word in notice, (word, notice)

        # Reruns within the cool-down: no request reaches the transport, for this symbol or any other.
        for symbol in ("CIFR", "RIOT", "CIFR", "CLSK")[:RELOADS]:
            again = repo.load(symbol)
            assert again.refresh.outcome == "skipped"
            (skipped,) = again.notices
            assert "Live data unavailable" in skipped and "next try in 5 min" in skipped, skipped
            assert f"showing data up to {again.last_bar.isoformat()}" in skipped
        assert fake.calls() == first_calls

        # After the cool-down the source is tried once more (and fails the same way), then left alone again.
        after_cooldown(monkeypatch, repo)
        retried = repo.load("CIFR")
        assert retried.refresh.outcome == fake.kind
        retry_calls = fake.calls()
        assert retry_calls > first_calls
        assert repo.load("CIFR").refresh.outcome == "skipped"
        assert fake.calls() == retry_calls

    counts_after = table_counts(db)
    assert raw_bars(db) == rows_before  # nothing deleted, nothing overwritten
    assert counts_after["fetch_log"] == counts_before["fetch_log"] + 2  # the two real attempts, nothing else
    report.add(f"net: {kind}", counts_before["bars"], counts_after["bars"], 0, 0,
               f"{counts_before['fetch_log']}/{counts_after['fetch_log']}",
               f"{first_calls} / +0 / +{retry_calls - first_calls}")


# --- data faults -------------------------------------------------------------------------------------------


D = NEW
NAN = np.nan


@dataclass(frozen=True)
class DataFault:
    rows: list[tuple]  # yfinance-like rows (date, open, high, low, close, volume)
    stored: list[date]  # the new dates that must be stored
    rejected: dict[str, str]  # date -> logged reason
    outcome: str = "ok"


def _good(day: date, base: float) -> tuple:
    return (day.isoformat(), base, base + 0.8, base - 0.4, base + 0.3, 2_000_000.0)


DATA_FAULTS: dict[str, DataFault] = {
    "nan-rows": DataFault(
        [_good(D[0], 15), (D[1].isoformat(), NAN, NAN, NAN, NAN, NAN), (D[2].isoformat(), 15, 15.8, 14.6, NAN, 1e6),
         (D[3].isoformat(), 15, 15.8, 14.6, 15.3, NAN), _good(D[4], 16)],
        [D[0], D[4]],
        {D[1].isoformat(): "missing price", D[2].isoformat(): "missing price", D[3].isoformat(): "missing volume"},
    ),
    "duplicate-and-unsorted-dates": DataFault(
        [_good(D[2], 17), _good(D[0], 15), (SEEDED[1].isoformat(), 99, 99.5, 98, 99, 9.0), _good(D[1], 16),
         _good(D[1], 26), _good(D[0], 25)],
        [D[0], D[1], D[2]],
        {D[1].isoformat(): "duplicate date", D[0].isoformat(): "duplicate date"},
    ),
    "zero-and-negative-prices": DataFault(
        [(D[0].isoformat(), 0.0, 15.8, 14.6, 15.3, 1e6), (D[1].isoformat(), 15, 15.8, 14.6, -15.3, 1e6),
         (D[2].isoformat(), 15, 15.8, 0.0, 15.3, 1e6), _good(D[3], 16), (D[4].isoformat(), 15, 15.8, 14.6, 15.3, -1.0),
         (SEEDED[0].isoformat(), 0.0, 0.0, 0.0, 0.0, 0.0)],
        [D[3]],
        {D[0].isoformat(): "price not positive", D[1].isoformat(): "price not positive",
         D[2].isoformat(): "price not positive", D[4].isoformat(): "negative volume",
         SEEDED[0].isoformat(): "price not positive"},
    ),
    "high-below-low": DataFault(
        [(D[0].isoformat(), 15, 14.0, 15.5, 15.3, 1e6), _good(D[1], 16), (D[2].isoformat(), 15, 15.2, 14.6, 15.9, 1e6)],
        [D[1]],
        {D[0].isoformat(): "high below low", D[2].isoformat(): "open/close outside high-low range"},
    ),
    "stops-mid-history": DataFault(
        [_good(D[0], 15), _good(D[1], 16), _good(D[2], 17),
         (D[3].isoformat(), 18, 18.8, 17.6, NAN, NAN),
         *[(d.isoformat(), NAN, NAN, NAN, NAN, NAN) for d in D[4:8]]],
        [D[0], D[1], D[2]],
        {D[3].isoformat(): "missing price", **{d.isoformat(): "missing price" for d in D[4:8]}},
    ),
    "every-row-bad": DataFault(
        [(d.isoformat(), 0.0, 0.0, 0.0, 0.0, 0.0) for d in D[:3]],
        [],
        {d.isoformat(): "price not positive" for d in D[:3]},
    ),
    "empty-frame": DataFault([], [], {}, outcome="empty"),
}


def _expected_values(fault: DataFault) -> dict[str, tuple]:
    """The values each stored new date must have: its first occurrence in the answer."""
    firsts: dict[str, tuple] = {}
    for row in fault.rows:
        firsts.setdefault(str(row[0]), tuple(float(v) for v in row[1:]))
    return {d.isoformat(): firsts[d.isoformat()] for d in fault.stored}


def _check_rejections_logged(caplog: pytest.LogCaptureFixture, source: str, rejected: dict[str, str]) -> None:
    logged = {
        r.getMessage() for r in caplog.records
        if r.name == "marketdata.repository" and r.levelno == logging.WARNING and "rejected from" in r.getMessage()
    }
    expected = {f"CIFR {day} rejected from {source}: {reason}" for day, reason in rejected.items()}
    assert logged == expected


@pytest.mark.parametrize("name", list(DATA_FAULTS))
def test_bad_rows_are_rejected_with_a_logged_reason_and_never_replace_stored_ones(
    name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, report
) -> None:
    fault = DATA_FAULTS[name]
    frame = yahoo_like(fault.rows) if fault.rows else pd.DataFrame(columns=["Open", "High", "Low", "Close", "Volume"])
    source = FakeSource({"CIFR": frame})
    repo = Repository(settings(tmp_path), source)
    seed(repo)
    db = repo.settings.db_path
    seeded_rows, counts_before = raw_bars(db), table_counts(db)

    with caplog.at_level(logging.WARNING, logger="marketdata.repository"):
        result = repo.load("CIFR")

    assert result.refresh.outcome == fault.outcome
    assert (result.refresh.rows_added, result.refresh.rejected) == (len(fault.stored), len(fault.rejected))
    _check_rejections_logged(caplog, "fake", fault.rejected)
    # Every seeded row is still there, unchanged; the new rows are exactly the good ones, first occurrence kept.
    after = raw_bars(db)
    assert [r for r in after if (r[0], r[1]) in {(s[0], s[1]) for s in seeded_rows}] == seeded_rows
    new_rows = {r[1]: r[2:7] for r in after if r[0] == "CIFR" and r[1] > SEEDED[-1].isoformat()}
    assert new_rows == _expected_values(fault)
    stored = repo.store.bars("CIFR")
    assert (stored[["open", "high", "low", "close"]] > 0).all().all() and (stored["volume"] >= 0).all()
    assert (stored["high"] >= stored[["open", "close"]].max(axis=1)).all()
    assert (stored["low"] <= stored[["open", "close"]].min(axis=1)).all()
    # The page gets bundled + stored bars, and a notice saying what happened and how old the data is.
    last = max([SEEDED[-1], *fault.stored])
    assert result.last_bar == last
    assert len(result.bars) == len(bundled_dates("CIFR")) + len(SEEDED) + len(fault.stored)
    (notice,) = result.notices
    assert f"showing data up to {last.isoformat()}" in notice, notice
    if fault.outcome == "empty":
        assert "Live data could not be had" in notice and "no rows" in notice, notice
    else:
        assert "bad rows" in notice and f"{len(fault.rejected)} bad rows rejected" in notice, notice

    # Not asked again on the next reruns (refresh interval after an answer, cool-down after an empty one).
    for _ in range(RELOADS):
        assert repo.load("CIFR").refresh.outcome == "skipped"
    assert len(source.history_calls) == 1

    counts_after = table_counts(db)
    assert counts_after["bars"] == counts_before["bars"] + len(fault.stored)
    report.add(f"data: {name}", counts_before["bars"], counts_after["bars"], len(fault.stored), len(fault.rejected),
               f"{counts_before['fetch_log']}/{counts_after['fetch_log']}", "1 / +0 / -")


def test_bad_rows_in_a_yahoo_chart_answer_are_rejected_after_yfinance_parses_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, report
) -> None:
    # A real-format chart answer (nulls, high < low, a zero open) parsed by yfinance itself.
    chart = _cut_chart()
    result0 = chart["chart"]["result"][0]
    quote = result0["indicators"]["quote"][0]
    days = [pd.Timestamp(t, unit="s", tz="America/New_York").date() for t in result0["timestamp"]]
    for key in quote:
        quote[key][1] = None  # a bar with no values at all
    quote["close"][2] = None
    quote["high"][3] = quote["low"][3] - 1.0
    quote["open"][4] = 0.0
    session = FakeYahooSession(chart=chart)
    repo = Repository(settings(tmp_path), YahooSource(session=session))
    seed(repo)
    db = repo.settings.db_path
    seeded_rows, counts_before = raw_bars(db), table_counts(db)

    with caplog.at_level(logging.WARNING, logger="marketdata.repository"):
        result = repo.load("CIFR")

    rejected = {days[1].isoformat(): "missing price", days[2].isoformat(): "missing price",
                days[3].isoformat(): "high below low", days[4].isoformat(): "price not positive"}
    _check_rejections_logged(caplog, "yfinance", rejected)
    good = [d for i, d in enumerate(days) if i not in (1, 2, 3, 4)]
    assert result.refresh.outcome == "ok"
    assert (result.refresh.rows_added, result.refresh.rejected) == (len(good), 4)
    assert [r for r in raw_bars(db) if r[7] == "seed"] == seeded_rows
    assert [r[1] for r in raw_bars(db, "CIFR") if r[7] == "yfinance"] == [d.isoformat() for d in good]
    (notice,) = result.notices
    assert "4 bad rows rejected" in notice and f"showing data up to {good[-1].isoformat()}" in notice
    calls = len(session.calls)
    for _ in range(RELOADS):
        repo.load("CIFR")
    assert len(session.calls) == calls
    counts_after = table_counts(db)
    report.add("data: bad rows in a Yahoo chart (yfinance parses)", counts_before["bars"], counts_after["bars"],
               len(good), 4, f"{counts_before['fetch_log']}/{counts_after['fetch_log']}", f"{calls} / +0 / -")


# --- an exception half-way through a refresh of several symbols --------------------------------------------


UNIVERSE = ("CIFR", "CLSK", "IREN", "MARA", "RIOT")


def _new_rows_after(symbol: str, count: int, base: float) -> pd.DataFrame:
    seeded = {"CIFR": SEEDED, "RIOT": RIOT_SEEDED}.get(symbol, [])
    last = max([date.fromisoformat(bundled_dates(symbol)[-1]), *seeded])
    return yahoo_like(good_rows(weekdays_after(last, count), base=base))


def test_an_exception_half_way_through_several_symbols(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                        report) -> None:
    answers: dict[str, pd.DataFrame | BaseException] = {s: _new_rows_after(s, 2, 20.0) for s in UNIVERSE}
    answers["CLSK"] = requests.exceptions.ConnectionError("('Connection aborted.', ConnectionResetError(104))")
    source = FakeSource(answers)
    repo = Repository(settings(tmp_path), source)
    seed(repo)
    db = repo.settings.db_path
    seeded_rows, counts_before = raw_bars(db), table_counts(db)

    with caplog.at_level(logging.WARNING, logger="marketdata.repository"):
        results = {s: repo.load(s) for s in UNIVERSE}

    assert [c[0] for c in source.history_calls] == ["CIFR", "CLSK"]  # the rest wait for the cool-down
    assert results["CIFR"].refresh.outcome == "ok" and results["CIFR"].refresh.rows_added == 2
    assert results["CIFR"].notices == ()
    assert results["CLSK"].refresh.outcome == "error"
    assert any("refresh of CLSK failed" in r.getMessage() for r in caplog.records)
    for symbol in UNIVERSE[1:]:
        result = results[symbol]
        expected_last = RIOT_SEEDED[-1] if symbol == "RIOT" else date.fromisoformat(bundled_dates(symbol)[-1])
        assert result.last_bar == expected_last
        (notice,) = result.notices
        assert "ConnectionError" in notice and f"showing data up to {expected_last.isoformat()}" in notice, notice
    after = raw_bars(db)
    assert [r for r in after if r[7] == "seed"] == seeded_rows
    assert len(after) == len(seeded_rows) + 2
    for _ in range(2):
        for symbol in UNIVERSE:
            repo.load(symbol)
    assert len(source.history_calls) == 2
    counts_after = table_counts(db)
    report.add("half-way: source raises on 2nd of 5 symbols", counts_before["bars"], counts_after["bars"], 2, 0,
               f"{counts_before['fetch_log']}/{counts_after['fetch_log']}", "2 / +0 / -")


def test_a_store_write_that_fails_half_way_through_its_rows_stores_none_of_them(tmp_path: Path, report) -> None:
    # CIFR refreshes fine; RIOT's insert aborts on its 3rd new row (a trigger raises inside the transaction).
    answers = {"CIFR": _new_rows_after("CIFR", 3, 20.0), "RIOT": _new_rows_after("RIOT", 5, 21.0)}
    source = FakeSource(answers)
    repo = Repository(settings(tmp_path), source)
    seed(repo)
    db = repo.settings.db_path
    poison = answers["RIOT"].index[2].strftime("%Y-%m-%d")
    import sqlite3

    con = sqlite3.connect(db)
    con.execute(f"CREATE TRIGGER fail_half_way BEFORE INSERT ON bars WHEN NEW.symbol = 'RIOT' AND NEW.date = '{poison}'"
                " BEGIN SELECT RAISE(ABORT, 'injected fault half-way through the insert'); END")
    con.commit()
    con.close()
    seeded_rows, counts_before = raw_bars(db), table_counts(db)

    cifr, riot = repo.load("CIFR"), repo.load("RIOT")

    assert cifr.refresh.outcome == "ok" and cifr.refresh.rows_added == 3
    assert riot.refresh.outcome == "error"
    (notice,) = riot.notices
    assert "injected fault" in notice and f"showing data up to {RIOT_SEEDED[-1].isoformat()}" in notice, notice
    riot_rows = raw_bars(db, "RIOT")
    assert [r for r in riot_rows if r[7] == "seed"] == [r for r in seeded_rows if r[0] == "RIOT"]
    assert len(riot_rows) == len(RIOT_SEEDED)  # none of the 5, not the 2 before the fault either
    for _ in range(RELOADS):
        repo.load("RIOT")
    assert [c[0] for c in source.history_calls] == ["CIFR", "RIOT"]
    counts_after = table_counts(db)
    assert counts_after["bars"] == counts_before["bars"] + 3
    report.add("half-way: store insert aborts on 3rd of 5 rows", counts_before["bars"], counts_after["bars"], 3, 0,
               f"{counts_before['fetch_log']}/{counts_after['fetch_log']}", "2 / +0 / -")


# --- the pages (AppTest) -------------------------------------------------------------------------------------


def _serve(monkeypatch: pytest.MonkeyPatch, repo: Repository) -> None:
    """Make the app's cached ``ui.data.repository()`` build ``repo``."""
    monkeypatch.setattr(ui.data, "default_repository", lambda: repo)
    st.cache_resource.clear()
    st.cache_data.clear()


def _price_dates(at) -> tuple[str, str]:
    (price,) = [t for t in figure(at)["data"] if t.get("name") == "Price"]
    return min(price["x"]), max(price["x"])


@pytest.mark.parametrize("kind", ["dns-curl_cffi", "429-stub-server"])
def test_ticker_page_renders_from_stored_data_when_yahoo_fails(kind: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with ExitStack() as stack:
        fake = transport(kind, stack)
        repo = Repository(settings(tmp_path, timeout=0.3), YahooSource(session=fake.session))
        seed(repo)
        rows_before = raw_bars(repo.settings.db_path)
        _serve(monkeypatch, repo)

        at = open_page("ticker", symbol="CIFR")
        assert not at.exception
        first_calls = fake.calls()
        assert first_calls > 0
        assert _price_dates(at)[1].startswith(SEEDED[-1].isoformat())
        warnings = texts(at.warning)
        assert any("Live data could not be had" in w and f"showing data up to {SEEDED[-1].isoformat()}" in w
                   and fake.words[0] in w for w in warnings), warnings

        for _ in range(2):
            at.run()
            assert not at.exception
            warnings = texts(at.warning)
            assert any("Live data unavailable" in w and f"showing data up to {SEEDED[-1].isoformat()}" in w
                       for w in warnings), warnings
        assert fake.calls() == first_calls
    assert raw_bars(repo.settings.db_path) == rows_before


def test_ticker_page_shows_good_rows_and_a_notice_when_the_source_sends_nan_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault = DATA_FAULTS["nan-rows"]
    source = FakeSource({"CIFR": yahoo_like(fault.rows)})
    repo = Repository(settings(tmp_path), source)
    seed(repo)
    _serve(monkeypatch, repo)

    at = open_page("ticker", symbol="CIFR")

    assert not at.exception
    last = fault.stored[-1].isoformat()
    assert _price_dates(at)[1].startswith(last)
    warnings = texts(at.warning)
    assert any("bad rows" in w and f"showing data up to {last}" in w for w in warnings), warnings
    at.run()
    assert not at.exception and len(source.history_calls) == 1


def test_overview_page_survives_an_exception_half_way_through_the_universe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, pd.DataFrame | BaseException] = {s: _new_rows_after(s, 2, 20.0) for s in UNIVERSE}
    answers["CLSK"] = RateLimited("yfinance rate limit: YFRateLimitError: Too Many Requests")
    source = FakeSource(answers)
    repo = Repository(settings(tmp_path), source)
    seed(repo)
    _serve(monkeypatch, repo)

    at = open_page("overview")

    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Ticker"]) == list(UNIVERSE)
    cifr = table[table["Ticker"] == "CIFR"].iloc[0]
    assert cifr["Price"] == pytest.approx(21.3)  # the new bar stored before the fault
    # one line for the page (the source's failure kinds, how many tickers, the stored bars' range) ...
    (line,) = [w for w in texts(at.warning) if "Live data unavailable" in w]
    assert "(rate limit, source cooling down) for 4 of 5 tickers" in line, line
    assert "showing stored data; last bars" in line, line
    # ... and the raw errors behind it, per ticker
    details = texts(at.expander[0].caption)
    assert any(d.startswith("CLSK:") and "Too Many Requests" in d for d in details), details
    assert {d.split(":")[0] for d in details} == {"CLSK", "IREN", "MARA", "RIOT"}, details
    at.run()
    assert not at.exception
    assert [c[0] for c in source.history_calls] == ["CIFR", "CLSK"]
