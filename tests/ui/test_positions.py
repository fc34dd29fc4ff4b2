"""Positions on the overview: add, edit, remove; hostile input changes nothing; gains to the cent; personal in
team mode (a shared store shows them only to a signed-in user)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from marketdata.config import load_settings
from marketdata.positions import Position
from marketdata.store import store_at
from tests.support.apptest import open_page, texts
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS
from ui.identity import positions_owner

ASOF = "2025-11-24"
# shares and average cost per ticker (fractions and a loss included)
HOLDINGS = {"CIFR": ("200", "12.50"), "CLSK": ("150", "9.20"), "IREN": ("12.5", "61.04"), "MARA": ("0.75", "20"),
            "RIOT": ("1,000", "$13.1")}


@pytest.fixture(autouse=True)
def _own_repository() -> Iterator[None]:
    """The app's repository is a process-wide resource: build it for this test's private store, drop it after."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def save(at: AppTest, symbol: str, shares: str, cost: str) -> AppTest:
    at.selectbox(key="position_symbol").select(symbol)
    at.text_input(key="position_shares").input(shares)
    at.text_input(key="position_cost").input(cost)
    next(b for b in at.button if b.label == "Save").click()
    return at.run()


def stored(data_dir: Path) -> dict[str, Position]:
    from ui.identity import current_user

    return store_at(Path(data_dir) / "levels.sqlite3").positions(current_user(None))


def table(at: AppTest) -> pd.DataFrame:
    assert not at.exception, [e.value for e in at.exception]
    return at.dataframe[0].value.set_index("Ticker")


def test_add_edit_remove_and_gains_to_the_cent(_offline_private_store: Path) -> None:
    at = open_page("overview", asof=ASOF)
    assert "Shares" not in list(at.dataframe[0].proto.column_order)  # no positions yet: no position columns
    for symbol, (shares, cost) in HOLDINGS.items():
        at = save(at, symbol, shares, cost)
        assert any(t.startswith("Saved:") for t in texts(at.success)), (texts(at.success), texts(at.error))
    rows = table(at)
    closes = {s: read_bars(s).loc[:ASOF, "close"] for s in SYMBOLS}
    total_gain = total_value = total_basis = total_day = 0.0
    for symbol, (shares_text, cost_text) in HOLDINGS.items():
        shares = float(shares_text.replace(",", ""))
        cost = float(cost_text.lstrip("$"))
        close, prev = float(closes[symbol].iloc[-1]), float(closes[symbol].iloc[-2])
        want_gain = round((close - cost) * shares, 2)  # by hand, from the CSV closes
        row = rows.loc[symbol]
        assert round(row["Gain ($)"], 2) == want_gain, (symbol, row["Gain ($)"], want_gain)
        assert round(row["Market value"], 2) == round(close * shares, 2)
        assert round(row["Gain (%)"], 2) == round((close / cost - 1) * 100, 2)
        assert round(row["Day change ($)"], 2) == round((close - prev) * shares, 2)
        total_gain += (close - cost) * shares
        total_value += close * shares
        total_basis += cost * shares
        total_day += (close - prev) * shares
    total = rows.loc["Total"]
    assert round(total["Gain ($)"], 2) == round(total_gain, 2)
    assert round(total["Market value"], 2) == round(total_value, 2)
    assert round(total["Gain (%)"], 2) == round(total_gain / total_basis * 100, 2)
    assert round(total["Day change ($)"], 2) == round(total_day, 2)
    assert list(rows.index)[-1] == "Total"

    at = save(at, "CLSK", "300", "9.20")  # edit: a new history row, the newest counts
    assert table(at).loc["CLSK", "Shares"] == 300
    assert stored(_offline_private_store)["CLSK"] == Position("CLSK", 300.0, 9.2)
    at.selectbox(key="position_remove").select("CLSK")
    at.button(key="position_remove_button").click()
    at = at.run()
    assert any("Removed the CLSK position" in t for t in texts(at.success))
    assert pd.isna(table(at).loc["CLSK", "Shares"])
    assert "CLSK" not in stored(_offline_private_store) and len(stored(_offline_private_store)) == 4
    # the history is kept: 5 sets, 1 edit, 1 removal
    import sqlite3

    con = sqlite3.connect(Path(_offline_private_store) / "levels.sqlite3")
    assert con.execute("SELECT kind, COUNT(*) FROM position_events GROUP BY kind ORDER BY kind").fetchall() == [
        ("remove", 1), ("set", 6)]
    con.close()


@pytest.mark.parametrize(("shares", "cost", "field"), [
    ("-5", "10", "Shares"), ("0", "10", "Shares"), ("NaN", "10", "Shares"), ("1e308", "10", "Shares"),
    ("ten", "10", "Shares"), ("<b>5</b>", "10", "Shares"), ("", "10", "Shares"),
    ("5", "-1", "Average cost"), ("5", "0", "Average cost"), ("5", "nan", "Average cost"),
    ("5", "1e308", "Average cost"), ("5", "<img src=x onerror=alert(1)>", "Average cost"), ("5", "", "Average cost"),
    ("5", "[x](javascript:alert(1))", "Average cost"),
])
def test_bad_input_gives_one_clear_message_and_stores_nothing(shares: str, cost: str, field: str,
                                                               _offline_private_store: Path) -> None:
    at = save(open_page("overview"), "MARA", "10", "12")
    before = stored(_offline_private_store)
    at = save(at, "MARA", shares, cost)
    errors = texts(at.error)
    assert len(errors) == 1 and errors[0].startswith(field), errors
    assert not texts(at.success)
    assert stored(_offline_private_store) == before == {"MARA": Position("MARA", 10.0, 12.0)}
    assert table(at).loc["MARA", "Shares"] == 10
    assert not at.exception


def test_team_mode_without_a_signed_in_user_keeps_positions_off(monkeypatch: pytest.MonkeyPatch,
                                                                pg_url: str) -> None:
    monkeypatch.setenv("LEVELS_DATABASE_URL", pg_url)
    store_at(pg_url).set_position("oidc:ana@example.com", Position("MARA", 10.0, 12.0))  # someone else's
    at = open_page("overview")
    assert not at.exception, [e.value for e in at.exception]
    assert any("Positions are personal" in t for t in texts(at.caption))
    assert not [w for w in at.text_input if w.label == "Shares"]
    assert pd.isna(table(at).loc["MARA", "Shares"])  # nobody else's position is shown


def test_positions_owner_rules() -> None:
    local = load_settings()
    assert local.database_url is None
    assert positions_owner(local, None).owner.startswith("local:")
    team = type(local)(**{**local.__dict__, "database_url": "postgresql://x@127.0.0.1/levels"})
    off = positions_owner(team, {"is_logged_in": False})
    assert off.owner is None and "signed-in" in off.reason
    assert positions_owner(team, {"is_logged_in": True, "email": "ana@example.com"}).owner == "oidc:ana@example.com"
