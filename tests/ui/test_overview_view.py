"""The overview's URL codec: round trips, defaults, and a message for every rejected value."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from ui.overview_view import AVERAGES, STATE_SLUGS, OverviewView

COLUMNS = ("Ticker", "Price", "Gain (%)")


def test_empty_query_is_the_unfiltered_latest_view() -> None:
    view, messages = OverviewView.from_query({}, COLUMNS)
    assert view == OverviewView() and messages == [] and not view.filtered()
    assert view.to_url() == "/"


def test_round_trip() -> None:
    view = OverviewView(asof=date(2025, 11, 24), state=("testing-support", "rebounding-support"),
                        above=("EMA200",), below=("SMA50",), cross="golden", tickers=("MARA", "BRK.B"),
                        sort="Gain (%)", order="desc")
    query = parse_qs(urlsplit(view.to_url("http://127.0.0.1:8501")).query)
    decoded, messages = OverviewView.from_query(query, COLUMNS)
    assert (decoded, messages) == (view, [])
    assert decoded.states == {"testing", "rebounding"} and decoded.filtered()


def test_every_bad_value_gets_a_message_and_is_ignored() -> None:
    view, messages = OverviewView.from_query({
        "asof": "2025-13-45", "state": ["testing-support", "<b>x</b>"], "above": ["EMA200", "EMA7"],
        "below": "sma50", "cross": "silver", "ticker": ["mara", "../etc"], "sort": "Nope", "order": "sideways",
    }, COLUMNS)
    assert view == OverviewView(state=("testing-support",), above=("EMA200",), tickers=("MARA",))
    assert len(messages) == 8, messages
    assert all("<b>" not in m or "'<b>x</b>'" in m for m in messages)


def test_slugs_cover_every_state_and_average() -> None:
    assert set(STATE_SLUGS) == {"rebounding", "testing", "broke", "back above", "holding"}
    assert AVERAGES == ("EMA20", "EMA50", "EMA100", "EMA200", "SMA20", "SMA50", "SMA200")
