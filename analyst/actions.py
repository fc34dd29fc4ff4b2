"""The latest analyst action on or before a date, from an actions frame (:mod:`marketdata.actions`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class AnalystAction:
    """The latest analyst action on or before the as-of date (plain values, from the actions frame)."""

    date: date
    firm: str
    action: str
    rating_from: str
    rating_to: str
    target_from: float | None
    target_to: float | None


def latest_action(actions: pd.DataFrame, symbol: str, asof: date) -> AnalystAction | None:
    """Return the first row of ``actions`` for ``symbol`` dated on or before ``asof``, or None.

    The actions frame is newest first (:mod:`marketdata.actions`), so this is the newest action; same-day rows
    keep the frame's order. Missing targets (NaN) become None.
    """
    rows = actions[(actions["ticker"] == symbol) & (actions["date"] <= pd.Timestamp(asof))]
    if rows.empty:
        return None
    r = rows.iloc[0]

    def num(value: float) -> float | None:  # a number column of the actions frame (NaN when not stated)
        return None if pd.isna(value) else float(value)

    return AnalystAction(r["date"].date(), r["firm"], r["action"], r["rating_from"], r["rating_to"],
                         num(r["target_from"]), num(r["target_to"]))
