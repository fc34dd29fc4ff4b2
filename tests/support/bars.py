"""Price bars for the tests: the bundled CSVs read directly with pandas (independent of marketdata/), weekdays
after a date, and made-up rows in the shapes yfinance and the store use."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from tests.support.project import ROOT

NEW_YORK = ZoneInfo("America/New_York")


def read_bars(symbol: str) -> pd.DataFrame:
    """Read a bundled price CSV directly with pandas (independent of marketdata/)."""
    frame = pd.read_csv(ROOT / "data" / "prices" / f"{symbol}.csv", parse_dates=["date"], index_col="date")
    return frame.astype("float64")


def weekdays_after(day: date, count: int) -> list[date]:
    """Return the ``count`` weekdays (Mon–Fri) after ``day``."""
    out: list[date] = []
    while len(out) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return out


def bundled_dates(symbol: str) -> list[str]:
    with (ROOT / "data" / "prices" / f"{symbol}.csv").open(newline="") as fh:
        return [r["date"] for r in csv.DictReader(fh)]



Row = tuple[object, object, object, object, object, object]


def yahoo_like(rows: list[Row]) -> pd.DataFrame:
    """Return ``(date, open, high, low, close, volume)`` rows as yfinance gives them: capitalised, NY midnight."""
    df = pd.DataFrame(rows, columns=["Date", "Open", "High", "Low", "Close", "Volume"])
    df.index = pd.DatetimeIndex(pd.to_datetime(df.pop("Date"))).tz_localize(NEW_YORK)
    return df.astype("float64")


def good_rows(days: list[date], base: float = 15.0) -> list[Row]:
    return [(d.isoformat(), base + i, base + 0.8 + i, base - 0.4 + i, base + 0.3 + i, 1_000_000.0 + i)
            for i, d in enumerate(days)]


def bars_frame(rows: list[Row]) -> pd.DataFrame:
    """Return rows as a cleaned bars frame (what ``Store.append_bars`` takes)."""
    return yahoo_like(rows).tz_localize(None).rename(columns=str.lower).rename_axis("date")
