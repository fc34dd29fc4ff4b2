"""The brief: every number in it is drawn on the chart, wording follows the statistics, no look-ahead."""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analyst.brief import line_description, write_brief
from analyst.picture import build_picture
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS
from ui.chart import build_figure
from ui.viewstate import ViewState

DATES = [date(2024, 6, 14), date(2025, 4, 8), date(2025, 11, 24), None]
MONEY = re.compile(r"\$([0-9][0-9,]*\.[0-9]{2})")


def _numbers(value: object) -> list[float]:
    if isinstance(value, dict) and "bdata" in value:
        return list(np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float))
    if isinstance(value, list):
        return [float(v) for v in value if isinstance(v, int | float)]
    return [float(value)] if isinstance(value, int | float) else []


def figure_prices(fig_json: dict) -> np.ndarray:
    """Every price the figure draws: trace y/open/high/low/close values, shape y0/y1, and the dollar amounts
    written in trace names and labels (e.g. the prior target in ``JPMorgan PT $28 → $39``)."""
    out: list[float] = []
    for trace in fig_json["data"]:
        if trace.get("name", "").startswith("Volume"):  # shares, not prices
            continue
        for text in [trace.get("name", ""), *(trace.get("text") or [])]:
            out += [float(m.replace(",", "")) for m in re.findall(r"\$([0-9][0-9,]*(?:\.[0-9]+)?)", str(text))]
        for key in ("y", "open", "high", "low", "close"):
            out += _numbers(trace.get(key))
    for shape in fig_json["layout"].get("shapes", []):
        out += _numbers(shape.get("y0")) + _numbers(shape.get("y1"))
    return np.array(out)


@pytest.fixture(scope="module")
def actions() -> pd.DataFrame:
    return Snapshot(BUNDLED_DIR).actions()


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("asof", DATES)
def test_every_dollar_amount_in_the_brief_is_drawn_on_the_chart(symbol: str, asof: date | None,
                                                                actions: pd.DataFrame) -> None:
    picture = build_picture(symbol, read_bars(symbol), actions, asof)
    brief = write_brief(picture)
    view = ViewState(symbol=symbol, asof=picture.asof, range="2Y")
    drawn = figure_prices(json.loads(build_figure(picture.frame, actions, view, picture=picture).to_json()))
    change = picture.snapshot.change
    amounts = [float(m.replace(",", "")) for m in MONEY.findall(brief.text)]
    assert amounts, brief.text
    for amount in amounts:
        if change is not None and abs(amount - round(abs(change), 2)) < 1e-9:
            continue  # the day's change is close − previous close, both drawn as candles
        assert np.nanmin(np.abs(drawn - amount)) <= 0.005 + 1e-9, (amount, brief.text)
        assert round(amount, 2) in picture.chart_prices() or any(
            abs(amount - p) <= 0.005 for p in picture.chart_prices()), amount


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_brief_has_no_look_ahead(symbol: str, actions: pd.DataFrame) -> None:
    bars = read_bars(symbol)
    asof = date(2025, 6, 2)
    base = write_brief(build_picture(symbol, bars, actions, asof)).text
    altered = bars.copy()
    later = altered.index > pd.Timestamp(asof)
    altered.loc[later, ["open", "high", "low", "close"]] *= 0.3
    assert write_brief(build_picture(symbol, altered, actions, asof)).text == base
    # analyst actions after this date change nothing (the JPMorgan actions of 2025-11-24 are not mentioned)
    assert write_brief(build_picture(symbol, bars, actions[actions["date"] <= pd.Timestamp(asof)], asof)).text == base
    assert "November 24, 2025" not in base


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_wording_follows_the_statistics(symbol: str, actions: pd.DataFrame) -> None:
    picture = build_picture(symbol, read_bars(symbol), actions, date(2025, 11, 24))
    text = write_brief(picture).text
    line = picture.primary_support()
    if line is not None:
        assert line_description(line) in text
        assert ("long-term" in line_description(line)) == (line.span_bars >= 250)
        assert ("tentative" in line_description(line)) == (line.n_touches < 3)
    assert f"${picture.snapshot.close:,.2f}" in text
    assert "JPMorgan" in text
    ema = [picture.snapshot.values[f"ema_{w}"] for w in (20, 50, 100, 200)]
    if all(picture.snapshot.close < v for v in ema):
        assert "remains under the 20-, 50-, 100- and 200-day EMAs" in text


def test_cifr_upgrade_sentence(actions: pd.DataFrame) -> None:
    picture = build_picture("CIFR", read_bars("CIFR"), actions, date(2025, 11, 24))
    text = write_brief(picture).text
    assert text.startswith("CIFR closed at $16.71 on November 24, 2025, up $2.56 (+18.1%) on the day.")
    assert ("On November 24, 2025, JPMorgan upgraded CIFR to Overweight from Neutral and raised its target to"
            " $18.00 from $12.00, 7.7% upside from the close.") in text


def test_markdown_export_has_a_title(actions: pd.DataFrame) -> None:
    brief = write_brief(build_picture("MARA", read_bars("MARA"), actions, date(2025, 11, 24)))
    assert brief.markdown().startswith("# MARA technical levels — November 24, 2025\n\n")
