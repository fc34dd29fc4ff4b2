"""Analyst actions: the shared schema, validation, and de-duplication across sources.

An *actions frame* has the columns of ``data/analyst_actions.csv`` (:data:`COLUMNS`) plus ``origin``:
``date`` (Timestamp, the day of the action), ``ticker``, ``company``, ``firm`` (canonical spelling, see
:mod:`marketdata.firms`), ``analysts``, ``action`` (one of :data:`ACTIONS`), ``rating_from``/``rating_to`` (empty
string when the source did not state it), ``target_from``/``target_to`` (float dollars, NaN when not stated),
``target_horizon`` (Timestamp or NaT), ``note``, ``source`` (the address or citation the row was read from; for a
live feed its name, e.g. ``yfinance``) and ``origin`` (where the row entered the app: ``bundled``, ``yfinance``,
``user``; a row without one takes its ``source``). Rows are sorted newest first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from marketdata.firms import canonical_firm, firm_key
from marketdata.symbols import SYMBOL_PATTERN

__all__ = [
    "ACTIONS", "COLUMNS", "FRAME_COLUMNS", "InvalidActionRow", "empty_actions", "field_problems", "firm_key",
    "merge_actions", "normalize_actions",
]

ACTIONS: frozenset[str] = frozenset(
    {"upgrade", "downgrade", "maintain", "raise_target", "lower_target", "initiate"}
)
COLUMNS: tuple[str, ...] = (
    "date", "ticker", "company", "firm", "analysts", "action", "rating_from", "rating_to",
    "target_from", "target_to", "target_horizon", "note", "source",
)
FRAME_COLUMNS: tuple[str, ...] = (*COLUMNS, "origin")
TEXT_COLUMNS: tuple[str, ...] = (
    "ticker", "company", "firm", "analysts", "action", "rating_from", "rating_to", "note", "source", "origin",
)
NEAR_DAYS = 3  # a feed's row this close to a kept row of the same firm, ticker and target is the same action


class InvalidActionRow(ValueError):
    """Raised for an analyst row that cannot be used; the message names the field."""


def empty_actions() -> pd.DataFrame:
    """Return an empty actions frame with the schema's columns."""
    return normalize_actions(pd.DataFrame(columns=list(FRAME_COLUMNS)))


def _missing(raw: object) -> bool:
    return raw is None or raw == "" or (not isinstance(raw, str) and bool(pd.isna(raw)))


def _problems(raw: Mapping[str, object], ticker: str, firm: str, action: str, day: object, horizon: object,
              targets: Mapping[str, object]) -> list[tuple[str, str]]:
    """Return ``(field, problem)`` for every unusable field of one row (raw values and their parsed forms)."""
    out: list[tuple[str, str]] = []
    if pd.isna(day):
        out.append(("date", f"is not a date ({raw.get('date')!r})"))
    if not ticker:
        out.append(("ticker", "is empty"))
    elif not SYMBOL_PATTERN.fullmatch(ticker):
        out.append(("ticker", f"is not a ticker symbol ({ticker[:20]!r})"))
    if not firm:
        out.append(("firm", "is empty"))
    if action not in ACTIONS:
        out.append(("action", f"is {action!r}, expected one of {', '.join(sorted(ACTIONS))}"))
    for col, value in targets.items():
        if pd.isna(value) and not _missing(raw.get(col)):
            out.append((col, f"is not a number ({raw.get(col)!r})"))
        elif not pd.isna(value) and float(str(value)) < 0:
            out.append((col, "is negative"))
        elif not pd.isna(value) and not math.isfinite(float(str(value))):
            out.append((col, "is not a finite number"))
    if pd.isna(horizon) and not _missing(raw.get("target_horizon")):
        out.append(("target_horizon", f"is not a date ({raw.get('target_horizon')!r})"))
    return out


def field_problems(row: Mapping[str, object]) -> dict[str, str]:
    """Return ``{field: "field 'x' ..."}`` for every field of one raw row that the loader would reject.

    The same rules as :func:`normalize_actions` (which stops at the first), so a form can name every bad field.
    """
    try:
        frame = pd.DataFrame([{k: row.get(k) for k in FRAME_COLUMNS}])
        _parsed, problems = _parse(frame)
    except (TypeError, ValueError) as exc:  # values pandas cannot even hold
        return {"row": f"row is unusable ({type(exc).__name__})"}
    return {f: f"field '{f}' {p}" for f, p in problems[0]} if problems else {}


