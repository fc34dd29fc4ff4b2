"""The daily-bar frame every part of the app shares, and its validation.

A *bars frame* has a tz-naive ``DatetimeIndex`` named ``date`` (one row per trading day, ascending,
unique) and float columns ``open, high, low, close, volume``. Prices are split-adjusted and not
dividend-adjusted, as in the bundled snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class RejectedRow:
    """A row dropped by :func:`clean_bars`, with the reason in words."""

    date: str
    reason: str


def empty_bars() -> pd.DataFrame:
    """Return an empty bars frame with the right columns and index."""
    return pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in COLUMNS},
        index=pd.DatetimeIndex([], name="date"),
    )


def clean_bars(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[RejectedRow]]:
    """Return ``(bars, rejected)``: the valid rows of ``frame`` as a bars frame, and the dropped rows.

    ``frame`` needs a date-like index (or a ``date`` column) and the five columns in any letter case.
    A row is rejected when a price is missing or not positive, volume is negative or missing,
    ``high`` is below ``low``/``open``/``close`` or ``low`` above them, the date is unparseable, or the
    date repeats (the first occurrence is kept). Unsorted input is sorted. Nothing is invented.
    """
    if frame is None or len(frame) == 0:
        return empty_bars(), []
    df = frame.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "date" in df.columns:
        df = df.set_index("date")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"bars: missing column(s) {', '.join(missing)}")
    df = df[list(COLUMNS)]
    index = pd.to_datetime(pd.Index(df.index), errors="coerce", utc=False)
    if getattr(index, "tz", None) is not None:
        index = index.tz_localize(None)
    df.index = pd.DatetimeIndex(index).normalize()
    df.index.name = "date"
    df = df.apply(pd.to_numeric, errors="coerce").astype("float64")

    rejected: list[RejectedRow] = []
    reasons = pd.Series("", index=range(len(df)), dtype="object")
    idx = df.index
    o, h, lo, c, v = (df[col].to_numpy() for col in COLUMNS)
    checks: list[tuple[np.ndarray, str]] = [
        (np.asarray(idx.isna()), "unparseable date"),
        (np.isnan(o) | np.isnan(h) | np.isnan(lo) | np.isnan(c), "missing price"),
        (np.isnan(v), "missing volume"),
        ((o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0), "price not positive"),
        (v < 0, "negative volume"),
        (h < lo, "high below low"),
        ((h < np.fmax(o, c)) | (lo > np.fmin(o, c)), "open/close outside high-low range"),
        (np.asarray(idx.duplicated(keep="first")), "duplicate date"),
    ]
    bad = np.zeros(len(df), dtype=bool)
    for mask, reason in checks:
        mask = np.asarray(mask, dtype=bool) & ~bad
        for pos in np.flatnonzero(mask):
            reasons.iat[pos] = reason
        bad |= mask
    for pos in np.flatnonzero(bad):
        stamp = idx[pos]
        rejected.append(RejectedRow("?" if pd.isna(stamp) else stamp.strftime("%Y-%m-%d"), reasons.iat[pos]))
    clean = df[~bad].sort_index()
    return clean, rejected
