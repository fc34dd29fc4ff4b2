"""The analysts page's filters and their URL encoding (one typed object, like ui.viewstate for the ticker page).

URL scheme (path ``/analysts``)::

    tickers=MARA&tickers=RIOT    tickers (repeated key); must be tickers with analyst actions
    firms=JPMorgan               firms (repeated key); must be firms with analyst actions
    actions=upgrade              actions (repeated key): upgrade downgrade maintain raise_target lower_target initiate
    from=2025-01-01              first day shown, YYYY-MM-DD (absent: no lower bound)
    to=2025-12-31                last day shown, YYYY-MM-DD (absent: no upper bound)

Values must match exactly (as Streamlit's bound widgets do: no spaces, dates within 1900-01-01 .. 2100-12-31,
``from``/``to`` given once, or repeated with one value); a rejected value is ignored with a message, and a
``from`` after ``to`` drops both.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from ui.viewstate import QueryValue, parse_iso_date, shown_value

ACTION_OPTIONS: tuple[str, ...] = ("upgrade", "downgrade", "initiate", "raise_target", "lower_target", "maintain")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)  # the date pickers' range
LIST_KEYS: tuple[tuple[str, str], ...] = (("tickers", "Ticker"), ("firms", "Firm"), ("actions", "Action"))


def _values(value: QueryValue) -> list[str]:
    return [v for v in (value if isinstance(value, list) else [value]) if v != ""]


@dataclass(frozen=True)
class AnalystsView:
    """The filters of the analysts page; empty tuples and None dates mean "no filter"."""

    tickers: tuple[str, ...] = ()
    firms: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    def to_query(self) -> dict[str, QueryValue]:
        """Return the query parameters of these filters (keys without a filter left out)."""
        query: dict[str, QueryValue] = {k: list(getattr(self, k)) for k, _ in LIST_KEYS if getattr(self, k)}
        if self.start is not None:
            query["from"] = self.start.isoformat()
        if self.end is not None:
            query["to"] = self.end.isoformat()
        return query

    def to_url(self, base: str = "") -> str:
        """Return ``base`` + ``/analysts`` + the encoded query."""
        query = urlencode(self.to_query(), doseq=True)
        return f"{base.rstrip('/')}/analysts" + (f"?{query}" if query else "")

    def apply(self, actions: pd.DataFrame) -> pd.DataFrame:
        """Return the rows of an actions frame that pass every filter (order kept)."""
        mask = pd.Series(True, index=actions.index)
        for key, column in (("tickers", "ticker"), ("firms", "firm"), ("actions", "action")):
            if getattr(self, key):
                mask &= actions[column].isin(getattr(self, key))
        if self.start is not None:
            mask &= actions["date"] >= pd.Timestamp(self.start)
        if self.end is not None:
            mask &= actions["date"] <= pd.Timestamp(self.end)
        return actions[mask]

    @classmethod
    def from_widgets(cls, state: Mapping[Any, Any]) -> AnalystsView:
        """Return the filters the page's widgets hold (keys ``tickers``, ``firms``, ``actions``, ``from``, ``to``);
        a reversed date range is dropped (the widgets are bound to the URL, so :meth:`from_query` names it)."""
        def chosen(key: str) -> tuple[str, ...]:
            value = state.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

        tickers, firms, actions = chosen("tickers"), chosen("firms"), chosen("actions")
        start, end = state.get("from"), state.get("to")
        start = start if isinstance(start, date) else None
        end = end if isinstance(end, date) else None
        if start is not None and end is not None and start > end:
            start = end = None
        return cls(tickers=tickers, firms=firms, actions=actions, start=start, end=end)

    @classmethod
    def from_query(cls, params: Mapping[str, QueryValue],
                   choices: Mapping[str, Collection[str]]) -> tuple[AnalystsView, list[str]]:
        """Decode query parameters against ``choices`` (``tickers``/``firms`` present in the data; actions are
        fixed); return the filters and one user-facing message per kind of rejected value. Nothing raises."""
        messages: list[str] = []
        found: dict[str, tuple[str, ...]] = {}
        for key, label in LIST_KEYS:
            options = ACTION_OPTIONS if key == "actions" else choices.get(key, ())
            requested = _values(params.get(key, []))
            ignored = [v for v in requested if v not in options]
            if ignored:
                more = f" and {len(ignored) - 5} more" if len(ignored) > 5 else ""
                where = (f"not one of {', '.join(ACTION_OPTIONS)}" if key == "actions"
                         else f"not among the {label.lower()}s with analyst actions")
                messages.append(f"{label} filter {', '.join(shown_value(v, 30) for v in ignored[:5])}{more} ignored:"
                                f" {where}.")
            found[key] = tuple(dict.fromkeys(v for v in requested if v in options))
        bounds: dict[str, date | None] = {"from": None, "to": None}
        for key, label in (("from", "From"), ("to", "To")):
            raw = _values(params.get(key, []))
            if len(set(raw)) > 1:
                messages.append(f"{label} date given {len(set(raw))} different times; ignored.")
                continue
            if not raw:
                continue
            try:
                day = parse_iso_date(raw[0])
            except ValueError:
                messages.append(f"{label} date {shown_value(raw[0])} is not a date (use YYYY-MM-DD); ignored.")
                continue
            if not FIRST_DAY <= day <= LAST_DAY:
                messages.append(f"{label} date {day.isoformat()} is out of range ({FIRST_DAY.isoformat()} to"
                                f" {LAST_DAY.isoformat()}); ignored.")
                continue
            bounds[key] = day
        start, end = bounds["from"], bounds["to"]
        if start is not None and end is not None and start > end:
            messages.append(f"From date {start.isoformat()} is after To date {end.isoformat()}; both ignored.")
            start = end = None
        return cls(found["tickers"], found["firms"], found["actions"], start, end), messages