def _parse(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict[int, list[tuple[str, str]]]]:
    """Return ``frame`` coerced to the schema (unsorted; ``keep`` columns carried along as they are) and the
    problems of each bad row (by position)."""
    df = frame.copy()
    for col in FRAME_COLUMNS:
        if col not in df.columns:
            df[col] = "" if col in TEXT_COLUMNS else None
    df = df[[*FRAME_COLUMNS, *keep]].reset_index(drop=True)
    for col in TEXT_COLUMNS:
        df[col] = df[col].astype("object").where(df[col].notna(), "").astype(str).str.strip()
    df["ticker"] = df["ticker"].str.upper()
    df["origin"] = df["origin"].where(df["origin"] != "", df["source"])
    dates = pd.to_datetime(df["date"], errors="coerce")
    horizons = pd.to_datetime(df["target_horizon"].replace("", None), errors="coerce")
    targets = {c: pd.to_numeric(df[c].replace("", None), errors="coerce") for c in ("target_from", "target_to")}
    problems: dict[int, list[tuple[str, str]]] = {}
    for i in range(len(df)):
        raw = frame.iloc[i]
        found = _problems(raw, df.at[i, "ticker"], df.at[i, "firm"], df.at[i, "action"], dates.iat[i],
                          horizons.iat[i], {c: v.iat[i] for c, v in targets.items()})
        if found:
            problems[i] = found
    df["firm"] = df["firm"].map(canonical_firm)
    df["date"] = pd.DatetimeIndex(dates).tz_localize(None) if getattr(dates.dt, "tz", None) else dates
    df["date"] = df["date"].dt.normalize()
    df["target_horizon"] = horizons
    df["target_from"] = targets["target_from"].astype("float64")
    df["target_to"] = targets["target_to"].astype("float64")
    return df, problems


def normalize_actions(frame: pd.DataFrame, source: str | None = None, origin: str | None = None,
                      keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return ``frame`` coerced to the actions schema (see module docstring), newest first.

    ``source`` sets the source of every row (a feed's name; then also its origin unless ``origin`` is given);
    ``origin`` sets where the rows entered the app. Firm names become their canonical spelling. Columns named in
    ``keep`` are carried along unchanged (after the schema's).

    Raises :class:`InvalidActionRow` naming the field and row when a date, ticker (must be a symbol), firm or
    action is unusable, a target is negative or not finite, or a horizon is not a date; nothing is partly accepted.
    """
    frame = frame.copy()
    if source is not None:
        frame["source"] = source
    if origin is not None:
        frame["origin"] = origin
    df, problems = _parse(frame, keep)
    if problems:
        i = min(problems)
        field, problem = problems[i][0]
        raise InvalidActionRow(f"analyst row {i + 1}: field '{field}' {problem}")
    return _newest_first(df)


def merge_actions(*frames: pd.DataFrame) -> pd.DataFrame:
    """Return the union of actions frames without duplicates, newest first.

    A row of a later frame is the same action as a row of an earlier one when ticker and :func:`firm_key` agree
    and either the dates agree, or the dates are at most :data:`NEAR_DAYS` calendar days apart and both state the
    same target (feeds and news pages often date one action a day apart). The row from the earlier frame wins
    (pass the bundled, curated data first).
    """
    parts = [f.assign(_part=n) for n, f in enumerate(frames) if f is not None and len(f)]
    if not parts:
        return empty_actions()
    allrows = pd.concat(parts, ignore_index=True)
    allrows["_firm"] = allrows["firm"].map(firm_key)
    key = allrows["date"].dt.strftime("%Y-%m-%d") + "|" + allrows["ticker"] + "|" + allrows["_firm"]
    allrows = allrows[~key.duplicated(keep="first")]
    if allrows["_part"].nunique() > 1:
        pairs = allrows.reset_index().merge(allrows.reset_index(), on=["ticker", "_firm"], suffixes=("", "_kept"))
        near = pairs[(pairs["_part_kept"] < pairs["_part"])
                     & ((pairs["date"] - pairs["date_kept"]).abs() <= pd.Timedelta(days=NEAR_DAYS))
                     & (pairs["target_to"] == pairs["target_to_kept"])]
        allrows = allrows.drop(index=near["index"].unique())
    return _newest_first(allrows.drop(columns=["_part", "_firm"]))


def _newest_first(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.sort_values(["date", "ticker", "firm"], ascending=[False, True, True], kind="stable")
    return ordered.reset_index(drop=True)
