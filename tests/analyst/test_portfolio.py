"""Position values by hand: market value, gain, gain %, the day's change and the totals."""

from __future__ import annotations

import pytest

from analyst.portfolio import Holding, totals
from marketdata.positions import Position


def test_one_holding_by_hand() -> None:
    h = Holding(Position("CLSK", 150.0, 9.20), price=11.48, prev_close=9.73)
    assert h.market_value == pytest.approx(1722.00, abs=1e-9)  # 150 × 11.48
    assert h.cost_basis == pytest.approx(1380.00, abs=1e-9)  # 150 × 9.20
    assert h.gain == pytest.approx(342.00, abs=1e-9)  # (11.48 − 9.20) × 150
    assert h.gain_pct == pytest.approx(24.782608695652, abs=1e-9)  # 11.48 / 9.20 − 1
    assert h.day_change == pytest.approx(262.50, abs=1e-9)  # (11.48 − 9.73) × 150


def test_losses_fractions_and_totals() -> None:
    a = Holding(Position("MARA", 12.5, 20.0), price=11.21, prev_close=10.07)
    b = Holding(Position("RIOT", 0.75, 10.0), price=13.88, prev_close=None)
    assert a.gain == pytest.approx(-109.875, abs=1e-9)  # (11.21 − 20) × 12.5
    assert b.day_change is None
    total = totals([a, b])
    assert total.market_value == pytest.approx(12.5 * 11.21 + 0.75 * 13.88, abs=1e-9)
    assert total.cost_basis == pytest.approx(250.0 + 7.5, abs=1e-9)
    assert total.gain == pytest.approx(-109.875 + 2.91, abs=1e-9)
    assert total.gain_pct == pytest.approx((-109.875 + 2.91) / 257.5 * 100, abs=1e-9)
    assert total.day_change == pytest.approx(12.5 * (11.21 - 10.07), abs=1e-9)
    assert totals([]).gain_pct is None
