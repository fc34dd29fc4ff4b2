"""The ticker page's tables: the numbers behind them (golden values) and how they are written as Markdown."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.asof import indicator_frame, snapshot_at
from tests.support.apptest import cells
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS
from ui.tables import key_numbers, markdown_table

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "indicators_2025-11-24.csv"
LABELS = {"EMA 20": "ema_20", "EMA 50": "ema_50", "EMA 100": "ema_100", "EMA 200": "ema_200",
          "SMA 20": "sma_20", "SMA 50": "sma_50", "SMA 200": "sma_200",
          "BB upper": "bb_upper", "BB middle (SMA 20)": "bb_mid", "BB lower": "bb_lower"}


def _parse(text: str) -> tuple[list[str], str, list[list[str]]]:
    lines = text.splitlines()
    return cells(lines[0]), lines[1], [cells(line) for line in lines[2:]]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_key_numbers_match_the_golden_values(symbol: str) -> None:
    with GOLDEN.open() as fh:
        golden = next(r for r in csv.DictReader(fh) if r["symbol"] == symbol)
    snap = snapshot_at(indicator_frame(read_bars(symbol), date(2025, 11, 24)))
    assert snap is not None
    table = key_numbers(snap).set_index("Level")
    assert table.loc["Close", "Value"] == pytest.approx(float(golden["close"]), abs=1e-9)
    assert pd.isna(table.loc["Close", "Close vs level (%)"])
    for label, column in LABELS.items():
        level = float(golden[column])
        assert table.loc[label, "Value"] == pytest.approx(level, abs=1e-9), label
        expected = (float(golden["close"]) / level - 1.0) * 100.0
        assert table.loc[label, "Close vs level (%)"] == pytest.approx(expected, abs=1e-9), label


def test_markdown_table_formats_aligns_and_marks_missing_values() -> None:
    table = pd.DataFrame({"What": ["EMA 20", "Close"], "Value": [16.906162, 1234.5], "Touches": [3, 4],
                          "Change (%)": [np.nan, -1.234]})
    text = markdown_table(table, {"Value": "${:,.2f}", "Change (%)": "{:+.1f}%"})
    header, rule, rows = _parse(text)
    assert header == ["What", "Value", "Touches", "Change (%)"]
    assert rule == "|---|---:|---:|---:|"  # numbers right-aligned, text left
    assert rows == [["EMA 20", "$16.91", "3", "—"], ["Close", "$1,234.50", "4", "-1.2%"]]


def test_markdown_table_escapes_cells_so_data_cannot_break_out() -> None:
    hostile = ["a | b", "<img src=x onerror=alert(1)>", "line\nbreak | **bold** $x$ [link](javascript:alert(1))"]
    text = markdown_table(pd.DataFrame({"Firm": hostile, "Note": ["|", "`code`", None]}))
    lines = text.splitlines()
    assert len(lines) == 2 + len(hostile)  # a line break in a cell does not start a new row
    for line in lines[2:]:
        assert "<" not in line.replace("\\<", "")
        assert "$" not in line.replace("\\$", "")
        assert "[" not in line.replace("\\[", "")
    _, _, rows = _parse(text)
    assert [r[0] for r in rows] == ["a | b", "<img src=x onerror=alert(1)>",
                                    "line break | **bold** $x$ [link](javascript:alert(1))"]
    assert [r[1] for r in rows] == ["|", "`code`", "—"]
