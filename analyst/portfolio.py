"""What positions are worth as of a close: market value, gain, the day's change, and the total.

Conventions: ``gain = (price - avg_cost) × shares`` and ``gain_pct = (price / avg_cost - 1) × 100`` on the as-of
close; ``day_change = (price - prev_close) × shares`` (None without a previous close); the total's gain percent is
the total gain over the total cost basis (``Σ avg_cost × shares``). Values are unrounded floats; tables round to
cents when they write them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from marketdata.positions import Position


@dataclass(frozen=True)
class Holding:
    """One position valued at ``price`` (the as-of close)."""

    position: Position
    price: float
    prev_close: float | None

    @property
    def market_value(self) -> float:
        return self.position.shares * self.price

    @property
    def cost_basis(self) -> float:
        return self.position.shares * self.position.avg_cost

    @property
    def gain(self) -> float:
        return (self.price - self.position.avg_cost) * self.position.shares

    @property
    def gain_pct(self) -> float:
        return (self.price / self.position.avg_cost - 1.0) * 100.0

    @property
    def day_change(self) -> float | None:
        return None if self.prev_close is None else (self.price - self.prev_close) * self.position.shares


@dataclass(frozen=True)
class Totals:
    """The sum over holdings: market value, cost basis, gain (and its percent of the basis), day's change."""

    market_value: float
    cost_basis: float
    gain: float
    day_change: float

    @property
    def gain_pct(self) -> float | None:
        return None if self.cost_basis <= 0 else self.gain / self.cost_basis * 100.0


def totals(holdings: Iterable[Holding]) -> Totals:
    """Return the :class:`Totals` of ``holdings`` (a missing day change counts as 0)."""
    items = list(holdings)
    return Totals(
        market_value=sum(h.market_value for h in items), cost_basis=sum(h.cost_basis for h in items),
        gain=sum(h.gain for h in items), day_change=sum(h.day_change or 0.0 for h in items),
    )
