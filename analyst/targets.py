"""Analyst price targets over time: each firm's target path, the consensus as of a date, and how targets fared.

Pure functions on an actions frame (see :mod:`marketdata.actions`) and a bars frame; no Streamlit. Every
function takes the as-of date ``asof`` and uses only actions dated on or before it and bars up to it.

Rules (README, "Analyst targets"):

* **Live target.** A firm's live target as of A is the target of its most recent action that states a target,
  when that action is dated within :data:`TARGET_LIFE_DAYS` (365) days on or before A (``A - D <= 365``). A newer
  action of the firm without a target (a rating change alone) leaves the target as it was. Two actions of one firm
  on one day: the first in the actions frame's order (the merge keeps curated rows first) counts.
* **Consensus** as of A: over the firms with a live target, their number, the median, mean, highest and lowest
  target, and the Buy/Hold/Sell count of the same firms' latest stated ratings (``rating_to`` of their most recent
  action that states one, on or before A) on each firm's own scale (:func:`marketdata.ratings.stance`); ratings off
  the scale count as unknown.
* **Target path** (chart): a firm's target as a step from each target action's date to the date of its next
  target action, or to 365 days later when that comes first; never past A.
* **Track record.** For an action with target T on day D, C is the close on D (the last close before D when D is
  not a trading day). T >= C is an upside target, reached on the first trading day after D whose high >= T;
  otherwise a downside target, reached on the first trading day after D whose low <= T. The window ends at
  ``target_horizon`` when given, else D + 365 days. As of A: ``reached`` (with the day) when reached on or before
  the earlier of A and the window end; ``missed`` when the window ended on or before A without it; else
  ``pending``; ``unknown`` when there is no close on or before D. Returns after 3, 6 and 12 months are
  close(last bar on or before D + k months) / C - 1, known only when D + k months is on or before A.
* **Firm scorecard**: per firm, the targets counted, reached / missed / pending, the hit rate over finished
  outcomes (reached / (reached + missed)) and the median days from D to the day a target was reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from indicators.distance import distance_pct
from marketdata.ratings import Stance, stance

TARGET_LIFE_DAYS = 365
RETURN_MONTHS = (3, 6, 12)
Status = Literal["reached", "missed", "pending", "unknown"]


def ticker_actions(actions: pd.DataFrame, symbol: str, asof: date) -> pd.DataFrame:
    """Return the actions of ``symbol`` dated on or before ``asof``, newest first (same-day rows in frame order)."""
    mask = (actions["ticker"] == symbol) & (actions["date"] <= pd.Timestamp(asof))
    return actions[mask].sort_values("date", ascending=False, kind="stable")


def ticker_records(actions: pd.DataFrame, symbol: str, asof: date) -> list[dict[str, Any]]:
    """Return :func:`ticker_actions` as plain dicts (newest first): what the functions below work on, fast."""
    records: list[dict[str, Any]] = ticker_actions(actions, symbol, asof).to_dict("records")
    return records


def _day(ts: Any) -> int:
    return int(np.datetime64(ts, "D").astype("int64"))


def firm_targets(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Return each firm's actions that state a target, oldest first; of two same-day rows of one firm, the one
    that counts (the first in the newest-first records) comes last. Firms in name order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in reversed(records):
        if not math.isnan(r["target_to"]):
            out.setdefault(r["firm"], []).append(r)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class ConsensusSeries:
    """The consensus on each of ``dates``: arrays aligned with them (NaN where no firm has a live target)."""

    dates: pd.DatetimeIndex
    n: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    high: np.ndarray
    low: np.ndarray
    live: np.ndarray  # firms x dates: each firm's live target (NaN when none)
    firms: tuple[str, ...]


def series_from(by_firm: dict[str, list[dict[str, Any]]], dates: pd.DatetimeIndex) -> ConsensusSeries:
    """Return the consensus on each of ``dates`` from :func:`firm_targets` (of actions up to the last date)."""
    days = pd.DatetimeIndex(dates).to_numpy(dtype="datetime64[D]").astype("int64")
    firms = tuple(by_firm)
    live = np.full((len(firms), len(days)), np.nan)
    for i, rows in enumerate(by_firm.values()):
        action_days = np.array([_day(r["date"]) for r in rows], dtype="int64")
        targets = np.array([r["target_to"] for r in rows], dtype="float64")
        idx = np.searchsorted(action_days, days, side="right") - 1
        ok = idx >= 0
        age = np.where(ok, days - action_days[np.clip(idx, 0, None)], TARGET_LIFE_DAYS + 1)
        alive = ok & (age <= TARGET_LIFE_DAYS)
        live[i, alive] = targets[idx[alive]]
    n = np.sum(~np.isnan(live), axis=0)
    median = np.full(len(days), np.nan)
    mean, high, low = median.copy(), median.copy(), median.copy()
    any_live = n > 0
    if any_live.any():
        cols = live[:, any_live]
        median[any_live] = np.nanmedian(cols, axis=0)
        mean[any_live] = np.nanmean(cols, axis=0)
        high[any_live] = np.nanmax(cols, axis=0)
        low[any_live] = np.nanmin(cols, axis=0)
    return ConsensusSeries(pd.DatetimeIndex(dates), n, median, mean, high, low, live, firms)


def consensus_series(actions: pd.DataFrame, symbol: str, dates: pd.DatetimeIndex) -> ConsensusSeries:
    """Return the consensus of ``symbol`` on each of ``dates`` (ascending), from actions up to the last date."""
    dates = pd.DatetimeIndex(dates)
    asof = dates[-1].date() if len(dates) else date.min
    return series_from(firm_targets(ticker_records(actions, symbol, asof)), dates)


@dataclass(frozen=True)
class Consensus:
    """The consensus of one ticker as of ``asof`` (see module docstring); prices None when ``n`` is 0.

    ``targets`` maps each firm with a live target to it; ``stances`` each of those firms to its latest rating's
    meaning.
    """

    symbol: str
    asof: date
    n: int
    median: float | None
    mean: float | None
    high: float | None
    low: float | None
    buy: int
    hold: int
    sell: int
    unknown: int
    targets: dict[str, float]
    stances: dict[str, Stance]

    def upside(self, close: float) -> float | None:
        """Return the median target's :func:`upside_pct` from ``close``, or None."""
        return upside_pct(self.median, close)

    def as_dict(self) -> dict[str, object]:
        """Return the JSON fields: n, median, mean, high, low, buy, hold, sell, unknown, firms."""
        return {"asof": self.asof.isoformat(), "n": self.n, "median": self.median, "mean": self.mean,
                "high": self.high, "low": self.low, "buy": self.buy, "hold": self.hold, "sell": self.sell,
                "unknown": self.unknown, "firms": dict(sorted(self.targets.items()))}


