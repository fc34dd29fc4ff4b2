"""The overview screener (AppTest): signals equal the ticker page's, filters and as-of round-trip the URL."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analyst.picture import build_picture
from analyst.signals import signals
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.apptest import markdown_table_with, open_page, param, texts
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS

ASOF = "2025-11-24"


def rows(at: AppTest) -> pd.DataFrame:
    assert not at.exception, [e.value for e in at.exception]
    return at.dataframe[0].value


@pytest.fixture  # function-scoped: the offline, private-store environment of tests/conftest.py is set up first
def overview_asof() -> pd.DataFrame:
    return rows(open_page("overview", asof=ASOF)).set_index("Ticker")


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_signal_columns_equal_the_ticker_page(symbol: str, overview_asof: pd.DataFrame) -> None:
    got = overview_asof.loc[symbol]
    assert got["Last bar"] == ASOF
    assert got["Chart"] == f"ticker?symbol={symbol}&asof={ASOF}"
    page = open_page("ticker", symbol=symbol, asof=ASOF)
    assert not page.exception
    brief = next(t for t in texts(page.markdown) if "closed at $" in t)
    for column in ("Support", "Resistance"):  # the prices the brief names for the immediate levels
        if got[column] is not None:
            for amount in re.findall(r"\$[0-9,]+\.[0-9]{2}", got[column]):
                assert amount in brief, (column, got[column], brief)
    if got["Trendline"] is not None:
        state, level = got["Trendline"].split(" · ")
        assert level in brief
        assert {"rebounding": "rebounding from", "testing": "testing its", "broke": "broken below",
                "back above": "back above", "holding": "support"}[state] in brief
    key = markdown_table_with(page, "Close vs level (%)").set_index("Level")
    close = float(key.loc["Close", "Value"].strip("$").replace(",", ""))
    upper = float(key.loc["BB upper", "Value"].strip("$").replace(",", ""))
    lower = float(key.loc["BB lower", "Value"].strip("$").replace(",", ""))
    assert got["Price"] == pytest.approx(close, abs=0.005)
    assert got["%B"] == pytest.approx((close - lower) / (upper - lower), abs=0.01)  # cents on the page
    # and exactly the picture's signals (the one source of truth)
    sig = signals(build_picture(symbol, read_bars(symbol), Snapshot(BUNDLED_DIR).actions(), date(2025, 11, 24)))
    assert got["%B"] == pytest.approx(sig.percent_b, rel=1e-12)
    assert (got["Support (%)"], got["Resistance (%)"]) == pytest.approx((sig.support_pct, sig.resistance_pct),
                                                                         nan_ok=True)
    assert got["EMA stack"].startswith(f"{len(sig.ema_above)}/4")
    assert got["6M"][-1] == pytest.approx(sig.close, abs=1e-4)


def test_filters_and_asof_round_trip_through_the_url() -> None:
    at = open_page("overview", asof=ASOF, above=["EMA200"], order="desc", sort="Change (%)")
    table = rows(at)
    assert param(at, "asof") == [ASOF] and param(at, "above") == ["EMA200"]
    assert param(at, "sort") == ["Change (%)"] and param(at, "order") == ["desc"]
    full = rows(open_page("overview", asof=ASOF)).set_index("Ticker")
    above = [s for s in SYMBOLS if full.loc[s, "EMA stack"].find("200") >= 0]
    assert sorted(table["Ticker"]) == sorted(above)
    assert list(table["Change (%)"]) == sorted(table["Change (%)"], reverse=True)
    only = rows(open_page("overview", ticker=["MARA", "RIOT"], asof=ASOF))
    assert list(only["Ticker"]) == ["MARA", "RIOT"]
    states = {s: full.loc[s, "Trendline"] for s in SYMBOLS}
    rebounding = [s for s, t in states.items() if t is not None and t.startswith("rebounding")]
    assert rebounding, states  # 2025-11-24 was a bounce day for several of them
    got = rows(open_page("overview", asof=ASOF, state="rebounding-support"))
    assert list(got["Ticker"]) == rebounding


def test_bad_filter_values_give_messages_and_change_nothing() -> None:
    at = open_page("overview", asof="2025-02-30", state="<b>x</b>", above="EMA7", cross="silver", ticker="ZZZZ",
                   sort="Nope", order="up")
    table = rows(at)
    assert list(table["Ticker"]) == list(SYMBOLS)  # no filter applied
    warnings = texts(at.warning)
    for needle in ("is not a date", "Trendline state filter", "Above filter", "Cross filter",
                   "not in the list of tickers", "Cannot sort by", "Order"):
        assert any(needle in w for w in warnings), (needle, warnings)
    assert not any("<b>" in w and "'<b>x</b>'" not in w for w in warnings)


def test_asof_after_the_data_shows_the_latest_bars() -> None:
    at = open_page("overview", asof="2030-01-02")
    table = rows(at)
    assert any("is after the last bar" in t for t in texts(at.warning))
    assert "2026-09-15" in set(table["Last bar"])


def test_one_concise_data_notice() -> None:
    at = open_page("overview")
    infos = [t for t in texts(at.info) if "Offline mode" in t]
    assert len(infos) == 1 and "showing stored data" in infos[0]
    assert not [t for t in texts(at.warning) if "Live data" in t]
