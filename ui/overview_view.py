"""The overview page's view state and its URL encoding (filters, sort and as-of date of the screener).

URL scheme (path ``/``)::

    asof=2025-11-24        ISO date; every row as of that day's close (absent: each ticker's latest bar)
    state=testing-support  trendline state filter, repeated = any of: rebounding-support testing-support
                           broke-support back-above-support above-support
    above=EMA200           the close at or above these averages (EMA20 .. EMA200, SMA20 SMA50 SMA200), repeated
    below=SMA50            the close below these averages, repeated
    cross=golden           a golden (or death) cross in the last 20 bars
    ticker=MARA            only these tickers, repeated
    sort=Gain (%)          sort by this column (any column of the table)
    order=desc             asc | desc (default asc)

Every rejected value gets a user-facing message and falls back to "no filter"; nothing raises. Repeated keys
whose widget holds one value (``asof``, ``cross``, ``sort``, ``order``) take the first value, as Streamlit's
bound widgets do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal
from urllib.parse import urlencode

from analyst.signals import TRENDLINE_STATES, TrendlineState
from marketdata.symbols import InvalidSymbol, normalize_symbol
from ui.viewstate import QueryValue, parse_iso_date, shown_value

#: URL slug of each trendline state (the filter values).
STATE_SLUGS: dict[TrendlineState, str] = {
    "rebounding": "rebounding-support", "testing": "testing-support", "broke": "broke-support",
    "back above": "back-above-support", "holding": "above-support",
}
SLUG_STATES: dict[str, TrendlineState] = {slug: state for state, slug in STATE_SLUGS.items()}
AVERAGES: tuple[str, ...] = ("EMA20", "EMA50", "EMA100", "EMA200", "SMA20", "SMA50", "SMA200")
CROSSES: tuple[str, ...] = ("golden", "death")
ORDERS: tuple[str, ...] = ("asc", "desc")
Order = Literal["asc", "desc"]
KEYS: tuple[str, ...] = ("asof", "state", "above", "below", "cross", "ticker", "sort", "order")

assert tuple(STATE_SLUGS) == TRENDLINE_STATES


def _values(value: QueryValue) -> list[str]:
    return [v for v in (value if isinstance(value, list) else [value]) if v != ""]


@dataclass(frozen=True)
class OverviewView:
    """Everything that decides what the overview table shows (filters, sort, as-of date)."""

    asof: date | None = None
    state: tuple[str, ...] = ()  # slugs of STATE_SLUGS
    above: tuple[str, ...] = ()
    below: tuple[str, ...] = ()
    cross: str | None = None
    tickers: tuple[str, ...] = ()
    sort: str | None = None
    order: Order = "asc"

    @property
    def states(self) -> set[TrendlineState]:
        return {SLUG_STATES[s] for s in self.state}

    def filtered(self) -> bool:
        """Return whether any row filter is set."""
        return bool(self.state or self.above or self.below or self.cross or self.tickers)

    def to_query(self) -> dict[str, QueryValue]:
        """Return the query parameters of this view (only keys that differ from the defaults)."""
        query: dict[str, QueryValue] = {}
        if self.asof is not None:
            query["asof"] = self.asof.isoformat()
        for key, values in (("state", self.state), ("above", self.above), ("below", self.below),
                            ("ticker", self.tickers)):
            if values:
                query[key] = list(values)
        if self.cross:
            query["cross"] = self.cross
        if self.sort:
            query["sort"] = self.sort
            query["order"] = self.order
        return query

    def to_url(self, base: str = "") -> str:
        """Return ``base`` + ``/?`` + the encoded query (``base`` like ``http://host:8501``)."""
        query = urlencode(self.to_query(), doseq=True)
        return f"{base.rstrip('/')}/" + (f"?{query}" if query else "")

    @classmethod
    def from_query(cls, params: Mapping[str, QueryValue], columns: tuple[str, ...] = ()
                   ) -> tuple[OverviewView, list[str]]:
        """Decode query parameters; return the view and one user-facing message per rejected value.

        ``columns`` are the table's columns (what ``sort`` may name); with none given any sort is rejected.
        """
        view = cls()
        messages: list[str] = []
        if "asof" in params and (raw := (_values(params["asof"]) or [""])[0].strip()):
            try:
                view = replace(view, asof=parse_iso_date(raw))
            except ValueError:
                messages.append(f"As-of date {shown_value(raw)} is not a date (use YYYY-MM-DD); showing the latest"
                                " bar.")
        for key, options, label in (("state", tuple(SLUG_STATES), "Trendline state"), ("above", AVERAGES, "Above"),
                                    ("below", AVERAGES, "Below")):
            if key not in params:
                continue
            tokens = _values(params[key])
            unknown = [t for t in tokens if t not in options]
            if unknown:
                messages.append(f"{label} filter {', '.join(shown_value(u, 24) for u in unknown[:5])} ignored"
                                f" (known: {', '.join(options)}).")
            kept = tuple(dict.fromkeys(t for t in tokens if t in options))
            if key == "state":
                view = replace(view, state=kept)
            elif key == "above":
                view = replace(view, above=kept)
            else:
                view = replace(view, below=kept)
        if "cross" in params and (tokens := _values(params["cross"])):
            if tokens[0] in CROSSES:
                view = replace(view, cross=tokens[0])
            else:
                messages.append(f"Cross filter {shown_value(tokens[0])} ignored (use golden or death).")
        if "ticker" in params:
            symbols: list[str] = []
            for raw in _values(params["ticker"]):
                try:
                    symbols.append(normalize_symbol(raw))
                except InvalidSymbol:
                    messages.append(f"{shown_value(raw)} is not a ticker symbol; ignored.")
            view = replace(view, tickers=tuple(dict.fromkeys(symbols)))
        if "sort" in params and (tokens := _values(params["sort"])):
            if tokens[0] in columns:
                view = replace(view, sort=tokens[0])
            else:
                messages.append(f"Cannot sort by {shown_value(tokens[0])}: no such column.")
        if "order" in params and (tokens := _values(params["order"])):
            if tokens[0] in ORDERS:
                view = replace(view, order="desc" if tokens[0] == "desc" else "asc")
            else:
                messages.append(f"Order {shown_value(tokens[0])} is unknown (use asc or desc); showing asc.")
        return view, messages
