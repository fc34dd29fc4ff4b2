"""Analyst tables: outcome columns, and sources that become links only when they are safe http(s) addresses."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analyst.targets import track_record
from marketdata.actions import normalize_actions
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from ui.analysts_view import ACTION_OPTIONS, AnalystsView
from ui.tables import markdown_table
from ui.target_tables import actions_table, safe_link, source_markdown, status_text, ticker_table

HOSTILE = [
    "javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)", "data:text/html,<b>x</b>",
    "vbscript:msgbox(1)", "<script>alert(1)</script>", '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))", "https://evil.example/x) [y](javascript:alert(1)", "https://ev il.example/",
    "https://evil.example/\x00", "http://<img src=x onerror=alert(1)>/", "//evil.example/x", "ftp://host/x",
    "https://user:pw@evil.example/", "file:///etc/passwd", "https:///nohost", "https://exa\u202emple.com/",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_sources_never_become_links(source: str) -> None:
    assert safe_link(source) is None
    cell = source_markdown(source)
    assert "](" not in cell.replace("\\]\\(", "")  # no Markdown link syntax survives
    assert "<" not in cell.replace("\\<", "")  # no raw tag


@pytest.mark.parametrize(("source", "host"), [
    ("https://www.benzinga.com/news/25/09/47920951/cipher", "benzinga.com"),
    ("http://stockanalysis.com/stocks/cifr/forecast/", "stockanalysis.com"),
    ("https://stockanalysis.com:443/stocks/clsk/forecast", "stockanalysis.com"),
    ("https://neurlasys.com/M.php?number=MARA", "neurlasys.com"),
])
def test_http_sources_become_links_to_the_same_address(source: str, host: str) -> None:
    assert safe_link(source) == source
    cell = source_markdown(source)
    assert cell.startswith(f"[{host.replace('.', chr(92) + '.')}](") and cell.endswith(")")
    assert ")" not in cell[cell.index("](") + 2:-1] and " " not in cell


def test_a_closing_parenthesis_in_an_address_cannot_end_the_link() -> None:
    cell = source_markdown("https://en.example.org/wiki/X_(Y)|z")
    target = cell[cell.index("](") + 2:-1]
    assert target == "https://en.example.org/wiki/X_%28Y%29%7Cz"


def test_citations_are_escaped_text() -> None:
    cell = source_markdown('Benzinga, 2025-11-24, "JPMorgan Says"')
    assert "](" not in cell and cell.startswith("Benzinga, 2025\\-11\\-24")


def test_status_text() -> None:
    assert status_text("reached", pd.Timestamp("2025-12-03"), 9.0) == "reached 2025-12-03 (9 d)"
    assert status_text("missed", pd.NaT, float("nan")) == "missed"
    assert status_text("pending", pd.NaT, float("nan")) == "pending"
    assert status_text("unknown", pd.NaT, float("nan")) == "no price"


def test_ticker_table_joins_each_action_to_its_outcome() -> None:
    actions = Snapshot(BUNDLED_DIR).actions()
    asof = date(2025, 11, 24)
    track = track_record(actions, read_bars("RIOT"), "RIOT", asof)
    table = ticker_table(actions, track, "RIOT", asof)
    mine = actions[(actions["ticker"] == "RIOT") & (actions["date"] <= pd.Timestamp(asof))]
    assert len(table) == len(mine)
    by_row = {(r.date.strftime("%Y-%m-%d"), r.firm, r.target): r for r in track.itertuples()}
    for (_, row), (_, act) in zip(table.iterrows(), mine.iterrows(), strict=True):
        if pd.isna(act["target_to"]):
            assert row["Status"] == "—"
        else:
            r = by_row[(act["date"].strftime("%Y-%m-%d"), act["firm"], act["target_to"])]
            assert row["Status"] == status_text(r.status, r.reached_on, r.days)
    rendered = markdown_table(table, raw={"Source"})
    assert "[stockanalysis\\.com](https://stockanalysis.com/stocks/riot/forecast)" in rendered


def test_actions_table_keeps_hostile_sources_out_of_the_link_column() -> None:
    rows = pd.DataFrame([{"date": "2025-01-02", "ticker": "RIOT", "firm": "Evil", "action": "maintain",
                          "target_to": 10, "source": s} for s in HOSTILE])
    actions = normalize_actions(rows, origin="user")
    table = actions_table(actions, pd.DataFrame())
    assert table["Source"].isna().all()
    assert list(table["Citation"]) == [s.strip() for s in HOSTILE]
    assert set(table["Origin"]) == {"user-entered"}


def test_analysts_view_round_trip_and_messages() -> None:
    choices = {"tickers": ["MARA", "RIOT"], "firms": ["JPMorgan"]}
    view = AnalystsView(("RIOT",), ("JPMorgan",), ("upgrade", "initiate"), date(2025, 1, 1), date(2025, 6, 30))
    query = view.to_query()
    assert query == {"tickers": ["RIOT"], "firms": ["JPMorgan"], "actions": ["upgrade", "initiate"],
                     "from": "2025-01-01", "to": "2025-06-30"}
    assert AnalystsView.from_query(query, choices) == (view, [])
    assert view.to_url("http://h:1") == ("http://h:1/analysts?tickers=RIOT&firms=JPMorgan&actions=upgrade"
                                         "&actions=initiate&from=2025-01-01&to=2025-06-30")
    got, messages = AnalystsView.from_query(
        {"tickers": ["RIOT", "<b>"], "actions": ["UPGRADE", "upgrade"], "from": "2025-13-01", "to": "2024-01-01"},
        choices)
    assert got == AnalystsView(("RIOT",), (), ("upgrade",), None, date(2024, 1, 1))
    assert messages == [
        "Ticker filter '<b>' ignored: not among the tickers with analyst actions.",
        f"Action filter 'UPGRADE' ignored: not one of {', '.join(ACTION_OPTIONS)}.",
        "From date '2025-13-01' is not a date (use YYYY-MM-DD); ignored.",
    ]
    reversed_range = AnalystsView.from_query({"from": "2025-02-01", "to": "2025-01-01"}, choices)
    assert reversed_range == (AnalystsView(), ["From date 2025-02-01 is after To date 2025-01-01; both ignored."])


def test_analysts_view_filters() -> None:
    actions = Snapshot(BUNDLED_DIR).actions()
    view = AnalystsView(("RIOT", "MARA"), (), ("upgrade",), date(2024, 1, 1), date(2025, 12, 31))
    got = view.apply(actions)
    expected = actions[actions["ticker"].isin(["RIOT", "MARA"]) & (actions["action"] == "upgrade")
                       & (actions["date"] >= "2024-01-01") & (actions["date"] <= "2025-12-31")]
    assert got.equals(expected) and len(got) > 0
