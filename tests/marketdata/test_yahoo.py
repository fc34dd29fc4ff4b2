"""The yfinance adapter against recorded-format Yahoo answers, with no network.

yfinance 1.7 accepts a ``session`` that is a ``curl_cffi`` or ``requests`` Session (``is_supported_session``)
and sends every request through it: the cookie and crumb handshake, ``/v8/finance/chart`` for bars (twice:
once with ``range=1d`` to learn the exchange timezone, once with ``period1``/``period2``) and
``/v10/finance/quoteSummary`` for ``upgrades_downgrades``. :class:`FakeYahooSession` is a ``requests.Session``
that answers those URLs from the JSON fixtures in ``tests/fixtures/yahoo`` instead of the network, so
everything from ``YfData._make_request`` to yfinance's own JSON parsing runs for real.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import requests

from marketdata.actions import normalize_actions
from marketdata.bars import clean_bars
from marketdata.snapshot import Snapshot
from marketdata.sources import RateLimited, SourceError
from marketdata.yahoo import YahooSource, normalize_upgrades_downgrades
from tests.support.yahoo import Call, FakeYahooSession, fixture, fresh_yfinance

ROOT = Path(__file__).resolve().parents[2]
CIFR_CSV = ROOT / "data" / "prices" / "CIFR.csv"
NEW_YORK = ZoneInfo("America/New_York")


def csv_rows(first: str, last: str) -> list[dict[str, str]]:
    with CIFR_CSV.open(newline="") as fh:
        return [r for r in csv.DictReader(fh) if first <= r["date"] <= last]


@pytest.fixture
def fake_yahoo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeYahooSession]]:
    """Give each test a fresh yfinance state: no on-disk caches, no shared crumb, no cached responses."""
    with fresh_yfinance(monkeypatch):
        yield FakeYahooSession


def chart_calls(session: FakeYahooSession) -> list[Call]:
    return [c for c in session.calls if "/v8/finance/chart/CIFR" in c.url and "period1" in c.params]


def ny_midnight_epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=NEW_YORK).timestamp())


# --- history -----------------------------------------------------------------------------------------


def test_history_returns_the_fixture_bars_equal_to_the_csv(fake_yahoo) -> None:
    session = fake_yahoo()
    frame = YahooSource(session=session).history("CIFR", date(2026, 9, 1), timeout=3.5)

    expected = csv_rows("2026-09-01", "2026-09-15")
    assert len(expected) == 10  # 2026-09-07 was Labor Day
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert [ts.date().isoformat() for ts in frame.index] == [r["date"] for r in expected]
    for ts, row in zip(frame.index, expected, strict=True):
        for col in ("open", "high", "low", "close"):
            assert frame.at[ts, col] == float(row[col]), (row["date"], col)
        assert frame.at[ts, "volume"] == int(row["volume"]), row["date"]
    # The request really went out through the session, with the crumb and the caller's timeout.
    main = chart_calls(session)
    assert len(main) == 1
    assert main[0].params["interval"] == "1d"
    assert main[0].params["crumb"] == "fixtureCrumb1"
    assert main[0].timeout == 3.5


def test_history_index_is_new_york_midnight_and_cleans_to_the_same_dates(fake_yahoo) -> None:
    frame = YahooSource(session=fake_yahoo()).history("CIFR", date(2026, 9, 1), timeout=3)

    assert str(frame.index.tz) == "America/New_York"
    assert all((ts.hour, ts.minute) == (0, 0) for ts in frame.index)
    bars, rejected = clean_bars(frame)
    assert rejected == []
    assert bars.index.tz is None
    assert list(bars.index) == [pd.Timestamp(r["date"]) for r in csv_rows("2026-09-01", "2026-09-15")]


def test_history_passes_the_start_date_through(fake_yahoo) -> None:
    session = fake_yahoo()
    frame = YahooSource(session=session).history("CIFR", date(2026, 9, 9), timeout=3)

    (main,) = chart_calls(session)
    assert int(main.params["period1"]) == ny_midnight_epoch(date(2026, 9, 9))
    assert "range" not in main.params
    # The fake server, like Yahoo, only answers bars inside period1..period2.
    assert [ts.date().isoformat() for ts in frame.index] == [r["date"] for r in csv_rows("2026-09-09", "2026-09-15")]


def test_history_without_start_asks_for_the_whole_history(fake_yahoo) -> None:
    session = fake_yahoo()
    frame = YahooSource(session=session).history("CIFR", None, timeout=3)

    (main,) = chart_calls(session)
    # period="max" for daily bars: yfinance asks from 99 years back.
    assert int(main.params["period1"]) < ny_midnight_epoch(date(1930, 1, 1))
    assert len(frame) == 10


def test_empty_answer_is_a_source_error(fake_yahoo) -> None:
    session = fake_yahoo(chart=fixture("chart_CIFR_empty.json"))
    with pytest.raises(SourceError) as info:
        YahooSource(session=session).history("CIFR", date(2026, 9, 16), timeout=3)
    assert not isinstance(info.value, RateLimited)
    assert "CIFR" in str(info.value)
    # The repository tells an empty answer from a failure by these words.
    assert "no rows" in str(info.value)


def test_start_after_the_last_bar_is_a_source_error(fake_yahoo) -> None:
    # period1 after every fixture bar: the fake answers Yahoo's empty shape.
    with pytest.raises(SourceError, match="no rows"):
        YahooSource(session=fake_yahoo()).history("CIFR", date(2026, 9, 16), timeout=3)


def test_http_429_is_rate_limited(fake_yahoo) -> None:
    too_many = (429, "Too Many Requests\r\n")
    session = fake_yahoo(override={"/v8/finance/chart/": too_many, "getcrumb": too_many})
    with pytest.raises(RateLimited) as info:
        YahooSource(session=session).history("CIFR", date(2026, 9, 1), timeout=3)
    assert type(info.value.__cause__).__name__ == "YFRateLimitError"


def test_http_429_on_analyst_actions_is_rate_limited(fake_yahoo) -> None:
    session = fake_yahoo(override={"quoteSummary": (429, "Too Many Requests\r\n")})
    with pytest.raises(RateLimited):
        YahooSource(session=session).analyst_actions("CIFR", timeout=3)


def test_connection_error_is_a_source_error(fake_yahoo) -> None:
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    session = fake_yahoo(override={"yahoo.com": refused})
    with pytest.raises(SourceError) as info:
        YahooSource(session=session).history("CIFR", date(2026, 9, 1), timeout=3)
    assert not isinstance(info.value, RateLimited)
    assert "ConnectionError" in str(info.value)


# --- analyst actions ------------------------------------------------------------------------------------


def _by_firm_and_date(frame: pd.DataFrame) -> dict[tuple[str, str], dict]:
    return {(r["firm"], r["date"].strftime("%Y-%m-%d")): r for r in frame.to_dict("records")}


def test_analyst_actions_are_normalised_to_our_schema(fake_yahoo) -> None:
    session = fake_yahoo()
    actions = YahooSource(session=session).analyst_actions("CIFR", timeout=3)

    assert any("/v10/finance/quoteSummary/CIFR" in c.url and c.params["modules"] == "upgradeDowngradeHistory"
               for c in session.calls)
    history = fixture("quoteSummary_CIFR_upgradeDowngradeHistory.json")
    rows = history["quoteSummary"]["result"][0]["upgradeDowngradeHistory"]["history"]
    assert len(actions) == len(rows) == 11
    assert set(actions["ticker"]) == {"CIFR"}
    assert set(actions["source"]) == set(actions["origin"]) == {"yfinance"}
    got = _by_firm_and_date(actions)

    # Firms come out in the bundled data's spelling (marketdata/firms.py).
    assert {"JPMorgan", "H.C. Wainwright", "Keefe Bruyette & Woods", "Northland"} <= set(actions["firm"])
    assert not {"JP Morgan", "HC Wainwright & Co.", "Keefe, Bruyette & Woods"} & set(actions["firm"])
    jpm = got[("JPMorgan", "2025-11-24")]
    assert (jpm["action"], jpm["rating_from"], jpm["rating_to"]) == ("upgrade", "Neutral", "Overweight")
    assert (jpm["target_from"], jpm["target_to"]) == (12.0, 18.0)

    assert got[("Demo & Partners", "2026-07-01")]["action"] == "downgrade"
    assert got[("Demo & Partners", "2026-07-01")]["rating_to"] == "Neutral"
    assert got[("Example Capital Markets", "2026-05-14")]["action"] == "raise_target"
    assert got[("Sample Securities", "2026-08-05")]["action"] == "lower_target"
    assert got[("Placeholder Research", "2026-04-02")]["action"] == "maintain"

    init = got[("Sample Securities", "2026-03-10")]
    assert init["action"] == "initiate"
    assert math.isnan(init["target_from"]) and init["target_to"] == 25.0
    assert init["rating_from"] == "" and init["rating_to"] == "Buy"

    # priorPriceTarget 0 means "none": not a raise from $0 to $20.
    first_target = got[("Example Capital Markets", "2026-01-20")]
    assert first_target["action"] == "maintain"
    assert math.isnan(first_target["target_from"]) and first_target["target_to"] == 20.0

    # A row without the price-target keys: no invented targets and no 'nan' text.
    old = got[("Placeholder Research", "2022-03-15")]
    assert old["action"] == "initiate"
    assert math.isnan(old["target_from"]) and math.isnan(old["target_to"])
    assert old["note"] == "" and old["rating_from"] == ""


def test_no_analyst_actions_is_a_source_error(fake_yahoo) -> None:
    session = fake_yahoo(summary=fixture("quoteSummary_CIFR_upgradeDowngradeHistory_empty.json"))
    with pytest.raises(SourceError):
        YahooSource(session=session).analyst_actions("CIFR", timeout=3)


# Yahoo's spelling of each fixture firm that is also in the bundled data -> the bundled row it repeats.
SAME_ACTIONS = {
    ("JP Morgan", "2025-11-24"): ("JPMorgan", "2025-11-24"),
    ("HC Wainwright & Co.", "2025-11-03"): ("H.C. Wainwright", "2025-11-03"),
    ("Keefe, Bruyette & Woods", "2025-09-30"): ("Keefe Bruyette & Woods", "2025-09-29"),  # a day apart
    ("Northland Capital Markets", "2024-12-04"): ("Northland", "2024-12-04"),
}


def test_alias_table_merges_the_fixture_firms_with_the_bundled_rows(fake_yahoo) -> None:
    from marketdata.actions import merge_actions

    live = YahooSource(session=fake_yahoo()).analyst_actions("CIFR", timeout=3)
    bundled = Snapshot(ROOT / "data").actions()
    with (ROOT / "data" / "analyst_actions.csv").open(newline="") as fh:
        csv_actions = [r for r in csv.DictReader(fh)]
    history = fixture("quoteSummary_CIFR_upgradeDowngradeHistory.json")
    raw = history["quoteSummary"]["result"][0]["upgradeDowngradeHistory"]["history"]
    raw_firms = {r["firm"] for r in raw}
    assert set(dict(SAME_ACTIONS)) <= {(r["firm"], f"{pd.Timestamp(r['epochGradeDate'], unit='s'):%Y-%m-%d}")
                                        for r in raw}

    merged = merge_actions(bundled, live)

    for (_yahoo, _day), (firm, day) in SAME_ACTIONS.items():
        (csv_row,) = [r for r in csv_actions if (r["date"], r["ticker"], r["firm"]) == (day, "CIFR", firm)]
        rows = merged[(merged["ticker"] == "CIFR") & (merged["firm"] == firm)
                      & (merged["target_to"] == float(csv_row["target_to"]))
                      & (merged["date"].between(pd.Timestamp(day) - pd.Timedelta(days=3),
                                                pd.Timestamp(day) + pd.Timedelta(days=3)))]
        assert len(rows) == 1, (firm, day, rows)
        assert (rows.iloc[0]["origin"], rows.iloc[0]["source"], rows.iloc[0]["note"]) == (
            "bundled", csv_row["source"], csv_row["note"])
    # Every other fixture row is new, so exactly the four repeats were dropped.
    assert len(merged) == len(csv_actions) + len(live) - len(SAME_ACTIONS)
    assert (merged["origin"] == "yfinance").sum() == len(live) - len(SAME_ACTIONS)
    assert not {yahoo for yahoo, _ in SAME_ACTIONS} & set(merged["firm"])
    assert {yahoo for yahoo, _ in SAME_ACTIONS} <= raw_firms


def test_normalize_upgrades_downgrades_handles_a_tz_aware_index() -> None:
    raw = pd.DataFrame(
        {"Firm": ["JP Morgan"], "ToGrade": ["Overweight"], "FromGrade": ["Neutral"], "Action": ["up"],
         "priceTargetAction": ["Raises"], "currentPriceTarget": [18.0], "priorPriceTarget": [12.0]},
        index=pd.DatetimeIndex([pd.Timestamp("2025-11-25 02:30", tz="UTC")], name="GradeDate"),
    )
    frame = normalize_upgrades_downgrades(raw, "CIFR")
    # 02:30 UTC on the 25th is the evening of the 24th in New York.
    assert frame.loc[0, "date"] == pd.Timestamp("2025-11-24")
    assert frame.loc[0, "action"] == "upgrade"
    assert normalize_actions(frame).equals(frame)
