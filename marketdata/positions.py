"""Positions a user holds (shares and average cost per symbol): the field rules and the typed record.

A position is stored as an append-only history (see the store): setting a position inserts a new row, removing
it inserts a removal, and the latest row per owner and symbol is the position. Nothing is updated or deleted.

Field rules (the same in the form and in the store, which rejects a bad row with :class:`InvalidPosition`):

* **Shares**: a plain decimal number (``12``, ``0.5``, ``1,250.75``), greater than 0 and at most
  :data:`MAX_SHARES` (fractional shares are allowed);
* **Average cost**: the same form, in dollars per share (a leading ``$`` is accepted), greater than 0 and at most
  :data:`MAX_COST`.

Anything else (empty, text, markup, ``NaN``, ``inf``, exponents such as ``1e308``, negative or zero) is refused
with one message naming the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

MAX_SHARES = 1_000_000_000.0  # a billion shares
MAX_COST = 10_000_000.0  # $10M per share
PositionField = Literal["symbol", "shares", "avg_cost"]
FIELD_LABELS: dict[PositionField, str] = {"symbol": "Ticker", "shares": "Shares", "avg_cost": "Average cost"}
_NUMBER = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$|^\.[0-9]+$")  # ASCII digits only


class InvalidPosition(ValueError):
    """A position field is not acceptable; ``field`` names it and the message says why, for the user."""

    def __init__(self, field: PositionField, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Position:
    """``shares`` of ``symbol`` bought at ``avg_cost`` dollars per share on average (both > 0)."""

    symbol: str
    shares: float
    avg_cost: float


def parse_amount(text: str, field: PositionField, limit: float) -> float:
    """Return the number written in ``text`` for ``field``; raise :class:`InvalidPosition` with a clear message."""
    label = FIELD_LABELS[field]
    raw = str(text).strip()
    cleaned = raw[1:].strip() if field == "avg_cost" and raw.startswith("$") else raw
    if not cleaned:
        raise InvalidPosition(field, f"{label} is required.")
    if not _NUMBER.fullmatch(cleaned):
        shown = "".join(ch if ch.isprintable() else "?" for ch in raw)[:30]
        raise InvalidPosition(field, f"{label} must be a plain number such as 12.5 (got {shown!r}).")
    value = float(cleaned.replace(",", ""))
    return check_amount(value, field, limit)


def check_amount(value: float, field: PositionField, limit: float) -> float:
    """Return ``value`` if it is a finite number in (0, ``limit``]; raise :class:`InvalidPosition` otherwise."""
    label = FIELD_LABELS[field]
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidPosition(field, f"{label} must be a finite number.")
    if value <= 0:
        raise InvalidPosition(field, f"{label} must be greater than 0.")
    if value > limit:
        raise InvalidPosition(field, f"{label} must be at most {limit:,.0f}.")
    return float(value)


def make_position(symbol: str, shares: float, avg_cost: float) -> Position:
    """Return a checked :class:`Position` (numbers already parsed); raise :class:`InvalidPosition`."""
    return Position(symbol, check_amount(shares, "shares", MAX_SHARES), check_amount(avg_cost, "avg_cost", MAX_COST))


def parse_position(symbol: str, shares: str, avg_cost: str) -> Position:
    """Return the :class:`Position` a form's text fields describe; raise :class:`InvalidPosition` (first bad field)."""
    return Position(symbol, parse_amount(shares, "shares", MAX_SHARES), parse_amount(avg_cost, "avg_cost", MAX_COST))