def upside_pct(target: float | None, close: float) -> float | None:
    """Return the upside to ``target`` from ``close`` in percent, ``(target / close - 1) × 100``: positive when the
    target lies above the close (a downside when negative), :func:`indicators.distance.distance_pct` of the target.
    None without a target (None or NaN) or without a positive close."""
    if target is None or math.isnan(target) or close <= 0:
        return None
    return distance_pct(target, close)


def latest_ratings(records: list[dict[str, Any]]) -> dict[str, str]:
    """Return each firm's latest stated rating (``rating_to``) in a ticker's records (:func:`ticker_records`)."""
    out: dict[str, str] = {}
    for r in records:  # newest first: a firm's first stated rating is its latest
        if r["rating_to"] and r["firm"] not in out:
            out[r["firm"]] = r["rating_to"]
    return out


def consensus(actions: pd.DataFrame, symbol: str, asof: date) -> Consensus:
    """Return the consensus of ``symbol`` as of ``asof`` (the same numbers as :func:`consensus_series` that day)."""
    records = ticker_records(actions, symbol, asof)  # read once: the targets and the ratings come from it
    series = series_from(firm_targets(records), pd.DatetimeIndex([pd.Timestamp(asof)]))
    targets = {f: float(series.live[i, 0]) for i, f in enumerate(series.firms) if not np.isnan(series.live[i, 0])}
    ratings = latest_ratings(records)
    stances = {f: stance(f, ratings.get(f, "")) for f in targets}
    counts = {s: sum(1 for v in stances.values() if v is s) for s in Stance}

    def value(arr: np.ndarray) -> float | None:
        return None if np.isnan(arr[0]) else float(arr[0])

    return Consensus(symbol, asof, int(series.n[0]), value(series.median), value(series.mean), value(series.high),
                     value(series.low), counts[Stance.BUY], counts[Stance.HOLD], counts[Stance.SELL],
                     counts[Stance.UNKNOWN], targets, stances)


@dataclass(frozen=True)
class Step:
    """One step of a firm's target path: ``target`` from ``start`` to ``end``; ``target_from`` the prior target the
    action stated (NaN if none); ``row`` the action."""

    firm: str
    start: pd.Timestamp
    end: pd.Timestamp
    target: float
    target_from: float
    row: dict[str, Any]


def steps_from(by_firm: dict[str, list[dict[str, Any]]], asof: date) -> list[Step]:
    """Return the target steps of :func:`firm_targets`, per firm oldest first, cut at ``asof`` (see
    :func:`target_paths`)."""
    stop = pd.Timestamp(asof)
    life = pd.Timedelta(days=TARGET_LIFE_DAYS)
    out: list[Step] = []
    for firm, rows in by_firm.items():
        for k, r in enumerate(rows):
            end = r["date"] + life
            if k + 1 < len(rows):
                end = min(end, rows[k + 1]["date"])
            out.append(Step(firm, r["date"], min(end, stop), float(r["target_to"]), float(r["target_from"]), r))
    return out


