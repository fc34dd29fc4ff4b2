"""Validation of bars, analyst actions and symbols."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from marketdata.actions import InvalidActionRow, firm_key, merge_actions, normalize_actions
from marketdata.bars import clean_bars
from marketdata.symbols import InvalidSymbol, normalize_symbol

GOOD = (15.0, 15.8, 14.6, 15.3, 1_000_000.0)


def raw(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["date", "Open", "High", "Low", "Close", "Volume"])


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (("not a date", *GOOD), "unparseable date"),
        (("2026-09-17", 15.0, 15.8, 14.6, np.nan, 1.0), "missing price"),
        (("2026-09-17", np.nan, 15.8, 14.6, 15.3, 1.0), "missing price"),
        (("2026-09-17", 15.0, 15.8, 14.6, "n/a", 1.0), "missing price"),
        (("2026-09-17", 15.0, 15.8, 14.6, 15.3, np.nan), "missing volume"),
        (("2026-09-17", -15.0, 15.8, 14.6, 15.3, 1.0), "price not positive"),
        (("2026-09-17", 15.0, 15.8, 0.0, 15.3, 1.0), "price not positive"),
        (("2026-09-17", 15.0, 15.8, 14.6, 15.3, -5.0), "negative volume"),
        (("2026-09-17", 15.0, 14.0, 14.6, 14.2, 1.0), "high below low"),
        (("2026-09-17", 16.0, 15.8, 14.6, 15.3, 1.0), "open/close outside high-low range"),
        (("2026-09-17", 15.0, 15.8, 14.6, 14.5, 1.0), "open/close outside high-low range"),
        (("2026-09-16", 99.0, 99.5, 98.0, 99.0, 1.0), "duplicate date"),
    ],
)
def test_clean_bars_rejects_each_bad_row_kind_with_its_reason(row: tuple[object, ...], reason: str) -> None:
    frame = raw([("2026-09-16", *GOOD), row, ("2026-09-18", *GOOD)])

    bars, rejected = clean_bars(frame)

    assert [(r.date, r.reason) for r in rejected] == [("?" if reason == "unparseable date" else row[0], reason)]
    assert [ts.strftime("%Y-%m-%d") for ts in bars.index] == ["2026-09-16", "2026-09-18"]
    assert bars.loc["2026-09-16", "close"] == GOOD[3]  # the first of a duplicated date is the one kept


def test_clean_bars_sorts_and_shapes_the_frame() -> None:
    frame = raw([
        ("2026-09-18", 17.0, 17.8, 16.6, 17.3, 3.0),
        ("2026-09-16", 15.0, 15.8, 14.6, 15.3, 1.0),
        ("2026-09-17", 16.0, 16.8, 15.6, 16.3, 2.0),
    ])

    bars, rejected = clean_bars(frame)

    assert rejected == []
    assert list(bars.columns) == ["open", "high", "low", "close", "volume"]
    assert bars.index.name == "date" and bars.index.tz is None
    assert [ts.strftime("%Y-%m-%d") for ts in bars.index] == ["2026-09-16", "2026-09-17", "2026-09-18"]
    assert list(bars["close"]) == [15.3, 16.3, 17.3]
    assert list(bars["volume"]) == [1.0, 2.0, 3.0]
    assert all(dtype == np.float64 for dtype in bars.dtypes)


def test_clean_bars_turns_a_tz_aware_index_into_local_dates() -> None:
    frame = raw([("2026-09-16", *GOOD)]).set_index("date")
    frame.index = pd.DatetimeIndex(frame.index).tz_localize("America/New_York")

    bars, _ = clean_bars(frame)

    assert list(bars.index) == [pd.Timestamp("2026-09-16")]


def test_clean_bars_needs_all_five_columns() -> None:
    with pytest.raises(ValueError, match="volume"):
        clean_bars(raw([("2026-09-16", *GOOD)]).drop(columns=["Volume"]))


def test_clean_bars_of_nothing_is_empty() -> None:
    bars, rejected = clean_bars(raw([]))
    assert bars.empty and rejected == []
    assert list(bars.columns) == ["open", "high", "low", "close", "volume"]


def _action(**changes: object) -> pd.DataFrame:
    row = {"date": "2025-11-24", "ticker": "cifr", "firm": "JPMorgan", "action": "upgrade", "rating_from": "Neutral",
           "rating_to": "Overweight", "target_from": "12", "target_to": "18", "target_horizon": "2026-12-31"}
    row.update(changes)
    return pd.DataFrame([row])


def test_normalize_actions_coerces_to_the_schema() -> None:
    frame = normalize_actions(_action(), source="bundled")
    row = frame.iloc[0]
    assert row["date"] == pd.Timestamp("2025-11-24") and row["ticker"] == "CIFR"
    assert (row["target_from"], row["target_to"]) == (12.0, 18.0)
    assert row["target_horizon"] == pd.Timestamp("2026-12-31")
    assert (row["source"], row["origin"], row["company"], row["note"]) == ("bundled", "bundled", "", "")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date": "24/13/2025"}, "date"),
        ({"date": ""}, "date"),
        ({"action": "strong_buy"}, "action"),
        ({"target_from": "-3"}, "target_from"),
        ({"target_to": "-18"}, "target_to"),
        ({"target_to": "eighteen"}, "target_to"),
        ({"firm": "  "}, "firm"),
        ({"ticker": ""}, "ticker"),
    ],
)
def test_normalize_actions_names_the_bad_field(changes: dict[str, object], field: str) -> None:
    good = _action(firm="Other", date="2025-11-20")
    bad = _action(**changes)
    with pytest.raises(InvalidActionRow) as info:
        normalize_actions(pd.concat([good, bad], ignore_index=True))
    assert f"'{field}'" in str(info.value)
    assert "row 2" in str(info.value)


def test_firm_key_folds_spelling() -> None:
    assert firm_key("JP Morgan") == firm_key("JPMorgan") == firm_key("J.P. Morgan") == "jpmorgan"
    assert firm_key("Morgan Stanley") != firm_key("JPMorgan")


def test_merge_actions_keeps_the_first_frame_row_and_sorts_newest_first() -> None:
    first = normalize_actions(_action(note="curated"), source="bundled")
    second = normalize_actions(pd.concat([_action(firm="JP Morgan", note="live"),
                                          _action(firm="Other", date="2026-01-05")], ignore_index=True),
                               source="yfinance")

    merged = merge_actions(first, second)

    assert list(merged["firm"]) == ["Other", "JPMorgan"]
    assert list(merged["origin"]) == ["yfinance", "bundled"]
    assert merged.loc[1, "note"] == "curated"


@pytest.mark.parametrize(("text", "expected"), [
    ("brk.b", "BRK.B"), ("^GSPC", "^GSPC"), ("BTC-USD", "BTC-USD"), ("  cifr ", "CIFR"), ("EURUSD=X", "EURUSD=X"),
    ("A" * 15, "A" * 15),
])
def test_normalize_symbol_accepts_tickers(text: str, expected: str) -> None:
    assert normalize_symbol(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "<script>", "../etc/passwd", "A" * 16, "CI FR", "CIFR;DROP", None, 42])
def test_normalize_symbol_rejects_non_tickers(text: object) -> None:
    with pytest.raises(InvalidSymbol):
        normalize_symbol(text)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("ticker", "<script>", "field 'ticker' is not a ticker symbol"),
    ("ticker", "../../etc", "field 'ticker' is not a ticker symbol"),
    ("target_to", "inf", "field 'target_to' is not a finite number"),
    ("target_from", "1e999", "field 'target_from' is not a finite number"),
    ("target_horizon", "next year", "field 'target_horizon' is not a date"),
])
def test_hostile_analyst_rows_are_rejected_naming_the_field(field: str, value: str, words: str) -> None:
    row = {"date": "2025-11-24", "ticker": "CIFR", "firm": "JPMorgan", "action": "upgrade", field: value}
    with pytest.raises(InvalidActionRow, match=words):
        normalize_actions(pd.DataFrame([row]))
