"""The overview table: one row per symbol of the universe, as of each symbol's latest bar."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from indicators.asof import snapshot_at
from marketdata.repository import LoadResult
from ui.tables import overview_row


def overview_table(
    universe: list[str],
    load: Callable[[str], LoadResult],
    frame_for: Callable[[str], pd.DataFrame],
    actions: pd.DataFrame,
) -> tuple[pd.DataFrame, list[str]]:
    """Return ``(table, notices)``: a row per symbol with data, and one notice per distinct data problem."""
    rows: list[dict[str, object]] = []
    notices: list[str] = []
    live_problems: dict[str, list[str]] = {}
    for symbol in universe:
        result = load(symbol)
        for notice in result.notices:
            # "Live data ...; showing stored data to DATE." is the same problem for every symbol: group it.
            head = notice.split("; showing")[0]
            live_problems.setdefault(head, []).append(symbol)
        snap = snapshot_at(frame_for(symbol)) if not result.bars.empty else None
        if snap is None:
            notices.append(f"{symbol}: no data available.")
            continue
        rows.append(overview_row(symbol, snap, actions))
    for head, symbols in live_problems.items():
        notices.insert(0, f"{head} ({', '.join(symbols)}); showing the data at hand (see Last bar).")
    return pd.DataFrame(rows), notices