def target_paths(actions: pd.DataFrame, symbol: str, asof: date) -> pd.DataFrame:
    """Return each firm's target steps up to ``asof``: columns firm, start, end, target, target_from (the prior
    target the action stated, NaN if none), oldest first.

    A step runs from an action's date to the firm's next target action or 365 days later, whichever is first,
    and is cut at ``asof``.
    """
    steps = steps_from(firm_targets(ticker_records(actions, symbol, asof)), asof)
    frame = pd.DataFrame({
        "firm": pd.Series([s.firm for s in steps], dtype=str),
        "start": pd.Series([s.start for s in steps], dtype="datetime64[ns]"),
        "end": pd.Series([s.end for s in steps], dtype="datetime64[ns]"),
        "target": pd.Series([s.target for s in steps], dtype="float64"),
        "target_from": pd.Series([s.target_from for s in steps], dtype="float64"),
    })
    return frame.sort_values(["start", "firm"], kind="stable").reset_index(drop=True)


TRACK_COLUMNS: tuple[str, ...] = (
    "date", "firm", "analysts", "action", "rating_from", "rating_to", "target_from", "target", "source", "origin",
    "close", "direction", "window_end", "status", "reached_on", "days",
    *(f"return_{m}m" for m in RETURN_MONTHS),
)


def track_record(actions: pd.DataFrame, bars: pd.DataFrame, symbol: str, asof: date) -> pd.DataFrame:
    """Return how each target of ``symbol`` fared as of ``asof``, newest first (columns :data:`TRACK_COLUMNS`).

    Uses only actions dated on or before ``asof`` and bars dated on or before it. ``close`` is C, ``direction``
    ``up``/``down``, ``window_end`` the window's last day, ``status`` reached/missed/pending/unknown, ``reached_on``
    a Timestamp or NaT, ``days`` calendar days from the action to it, ``return_Nm`` fractions (NaN when unknown).
    """
    stop = pd.Timestamp(asof)
    cut = bars.loc[:stop]
    days = cut.index.to_numpy(dtype="datetime64[ns]")
    close, high, low = (cut[c].to_numpy(dtype="float64") for c in ("close", "high", "low"))
    rows = ticker_actions(actions, symbol, asof)
    rows = rows[rows["target_to"].notna()]
    out: list[dict[str, object]] = []
    for r in rows.itertuples(index=False):
        d = pd.Timestamp(r.date)
        target = float(r.target_to)
        end = pd.Timestamp(r.target_horizon) if pd.notna(r.target_horizon) else d + pd.Timedelta(days=TARGET_LIFE_DAYS)
        row: dict[str, object] = {
            "date": d, "firm": r.firm, "analysts": r.analysts, "action": r.action, "rating_from": r.rating_from,
            "rating_to": r.rating_to, "target_from": r.target_from, "target": target, "source": r.source,
            "origin": r.origin, "close": np.nan, "direction": "", "window_end": end, "status": "unknown",
            "reached_on": pd.NaT, "days": np.nan, **{f"return_{m}m": np.nan for m in RETURN_MONTHS},
        }
        at = int(np.searchsorted(days, d.to_datetime64(), side="right")) - 1
        if at >= 0:
            c = close[at]
            up = target >= c
            first = at + 1  # bars[at] is D or the last bar before it: the next bar is the first trading day after D
            last = int(np.searchsorted(days, min(end, stop).to_datetime64(), side="right"))  # bars <= min(A, end)
            hits = (high[first:last] >= target) if up else (low[first:last] <= target)
            hit = int(np.argmax(hits)) if hits.any() else -1
            row.update(close=c, direction="up" if up else "down")
            if hit >= 0:
                reached = pd.Timestamp(days[first + hit])
                row.update(status="reached", reached_on=reached, days=(reached - d).days)
            else:
                row["status"] = "missed" if end <= stop else "pending"
            for m in RETURN_MONTHS:
                later = d + pd.DateOffset(months=m)
                if later <= stop:
                    k = int(np.searchsorted(days, later.to_datetime64(), side="right")) - 1
                    row[f"return_{m}m"] = close[k] / c - 1.0
        out.append(row)
    frame = pd.DataFrame(out, columns=list(TRACK_COLUMNS))
    return frame.astype({"days": "float64", "close": "float64", "target": "float64"})


def scorecard(track: pd.DataFrame) -> pd.DataFrame:
    """Return one row per firm from track records (of one or several tickers), most targets first.

    Columns: firm, targets, reached, missed, pending, hit_rate (reached / (reached + missed), NaN when none is
    finished), median_days (to reach, over reached targets), last_action.
    """
    columns = ["firm", "targets", "reached", "missed", "pending", "hit_rate", "median_days", "last_action"]
    if track.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for firm, mine in track.groupby("firm", sort=True):
        counts = mine["status"].value_counts()
        reached, missed = int(counts.get("reached", 0)), int(counts.get("missed", 0))
        rows.append({
            "firm": firm, "targets": len(mine), "reached": reached, "missed": missed,
            "pending": int(counts.get("pending", 0)),
            "hit_rate": reached / (reached + missed) if reached + missed else np.nan,
            "median_days": float(mine.loc[mine["status"] == "reached", "days"].median()) if reached else np.nan,
            "last_action": mine["date"].max(),
        })
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["targets", "firm"], ascending=[False, True], kind="stable").reset_index(drop=True)
