"""Analyst actions: the shared schema, validation, and de-duplication across sources.

An *actions frame* has the columns of ``data/analyst_actions.csv`` plus ``source``:
``date`` (Timestamp, the day of the action), ``ticker``, ``company``, ``firm``, ``analysts``,
``action`` (one of :data:`ACTIONS`), ``rating_from``/``rating_to`` (empty string when the source did
not state it), ``target_from``/``target_to`` (float dollars, NaN when not stated),
``target_horizon`` (Timestamp or NaT), ``note`` and ``source``. Rows are sorted newest first.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from marketdata.symbols import SYMBOL_PATTERN

ACTIONS: frozenset[str] = frozenset(
    {"upgrade", "downgrade", "maintain", "raise_target", "lower_target", "initiate"}
)
COLUMNS: tuple[str, ...] = (
    "date", "ticker", "company", "firm", "analysts", "action", "rating_from", "rating_to",
    "target_from", "target_to", "target_horizon", "note", "source",
)
TEXT_COLUMNS: tuple[str, ...] = (
    "ticker", "company", "firm", "analysts", "action", "rating_from", "rating_to", "note", "source",
)


class InvalidActionRow(ValueError):
    """Raised for an analyst row that cannot be used; the message names the field."""


def empty_actions() -> pd.DataFrame:
    """Return an empty actions frame with the schema's columns."""
    return normalize_actions(pd.DataFrame(columns=list(COLUMNS)))


def firm_key(firm: str) -> str:
    """Return a firm name folded for matching: ``'JP Morgan'`` and ``'JPMorgan'`` give ``'jpmorgan'``."""
    return re.sub(r"[^a-z0-9]", "", firm.lower())


def normalize_actions(frame: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """Return ``frame`` coerced to the actions schema (see module docstring), newest first.

    Raises :class:`InvalidActionRow` naming the field and row when a date, ticker (must be a symbol), firm or
    action is unusable, a target is negative or not finite, or a horizon is not a date; nothing is partly accepted.
    """
    df = frame.copy()
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = "" if col in TEXT_COLUMNS else None
    if source is not None:
        df["source"] = source
    df = df[list(COLUMNS)].reset_index(drop=True)
    for col in TEXT_COLUMNS:
        df[col] = df[col].astype("object").where(df[col].notna(), "").astype(str).str.strip()
    df["ticker"] = df["ticker"].str.upper()
    dates = pd.to_datetime(df["date"], errors="coerce")
    horizons = pd.to_datetime(df["target_horizon"].replace("", None), errors="coerce")
    targets = {c: pd.to_numeric(df[c].replace("", None), errors="coerce") for c in ("target_from", "target_to")}
    for i in range(len(df)):
        where = f"analyst row {i + 1}"
        if pd.isna(dates.iat[i]):
            raise InvalidActionRow(f"{where}: field 'date' is not a date ({frame.iloc[i].get('date')!r})")
        if not df.at[i, "ticker"]:
            raise InvalidActionRow(f"{where}: field 'ticker' is empty")
        if not SYMBOL_PATTERN.fullmatch(df.at[i, "ticker"]):
            raise InvalidActionRow(f"{where}: field 'ticker' is not a ticker symbol ({df.at[i, 'ticker'][:20]!r})")
        if not df.at[i, "firm"]:
            raise InvalidActionRow(f"{where}: field 'firm' is empty")
        if df.at[i, "action"] not in ACTIONS:
            raise InvalidActionRow(
                f"{where}: field 'action' is {df.at[i, 'action']!r}, expected one of {', '.join(sorted(ACTIONS))}"
            )
        for col, values in targets.items():
            raw = frame.iloc[i].get(col)
            if pd.isna(values.iat[i]) and raw not in (None, "") and not pd.isna(raw):
                raise InvalidActionRow(f"{where}: field '{col}' is not a number ({raw!r})")
            if values.iat[i] < 0:
                raise InvalidActionRow(f"{where}: field '{col}' is negative")
            if not pd.isna(values.iat[i]) and not math.isfinite(values.iat[i]):
                raise InvalidActionRow(f"{where}: field '{col}' is not a finite number")
        raw_horizon = frame.iloc[i].get("target_horizon")
        if pd.isna(horizons.iat[i]) and raw_horizon not in (None, "") and not pd.isna(raw_horizon):
            raise InvalidActionRow(f"{where}: field 'target_horizon' is not a date ({raw_horizon!r})")
    df["date"] = pd.DatetimeIndex(dates).tz_localize(None) if getattr(dates.dt, "tz", None) else dates
    df["date"] = df["date"].dt.normalize()
    df["target_horizon"] = horizons
    df["target_from"] = targets["target_from"].astype("float64")
    df["target_to"] = targets["target_to"].astype("float64")
    return _newest_first(df)


def merge_actions(*frames: pd.DataFrame) -> pd.DataFrame:
    """Return the union of actions frames without duplicates, newest first.

    Two rows are the same action when date, ticker and :func:`firm_key` agree; the row from the
    earlier frame wins (pass the bundled, curated data first).
    """
    parts = [f for f in frames if f is not None and len(f)]
    if not parts:
        return empty_actions()
    allrows = pd.concat(parts, ignore_index=True)
    key = allrows["date"].dt.strftime("%Y-%m-%d") + "|" + allrows["ticker"] + "|" + allrows["firm"].map(firm_key)
    merged = allrows[~key.duplicated(keep="first")]
    return _newest_first(merged)


def _newest_first(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.sort_values(["date", "ticker", "firm"], ascending=[False, True, True], kind="stable")
    return ordered.reset_index(drop=True)
