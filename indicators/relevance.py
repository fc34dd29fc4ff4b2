"""The one relevance setting: nothing priced farther than this from the close is listed, drawn or written."""

from __future__ import annotations

from indicators.distance import distance_pct

#: Levels, trendlines and dynamic levels whose price lies more than this many percent above or below the close
#: are not reported (listed in tables and JSON, drawn, or named in the brief).
RELEVANCE_PCT = 40.0


def within_relevance(price: float, close: float, pct: float = RELEVANCE_PCT) -> bool:
    """Return whether ``price`` lies within ±``pct`` % of ``close`` (inclusive)."""
    return abs(distance_pct(price, close)) <= pct
