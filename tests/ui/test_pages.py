"""Page logic with streamlit.testing.v1.AppTest: every page renders offline on the bundled data."""

from __future__ import annotations

import base64
import csv
from pathlib import Path

import numpy as np
import pytest

from tests.support.apptest import figure, markdown_table_with, markdown_tables, open_page, param, texts, trace_names
from tests.support.project import SYMBOLS
from ui.value_tags import tag_text

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "indicators_2025-11-24.csv"
EMA_TRACES = ["EMA 20", "EMA 50", "EMA 100", "EMA 200"]


def _array(value: object) -> np.ndarray:
    """Decode a plotly array (a list, or a base64 typed array {'dtype','bdata'})."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, dtype="float64")


def test_overview_lists_the_universe() -> None:
    at = open_page("overview")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Ticker"]) == list(SYMBOLS)
    for col in ("Price", "Change ($)", "Change (%)", "Volume", "Prev Close", "Open", "EMA stack",
                "Latest analyst action", "Upside (%)"):
        assert col in table.columns
    cifr = table[table["Ticker"] == "CIFR"].iloc[0]
    assert cifr["Price"] == pytest.approx(15.09)  # last bundled close, 2026-09-15
    assert cifr["Prev Close"] == pytest.approx(15.63)
    # the newest CIFR row of the bundled CSV (read directly): Morgan Stanley, 2026-02-09, $38
    with (Path(__file__).resolve().parents[2] / "data" / "analyst_actions.csv").open(newline="") as fh:
        newest = max((r for r in csv.DictReader(fh) if r["ticker"] == "CIFR"), key=lambda r: r["date"])
    assert newest["firm"] in cifr["Latest analyst action"] and newest["date"] in cifr["Latest analyst action"]
    assert cifr["Upside (%)"] == pytest.approx((float(newest["target_to"]) / 15.09 - 1) * 100)
    assert any("Offline mode" in t for t in texts(at.info))


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_ticker_page_has_candles_emas_band_and_target(symbol: str) -> None:
    at = open_page("ticker", symbol=symbol)
    assert not at.exception
    names = trace_names(figure(at))
    assert names[0] == "Price"
    for name in [*EMA_TRACES, "BB upper", "BB lower", "BB middle", "Volume"]:
        assert name in names
    assert any(n.startswith("JPMorgan PT") for n in names)
    assert param(at, "symbol") == [symbol]


def test_asof_link_shows_no_later_bar_and_reference_values() -> None:
    at = open_page("ticker", symbol="CIFR", asof="2025-11-24")
    assert not at.exception
    fig = figure(at)
    for trace in fig["data"]:
        if trace["name"] in ("Price", *EMA_TRACES, "BB upper", "BB lower", "BB middle", "Volume"):
            assert max(trace["x"]) == "2025-11-24", trace["name"]
    with GOLDEN.open() as fh:
        golden = next(r for r in csv.DictReader(fh) if r["symbol"] == "CIFR")
    # The page writes the key levels in cents (tests/ui/test_tables.py checks the numbers behind them at 1e-9).
    numbers = markdown_table_with(at, "Close vs level (%)").set_index("Level")["Value"]
    assert numbers["Close"] == "$16.71"
    for label, col in [("EMA 20", "ema_20"), ("EMA 50", "ema_50"), ("EMA 100", "ema_100"), ("EMA 200", "ema_200"),
                       ("BB upper", "bb_upper"), ("BB middle (SMA 20)", "bb_mid"), ("BB lower", "bb_lower")]:
        assert numbers[label] == f"${float(golden[col]):,.2f}", label
    by_name = {t["name"]: t for t in fig["data"]}
    assert _array(by_name["EMA 20"]["y"])[-1] == pytest.approx(float(golden["ema_20"]), abs=1e-4)  # rounded to 4 dp
    # the analyst table shows the action of that day (it was published on 2025-11-24)
    analysts = markdown_table_with(at, "Rating change")
    assert analysts.iloc[0]["Target (from → to)"] == "$12 → $18"
    assert analysts.iloc[0]["Rating change"] == "Neutral → Overweight"


def test_asof_before_the_action_hides_the_target() -> None:
    # JPMorgan raised CIFR to $18 on 2025-11-24; the day before, its live target was the $12 of 2025-09-26.
    at = open_page("ticker", symbol="CIFR", asof="2025-11-21")
    fig = figure(at)
    names = trace_names(fig)
    assert any(n.startswith("JPMorgan PT $12 ") for n in names) and not any("$18" in n for n in names)
    for trace in fig["data"]:
        if " PT " in trace["name"] or trace["name"].startswith("Consensus") or trace["name"].endswith(" actions"):
            xs = [x for x in trace.get("x") or [] if x is not None]
            assert not xs or max(xs) <= "2025-11-21", trace["name"]
    analysts = markdown_table_with(at, "Rating change")
    assert analysts["Date"].max() < "2025-11-24"
    assert not at.exception
    early = open_page("ticker", symbol="CIFR", asof="2022-06-01")  # before CIFR's first action (2023-02-07)
    assert any("No analyst actions" in str(c.value) for c in early.caption)
    assert not any("PT" in n for n in trace_names(figure(early)))


def test_view_settings_come_from_the_url() -> None:
    at = open_page("ticker", symbol="MARA", asof="2025-11-24", range="3M", scale="log", show=["EMA20", "BB"])
    assert not at.exception
    fig = figure(at)
    lines = [t for t in fig["data"] if "legend" not in t]  # value tags have a legend of their own each
    assert [t["name"] for t in lines] == ["Price", "BB upper", "BB lower", "BB middle", "EMA 20"]
    # one value tag per line, reading the line's value on the as-of bar, in the line's legend group
    tags = [t for t in fig["data"] if "legend" in t]
    last = {t["name"]: _array(t["y"])[-1] for t in lines[1:]}
    assert sorted((t["legendgroup"], tag_text(t["name"])) for t in tags) == sorted([
        ("bb", f"BB up {last['BB upper']:.2f}"), ("bb", f"BB lo {last['BB lower']:.2f}"),
        ("bb", f"BB mid {last['BB middle']:.2f}"), ("EMA 20", f"EMA20 {last['EMA 20']:.2f}")])
    assert sorted(t["legend"] for t in tags) == ["legend2", "legend3", "legend4", "legend5"]
    assert fig["layout"]["yaxis"]["type"] == "log"
    price = next(t for t in fig["data"] if t["name"] == "Price")
    assert min(price["x"]) >= "2025-08-25"
    link = at.code[0].value
    assert link.endswith("/ticker?symbol=MARA&asof=2025-11-24&range=3M&scale=log&show=EMA20&show=BB")


def test_share_link_pins_the_latest_date() -> None:
    at = open_page("ticker", symbol="CLSK")
    assert "asof=2026-08-12" in at.code[0].value  # CLSK's last bundled bar


def test_switching_ticker_updates_url_and_chart() -> None:
    at = open_page("ticker", symbol="CIFR")
    at.button_group(key="ticker_symbol").set_value("RIOT").run()
    assert not at.exception
    assert param(at, "symbol") == ["RIOT"]
    assert figure(at)["layout"]["title"]["text"].startswith("RIOT")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"symbol": "<script>alert(1)</script>"}, "is not a ticker symbol"),
        ({"symbol": "ZZZZ"}, "No data for ZZZZ"),
        ({"symbol": "CIFR", "asof": "2025-02-30"}, "is not a date"),
        ({"symbol": "CIFR", "asof": "1999-01-04"}, "before the first bar"),
        ({"symbol": "CIFR", "asof": "2031-01-02"}, "after the last bar"),
        ({"symbol": "CIFR", "range": "10Y"}, "Range"),
        ({"symbol": "CIFR", "scale": "cubic"}, "Scale"),
        ({"symbol": "CIFR", "show": ["EMA20", "../../etc/passwd"]}, "Unknown overlay"),
    ],
)
def test_bad_parameters_give_a_message_and_a_chart(params: dict[str, str], expected: str) -> None:
    at = open_page("ticker", **params)
    assert not at.exception
    assert any(expected in t for t in texts(at.warning)), texts(at.warning)
    assert "Price" in trace_names(figure(at))


def test_analysts_page_lists_and_filters() -> None:
    at = open_page("analysts")
    assert not at.exception
    table = at.dataframe[0].value
    with (Path(__file__).resolve().parents[2] / "data" / "analyst_actions.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(table) == len(rows) == 244
    assert set(table["Ticker"]) == set(SYMBOLS)
    at.multiselect(key="tickers").select("MARA").run()
    table = at.dataframe[0].value
    assert set(table["Ticker"]) == {"MARA"} and len(table) == sum(r["ticker"] == "MARA" for r in rows)
    # the filters are bound to the URL: a link with them reproduces the filtered table
    linked = open_page("analysts", tickers="RIOT", firms="JPMorgan", actions="lower_target", **{"from": "2025-01-01",
                       "to": "2025-11-24"})
    got = linked.dataframe[0].value
    expected = [r for r in rows if (r["ticker"], r["firm"], r["action"]) == ("RIOT", "JPMorgan", "lower_target")
                and "2025-01-01" <= r["date"] <= "2025-11-24"]
    assert sorted(got["Date"]) == sorted(r["date"] for r in expected) and len(expected) >= 2
    assert set(got["Target (from → to)"]) == {f"${r['target_from']} → ${r['target_to']}" for r in expected}
    assert param(linked, "from") == ["2025-01-01"] and param(linked, "to") == ["2025-11-24"]


def test_adding_an_unknown_symbol_offline_gives_a_clear_message() -> None:
    at = open_page("overview")
    at.text_input[0].input("ZZZZ")
    at.button[0].click().run()
    assert not at.exception
    assert any("ZZZZ was not added" in t for t in texts(at.error))
    at.text_input[0].input("not a symbol!")
    at.button[0].click().run()
    assert any("is not a ticker" in t for t in texts(at.error))


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_ticker_page_shows_trendlines_levels_and_the_brief(symbol: str) -> None:
    at = open_page("ticker", symbol=symbol, asof="2025-11-24")
    assert not at.exception
    fig = figure(at)
    names = trace_names(fig)
    assert any(n.startswith("Support trendline since") for n in names)
    assert fig["layout"].get("shapes"), "horizontal levels are drawn as shapes"
    brief = next(t for t in texts(at.markdown) if "closed at $" in t)
    assert brief.startswith(f"{symbol} closed at $")
    assert "November 24, 2025" in brief and "JPMorgan" in brief
    levels = markdown_table_with(at, "Touches")
    assert len(levels) >= 3
    assert {"Since", "Status", "Level"} <= set(levels.columns)
    assert len(at.get("download_button")) == 2


def test_the_long_tables_are_folded_until_opened() -> None:
    at = open_page("ticker", tables_open=False, symbol="CIFR", asof="2025-11-24")
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert labels[0] == "Trendlines and levels" and labels[1].startswith("Analyst actions (")
    columns = {c for table in markdown_tables(at) for c in table.columns}
    assert "Touches" not in columns and "Rating change" not in columns  # not drawn while folded
    assert "Close vs level (%)" in columns and any("closed at $" in t for t in texts(at.markdown))
    at.session_state["analysts_table"] = True
    at.run()
    analysts = markdown_table_with(at, "Rating change")
    assert analysts.iloc[0]["Target (from → to)"] == "$12 → $18"
    assert labels[1] == f"Analyst actions ({len(analysts)})"


def test_trendlines_and_levels_can_be_switched_off_by_url() -> None:
    at = open_page("ticker", symbol="CLSK", asof="2025-11-24", show=["EMA20", "Targets"])
    fig = figure(at)
    assert not any("trendline" in n for n in trace_names(fig))
    assert not fig["layout"].get("shapes")


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_chart_payload_of_a_one_year_view_is_under_150_kb(symbol: str) -> None:
    at = open_page("ticker", symbol=symbol)
    chart = at.get("plotly_chart")[0]
    assert figure(at)["data"][0]["x"][0] > "2025-08-01"  # the default 1Y window, not the whole history
    assert len(chart.proto.SerializeToString()) <= 150_000
