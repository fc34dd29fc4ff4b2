"""The URL codec: round trips, defaults, and every rejected value gives a message."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from ui.viewstate import DEFAULT_OVERLAYS, OVERLAYS, ViewState


def test_defaults_from_empty_query() -> None:
    state, messages = ViewState.from_query({})
    assert state == ViewState(symbol="CIFR", asof=None, range="1Y", scale="linear", show=DEFAULT_OVERLAYS)
    assert messages == []
    assert set(OVERLAYS) - set(DEFAULT_OVERLAYS) == {"SMA20", "SMA50", "SMA200"}  # opt-in


def test_round_trip_through_url() -> None:
    state = ViewState(symbol="BRK.B", asof=date(2025, 11, 24), range="YTD", scale="log", show=("EMA200", "Targets"))
    query = parse_qs(urlsplit(state.to_url("http://127.0.0.1:8501")).query, keep_blank_values=True)
    decoded, messages = ViewState.from_query(query)
    assert decoded == state
    assert messages == []


def test_no_overlays_round_trips_as_empty_show() -> None:
    state = ViewState(show=())
    query = parse_qs(urlsplit(state.to_url()).query, keep_blank_values=True)
    assert query["show"] == [""]
    assert ViewState.from_query(query)[0].show == ()


def test_repeated_keys_symbol_last_range_first_like_the_bound_controls() -> None:
    state, messages = ViewState.from_query({"symbol": ["CIFR", " clsk "], "range": ["1M", "3M"],
                                            "legend": ["true", "False"]})
    assert (state.symbol, state.range, state.legend, messages) == ("CLSK", "1M", False, [])


def test_legend_is_absent_unless_the_link_says_so() -> None:
    assert ViewState.from_query({})[0].legend is None  # the device's default
    assert "legend" not in ViewState().to_query()
    for raw, value in (("true", True), ("TRUE", True), ("false", False), ("", None)):
        state, messages = ViewState.from_query({"legend": raw})
        assert (state.legend, messages) == (value, [])
    hidden = ViewState(legend=False)
    query = parse_qs(urlsplit(hidden.to_url()).query, keep_blank_values=True)
    assert query["legend"] == ["false"] and ViewState.from_query(query)[0] == hidden


def test_unknown_keys_are_ignored() -> None:
    assert ViewState.from_query({"utm_source": "mail", "symbol": "RIOT"}) == (ViewState(symbol="RIOT"), [])


@pytest.mark.parametrize(
    ("key", "value"),
    [("symbol", "../../etc/passwd"), ("symbol", "A" * 16), ("symbol", ""), ("asof", "2025-11-31"),
     ("asof", "yesterday"), ("range", "1y"), ("range", "-1"), ("scale", "LOG"), ("show", "EMA 20"),
     ("legend", "yes"), ("legend", " true")],
)
def test_rejected_values_fall_back_with_a_message(key: str, value: str) -> None:
    state, messages = ViewState.from_query({key: value})
    assert len(messages) == 1
    assert getattr(state, key) == getattr(ViewState(), key)


def test_messages_do_not_echo_control_characters_or_long_input() -> None:
    _state, messages = ViewState.from_query({"symbol": "\x1b[31m" + "x" * 500})
    assert "\x1b" not in messages[0]
    assert len(messages[0]) < 120


@pytest.mark.parametrize("value", ["20251124", "2025-W48-1", "2025-328", "2025-11-24T00:00", " 2025-11-24x"])
def test_asof_accepts_only_plain_iso_dates(value: str) -> None:
    state, messages = ViewState.from_query({"asof": value})
    assert state.asof is None
    assert len(messages) == 1
