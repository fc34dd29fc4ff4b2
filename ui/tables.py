"""Tables shown on the pages, built from indicator frames and actions frames (plain pandas)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from indicators.asof import LevelsSnapshot
from indicators.moving_averages import EMA_WINDOWS
from ui.labels import rating_change, target_change, up_down


def latest_action(actions: pd.DataFrame, symbol: str, asof: date | None = None) -> pd.Series | None:
    """Return the newest action for ``symbol`` dated on or before ``asof`` (None if there is none)."""
    rows = actions[actions["ticker"] == symbol]
    if asof is not None:
        rows = rows[rows["date"] <= pd.Timestamp(asof)]
    return None if rows.empty else rows.iloc[0]


def upside_pct(close: float, target: float | None) -> float | None:
    """Return ``(target / close - 1) × 100``, or None without a target."""
    if target is None or pd.isna(target) or close <= 0:
        return None
    return (float(target) / close - 1.0) * 100.0


def overview_row(symbol: str, snap: LevelsSnapshot, actions: pd.DataFrame) -> dict[str, object]:
    """Return one overview-table row: price, change, volume, position vs each EMA, latest action, upside."""
    row: dict[str, object] = {
        "Ticker": symbol,
        "Open page": f"ticker?symbol={symbol}",
        "Last bar": snap.date.isoformat(),
        "Price": snap.close,
        "Change ($)": snap.change,
        "Change (%)": snap.change_pct,
        "Volume": snap.volume,
        "Prev Close": snap.prev_close,
        "Open": snap.open,
    }
    for w in EMA_WINDOWS:
        value = snap.values[f"ema_{w}"]
        row[f"vs EMA {w} (%)"] = None if value is None else (snap.close / value - 1.0) * 100.0
    act = latest_action(actions, symbol, snap.date)
    if act is None:
        row["Latest analyst action"] = "—"
        row["Target"] = None
        row["Upside (%)"] = None
    else:
        rating = act["rating_to"] or "rating not stated"
        row["Latest analyst action"] = f"{act['date']:%Y-%m-%d} {act['firm']} · {rating} · PT " + target_change(
            act["target_from"], act["target_to"]
        )
        row["Target"] = None if pd.isna(act["target_to"]) else float(act["target_to"])
        row["Upside (%)"] = upside_pct(snap.close, act["target_to"])
    return row


def analyst_table(actions: pd.DataFrame, symbol: str | None = None, asof: date | None = None) -> pd.DataFrame:
    """Return actions (for ``symbol`` if given, up to ``asof`` if given) as display rows, newest first.

    Columns: Date, Ticker, Firm, Up/Down, Target (from → to), Rating change, Current rating, Action, Note.
    """
    rows = actions
    if symbol is not None:
        rows = rows[rows["ticker"] == symbol]
    if asof is not None:
        rows = rows[rows["date"] <= pd.Timestamp(asof)]
    out = pd.DataFrame({
        "Date": rows["date"].dt.strftime("%Y-%m-%d"),
        "Ticker": rows["ticker"],
        "Firm": rows["firm"],
        "Up/Down": [up_down(a, f, t) for a, f, t in zip(rows["action"], rows["target_from"], rows["target_to"],
                                                          strict=True)],
        "Target (from → to)": [target_change(f, t) for f, t in zip(rows["target_from"], rows["target_to"],
                                                                   strict=True)],
        "Rating change": [rating_change(a, f, t) or "—" for a, f, t in zip(rows["action"], rows["rating_from"],
                                                                          rows["rating_to"], strict=True)],
        "Current rating": [t or "—" for t in rows["rating_to"]],
        "Action": rows["action"].str.replace("_", " "),
        "Note": rows["note"],
    })
    return out.reset_index(drop=True)


def key_numbers(snap: LevelsSnapshot) -> pd.DataFrame:
    """Return the as-of key numbers: close and each EMA/band value with the close's distance to it (%)."""
    names = {**{f"ema_{w}": f"EMA {w}" for w in EMA_WINDOWS},
             "bb_upper": "BB upper", "bb_mid": "BB middle (SMA 20)", "bb_lower": "BB lower"}
    rows = [{"Level": "Close", "Value": snap.close, "Close vs level (%)": None}]
    for key, label in names.items():
        value = snap.values[key]
        rows.append({
            "Level": label,
            "Value": value,
            "Close vs level (%)": None if value is None else (snap.close / value - 1.0) * 100.0,
        })
    return pd.DataFrame(rows)
