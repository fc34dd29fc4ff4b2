"""The screener's signals come from the ticker page's picture: same levels, same trendline state as the brief."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analyst.brief import write_brief
from analyst.picture import build_picture
from analyst.signals import CROSS_BARS, signals, trendline_state
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS

WORDING = {"rebounding": "is rebounding from its", "testing": "is testing its", "broke": "has broken below its",
           "back above": "closed back above its", "holding": "support"}


@pytest.fixture(scope="module")
def actions() -> pd.DataFrame:
    return Snapshot(BUNDLED_DIR).actions()


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("asof", [date(2024, 6, 14), date(2025, 11, 24)])
def test_signals_are_the_pictures_values(symbol: str, asof: date, actions: pd.DataFrame) -> None:
    picture = build_picture(symbol, read_bars(symbol), actions, asof)
    got = signals(picture)
    snap = picture.snapshot
    assert (got.asof, got.close) == (snap.date, snap.close)
    assert got.support == picture.immediate_support and got.resistance == picture.immediate_resistance
    if got.support is not None:
        assert got.support_pct == pytest.approx((got.support.price / snap.close - 1) * 100)
        assert got.support_pct < 0
    line = picture.primary_support()
    assert got.trend_state == (None if line is None else trendline_state(line, snap.close))
    text = write_brief(picture).text
    if got.trend_state is not None:
        assert WORDING[got.trend_state] in text
        assert f"${got.trend_level:,.2f}" in text
    emas = {w: snap.values[f"ema_{w}"] for w in (20, 50, 100, 200)}
    assert got.ema_above == tuple(w for w, v in emas.items() if v is not None and snap.close >= v)
    assert got.above("EMA200") == (None if emas[200] is None else snap.close >= emas[200])
    upper, lower = snap.values["bb_upper"], snap.values["bb_lower"]
    assert got.percent_b == pytest.approx((snap.close - lower) / (upper - lower))
    recent = picture.recent_crosses(CROSS_BARS)
    assert got.cross == (recent[-1] if recent else None)
    target = None if picture.action is None else picture.action.target_to
    assert got.target == target


def test_trendline_states_by_status() -> None:
    picture = build_picture("CLSK", read_bars("CLSK"), Snapshot(BUNDLED_DIR).actions(), date(2025, 11, 24))
    line = picture.primary_support()
    assert line is not None and line.status == "broken"
    assert trendline_state(line, line.level_at_asof * 1.01) == "back above"
    assert trendline_state(line, line.level_at_asof * 0.99) == "broke"
