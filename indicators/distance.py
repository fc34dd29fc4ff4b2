"""Signed distances between a price level and the close: the one place their conventions are written down.

* :func:`distance_pct` — how far a level lies from the close, in % of the close: ``(level / close - 1) × 100``,
  positive above the close, negative below (levels' ``distance_pct``, the screener's support/resistance %, the
  upside to an analyst target, the ±40 % relevance rule).
* :func:`distance_atr` — the same distance in ATR: ``(level - close) / ATR``, positive above the close (NaN when
  the ATR is undefined).
* :func:`close_vs_level_pct` — where the close stands against a level, in % of the *level*:
  ``(close / level - 1) × 100``, positive when the close is above the level (the tables' "vs close (%)" and
  "Close vs level (%)" columns, the overview's "vs EMA" columns). Its sign is the opposite of
  :func:`distance_pct`'s and its base is the level, so the two differ in size too: use the one the column names.
"""

from __future__ import annotations


def distance_pct(level: float, close: float) -> float:
    """Return ``(level / close - 1) × 100``: the level's signed distance from the close in % of the close,
    positive above the close."""
    return (level / close - 1.0) * 100.0


def distance_atr(level: float, close: float, atr: float) -> float:
    """Return ``(level - close) / atr``: the level's signed distance from the close in ATR, positive above."""
    return (level - close) / atr


def close_vs_level_pct(close: float, level: float) -> float:
    """Return ``(close / level - 1) × 100``: the close's distance from the level in % of the level, positive
    when the close is above the level."""
    return (close / level - 1.0) * 100.0
